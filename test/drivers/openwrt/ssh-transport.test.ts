import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import { AuthError, NotFoundError, ProtocolError, RouterctlError, TimeoutError, UnreachableError } from '../../../src/core/errors.js';
import { parseUciExport } from '../../../drivers/openwrt/parse.js';
import { batchScript, hasUciForbiddenChars, SshTransport, uciQuote } from '../../../drivers/openwrt/ssh-transport.js';
import { realCli } from './fixtures.js';

const HOST = '127.0.22.1';
const PASSWORD = 'ssh-Pw "q" $HOME;x';

describe('openwrt ssh: quoting for uci batch', () => {
  it('matches the recorded safe quoting (cli-12)', () => {
    const value = 'it\'s "q" a b$HOME;echo pwned\\x';
    expect(`uci set network.wan.password=${uciQuote(value)}`).to.equal(realCli('cli-12').command);
  });

  it('produces the recorded batch lines (cli-31)', () => {
    const script = batchScript('network', [
      { op: 'set', section: 'wan', option: 'password', value: 'batch pass;$x' },
      { op: 'set', section: 'wan', option: 'mtu', value: '1460' },
    ]);
    const heredoc = /<<'UCIEOF'\n([\s\S]*?)UCIEOF/.exec(realCli('cli-31').command)![1];
    expect(script).to.equal(heredoc);
  });

  it('lists are replaced whole, deletes only what exists', () => {
    const script = batchScript('network', [
      { op: 'setList', section: 'wan', option: 'dns', values: ['1.1.1.1', "8.8.8.8'"], exists: true },
      { op: 'setList', section: 'wan', option: 'ntp', values: ['a'], exists: false },
      { op: 'delete', section: 'wan', option: 'mtu' },
    ]);
    expect(script).to.equal(
      "delete network.wan.dns\nadd_list network.wan.dns='1.1.1.1'\nadd_list network.wan.dns='8.8.8.8'\\'''\n" +
        "add_list network.wan.ntp='a'\ndelete network.wan.mtu\ncommit network\n",
    );
  });

  it('refuses names that are not uci names and values uci rejects', () => {
    expect(() => batchScript('network', [{ op: 'set', section: 'wan;reboot', option: 'x', value: 'v' }])).to.throw(ProtocolError);
    expect(() => batchScript('network', [{ op: 'set', section: 'wan', option: 'pass word', value: 'v' }])).to.throw(ProtocolError);
    expect(() => batchScript('network', [{ op: 'set', section: 'wan', option: 'password', value: 'a\u0001b' }])).to.throw(RouterctlError);
    expect(hasUciForbiddenChars('tab\tlf\ncr\r')).to.equal(false);
    expect(hasUciForbiddenChars('esc\u001b')).to.equal(true);
  });

  it('a POSIX shell reads the quoted value back exactly (property)', function () {
    this.timeout(20000);
    const value = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(value, (v) => execFileSync('/bin/sh', ['-c', `printf %s ${uciQuote(v)}`]).toString('utf8') === v),
      { numRuns: 150 },
    );
  });

  it('uci file syntax reads the quoted value back exactly (property, our own tokenizer)', () => {
    const value = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !hasUciForbiddenChars(s));
    fc.assert(
      fc.property(value, (v) => parseUciExport(`package network\nconfig interface 'wan'\n\toption password ${uciQuote(v)}\n`).sections[0]!.options.password === v),
      { numRuns: 500 },
    );
  });
});

// ---- a minimal SSH server (ssh2) that records exec requests -------------------------------------

interface Exec {
  command: string;
  stdin: string;
}

type Reply = { stdout?: Buffer | string; stderr?: string; code?: number; hang?: boolean };

/**
 * ssh2 1.17 cannot parse back roughly 1 in 150 of the ed25519 keys it generates ("Malformed
 * OpenSSH private key"), so keep one that parses for the whole file.
 */
let cachedHostKey: string | undefined;
function hostKeyOnce(): string {
  while (cachedHostKey === undefined) {
    const k = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(k) instanceof Error)) cachedHostKey = k;
  }
  return cachedHostKey;
}

class FakeSshd {
  readonly execs: Exec[] = [];
  handler: (e: Exec) => Reply = () => ({ code: 0 });
  readonly #server: ssh2.Server;

  constructor() {
    const hostKey = hostKeyOnce();
    this.#server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => {
        if (ctx.method === 'password' && ctx.username === 'root' && ctx.password === PASSWORD) ctx.accept();
        else ctx.reject(['password']);
      });
      client.on('ready', () => {
        client.on('session', (accept) => {
          const session = accept();
          session.on('exec', (acceptExec, _reject, info) => {
            const ch = acceptExec();
            const chunks: Buffer[] = [];
            ch.on('data', (d: Buffer) => chunks.push(d));
            ch.on('end', () => {
              const e = { command: info.command, stdin: Buffer.concat(chunks).toString('utf8') };
              this.execs.push(e);
              const r = this.handler(e);
              if (r.hang) return;
              if (r.stdout !== undefined) {
                // Split every reply in two at an odd byte so multi-byte UTF-8 straddles packets.
                const buf = Buffer.isBuffer(r.stdout) ? r.stdout : Buffer.from(r.stdout, 'utf8');
                const mid = Math.floor(buf.length / 2) | 1;
                ch.write(buf.subarray(0, mid));
                ch.write(buf.subarray(mid));
              }
              if (r.stderr) ch.stderr.write(r.stderr);
              ch.exit(r.code ?? 0);
              ch.end();
            });
          });
        });
      });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, HOST, resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('openwrt ssh transport against a fake sshd', function () {
  this.timeout(15000);
  let sshd: FakeSshd;
  let port: number;
  const open = (over: Partial<{ password: string; timeoutMs: number; maxResponseBytes: number; hostVerifier: (k: Buffer) => boolean }> = {}) =>
    SshTransport.connect({
      host: HOST,
      port,
      username: 'root',
      password: over.password ?? PASSWORD,
      timeoutMs: over.timeoutMs ?? 3000,
      maxResponseBytes: over.maxResponseBytes ?? 1 << 20,
      hostVerifier: over.hostVerifier,
    });

  beforeEach(async () => {
    sshd = new FakeSshd();
    port = await sshd.start();
  });
  afterEach(async () => {
    await sshd.stop();
    for (const e of sshd.execs) expect(e.command).to.not.include(PASSWORD);
  });

  it('wrong password → AuthError without the password in it', async () => {
    const err = await open({ password: 'nope' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect((err as Error).message).to.not.include('nope');
  });

  it('nobody listening → UnreachableError', async () => {
    await sshd.stop();
    const err = await open().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(UnreachableError);
    sshd = new FakeSshd();
    await sshd.start();
  });

  it('a refused host key → ProtocolError; the verifier sees the key', async () => {
    let seen: Buffer | undefined;
    const err = await open({ hostVerifier: (k) => ((seen = k), false) }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect(seen).to.be.instanceOf(Buffer);
  });

  it('exports, decodes UTF-8 split across packets, keeps leading/trailing spaces', async () => {
    const text = "package network\n\nconfig interface 'wan'\n\toption proto 'pppoe'\n\toption password ' пароль Ёё '\n";
    sshd.handler = (e) => (e.command === 'uci export network' ? { stdout: text } : { code: 127 });
    const t = await open();
    const [wan] = await t.exportPackage('network');
    expect(wan!.options.password).to.equal(' пароль Ёё ');
    t.close();
    t.close();
  });

  it('uci batch gets the values on stdin, never in the command', async () => {
    const t = await open();
    const secret = 'it\'s "q" a b$HOME;echo pwned\\x';
    await t.batch('network', [{ op: 'set', section: 'wan', option: 'password', value: secret }]);
    expect(sshd.execs.map((e) => e.command)).to.deep.equal(['uci batch']);
    expect(sshd.execs[0]!.stdin).to.equal(`set network.wan.password=${uciQuote(secret)}\ncommit network\n`);
    t.close();
  });

  it('a failing batch (exit code or stderr) → ProtocolError', async () => {
    const t = await open();
    sshd.handler = () => ({ code: 1, stderr: 'uci: Invalid argument\n' });
    expect(await t.batch('network', []).then(() => undefined, (e: unknown) => e)).to.be.instanceOf(ProtocolError);
    sshd.handler = () => ({ code: 0, stderr: 'uci: Parse error (invalid command) at line 1, byte 0\n' });
    expect(await t.batch('network', []).then(() => undefined, (e: unknown) => e)).to.be.instanceOf(ProtocolError);
    t.close();
  });

  it('ifstatus: JSON on success, NotFoundError for an unknown interface', async () => {
    sshd.handler = (e) => (e.command === 'ifstatus wan' ? { stdout: '{"up":false,"pending":true}\n' } : { code: 1, stdout: 'Interface vpn0 not found\n' });
    const t = await open();
    expect(await t.ifstatus('wan')).to.deep.equal({ up: false, pending: true });
    expect(await t.ifstatus('vpn0').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(NotFoundError);
    expect(await t.ifstatus('wan; reboot').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(ProtocolError);
    t.close();
  });

  it('output above maxResponseBytes → ProtocolError; a hung command → TimeoutError', async () => {
    const t = await open({ maxResponseBytes: 1000, timeoutMs: 500 });
    sshd.handler = () => ({ stdout: 'x'.repeat(5000) });
    expect(await t.exec('uci export network').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(ProtocolError);
    sshd.handler = () => ({ hang: true });
    expect(await t.exec('uci export network').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(TimeoutError);
    t.close();
  });
});
