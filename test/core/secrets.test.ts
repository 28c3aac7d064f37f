import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { readAdminPassword, readNewWanPassword, SecretStore, stripOneNewline, wanKey, writeFileAtomic } from '../../src/core/secrets.js';

const mode = (p: string) => statSync(p).mode & 0o777;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** A prompt that answers from a list and records the questions. */
function scripted(answers: string[]) {
  const asked: string[] = [];
  const fn = async (message: string) => {
    asked.push(message);
    const a = answers.shift();
    if (a === undefined) throw new Error('prompt asked too often');
    return a;
  };
  return { fn, asked };
}

describe('core/secrets', () => {
  let tmp: string;
  let seen: string[];
  let warnings: string[];
  const onSecret = (v: string) => seen.push(v);
  const logger = { warn: (m: string) => warnings.push(m) };

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'routerctl-secrets-'));
    seen = [];
    warnings = [];
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const secretFile = (content: string, fileMode = 0o600) => {
    const f = path.join(tmp, `pw-${Math.random().toString(16).slice(2)}`);
    writeFileSync(f, content);
    chmodSync(f, fileMode);
    return f;
  };

  describe('readAdminPassword', () => {
    it('reads the first line of --password-file and registers it', async () => {
      const f = secretFile('s3cr3t pass\nsecond line\n');
      expect(await readAdminPassword({ passwordFile: f, env: { ROUTERCTL_PASSWORD: 'env' }, prompt: true, onSecret, logger })).to.equal('s3cr3t pass');
      expect(seen).to.deep.equal(['s3cr3t pass']);
      expect(warnings).to.deep.equal([]);
      expect(await readAdminPassword({ passwordFile: secretFile('crlf\r\n'), env: {}, prompt: false })).to.equal('crlf');
    });

    it('warns (without refusing) when the file is readable by others', async function () {
      if (process.platform === 'win32') this.skip();
      const f = secretFile('pw\n', 0o644);
      expect(await readAdminPassword({ passwordFile: f, env: {}, prompt: false, logger })).to.equal('pw');
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('chmod 600').and.include('0644').and.not.include('pw\n');
    });

    it('refuses a missing or empty file and NUL bytes, without quoting the content', async () => {
      expect(await rejection(readAdminPassword({ passwordFile: path.join(tmp, 'none'), env: {}, prompt: false }))).to.be.instanceOf(UsageError);
      expect(await rejection(readAdminPassword({ passwordFile: secretFile('\nx'), env: {}, prompt: false }))).to.be.instanceOf(UsageError);
      const err = await rejection(readAdminPassword({ passwordFile: secretFile('ab\0cd'), env: {}, prompt: false }));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.include('NUL').and.not.include('ab');
    });

    it('falls back to ROUTERCTL_PASSWORD, then the prompt (TTY only), then undefined', async () => {
      expect(await readAdminPassword({ env: { ROUTERCTL_PASSWORD: 'from-env' }, prompt: true, onSecret })).to.equal('from-env');
      const p = scripted(['typed']);
      expect(await readAdminPassword({ env: { ROUTERCTL_PASSWORD: '' }, prompt: true, interactive: true, promptFn: p.fn, onSecret, message: 'Password for root@127.0.31.1:' })).to.equal('typed');
      expect(p.asked).to.deep.equal(['Password for root@127.0.31.1:']);
      const never = scripted([]);
      expect(await readAdminPassword({ env: {}, prompt: true, interactive: false, promptFn: never.fn })).to.equal(undefined);
      expect(await readAdminPassword({ env: {}, prompt: false, interactive: true, promptFn: never.fn })).to.equal(undefined);
      expect(never.asked).to.deep.equal([]);
      expect(seen).to.deep.equal(['from-env', 'typed']);
    });
  });

  describe('readNewWanPassword', () => {
    it('reads --new-password-file, keeping spaces and stripping one newline', async () => {
      const f = secretFile(' new pass $;"ключ \n');
      expect(await readNewWanPassword({ file: f, env: {}, prompt: false, onSecret })).to.equal(' new pass $;"ключ ');
      expect(seen).to.deep.equal([' new pass $;"ключ ']);
      const err = await rejection(readNewWanPassword({ file: secretFile('a\nb\n'), env: {}, prompt: false }));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.include('single line');
    });

    it('reads all of stdin and strips exactly one trailing newline', async () => {
      const read = (text: string) => readNewWanPassword({ stdin: true, stdinStream: Readable.from([Buffer.from(text)]), env: {}, prompt: false, onSecret });
      expect(await read('pa ss\n')).to.equal('pa ss');
      expect(await read('pa ss')).to.equal('pa ss');
      expect(await read('pa ss\r\n')).to.equal('pa ss');
      expect(await rejection(read('pa ss\n\n'))).to.be.instanceOf(UsageError);
      expect(await rejection(read('\n'))).to.be.instanceOf(UsageError);
      expect(await rejection(read('a\0b'))).to.be.instanceOf(UsageError);
      const tty = Object.assign(Readable.from([]), { isTTY: true });
      expect(await rejection(readNewWanPassword({ stdin: true, stdinStream: tty, env: {}, prompt: false }))).to.be.instanceOf(UsageError);
    });

    it('refuses both file and stdin at once', async () => {
      expect(await rejection(readNewWanPassword({ file: secretFile('x'), stdin: true, env: {}, prompt: false }))).to.be.instanceOf(UsageError);
    });

    it('uses ROUTERCTL_NEW_PASSWORD, refusing an empty one', async () => {
      expect(await readNewWanPassword({ env: { ROUTERCTL_NEW_PASSWORD: 'isp-pw' }, prompt: false, onSecret })).to.equal('isp-pw');
      expect(seen).to.deep.equal(['isp-pw']);
      expect(await rejection(readNewWanPassword({ env: { ROUTERCTL_NEW_PASSWORD: '' }, prompt: false }))).to.be.instanceOf(UsageError);
    });

    it('prompts twice and accepts matching entries', async () => {
      const p = scripted(['abc', 'abc']);
      expect(await readNewWanPassword({ env: {}, prompt: true, interactive: true, promptFn: p.fn, onSecret })).to.equal('abc');
      expect(p.asked).to.have.length(2);
      expect(seen).to.deep.equal(['abc', 'abc']);
    });

    it('asks again on a mismatch, and gives up after 3 rounds', async () => {
      const p = scripted(['abc', 'abd', 'abc', 'abc']);
      expect(await readNewWanPassword({ env: {}, prompt: true, interactive: true, promptFn: p.fn, logger })).to.equal('abc');
      expect(warnings).to.have.length(1);
      const q = scripted(['a', 'b', 'a', 'c', 'a', 'd']);
      const err = await rejection(readNewWanPassword({ env: {}, prompt: true, interactive: true, promptFn: q.fn, onSecret }));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).not.to.match(/\b[abcd]\b/);
      expect(q.asked).to.have.length(6);
    });

    it('refuses an empty entry at the prompt, and returns undefined when nobody can answer', async () => {
      const p = scripted(['']);
      expect(await rejection(readNewWanPassword({ env: {}, prompt: true, interactive: true, promptFn: p.fn }))).to.be.instanceOf(UsageError);
      expect(await readNewWanPassword({ env: {}, prompt: true, interactive: false })).to.equal(undefined);
    });

    it('stripOneNewline removes one line end only', () => {
      expect(stripOneNewline('a\n\n')).to.equal('a\n');
      expect(stripOneNewline('a\r\n')).to.equal('a');
      expect(stripOneNewline('a')).to.equal('a');
    });
  });

  describe('SecretStore', () => {
    it('stores router logins and WAN passwords in a 0600 file in a 0700 folder', async function () {
      if (process.platform === 'win32') this.skip();
      const dir = path.join(tmp, 'cfg');
      const store = SecretStore.inConfigDir(dir, { onSecret });
      expect(await store.getRouter('127.0.31.1')).to.equal(undefined);
      await store.setRouter('127.0.31.1', { username: 'root', password: 'r00t pw' });
      await store.setWanPassword('127.0.31.1', 'wan "pw"');
      expect(mode(dir)).to.equal(0o700);
      expect(mode(store.file)).to.equal(0o600);

      const again = SecretStore.inConfigDir(dir, { onSecret });
      expect(await again.getRouter('127.0.31.1')).to.deep.equal({ username: 'root', password: 'r00t pw' });
      expect(await again.getWanPassword('127.0.31.1')).to.equal('wan "pw"');
      expect(await again.get(wanKey('127.0.31.1'))).to.equal('wan "pw"');
      expect(await again.keys()).to.deep.equal(['127.0.31.1', 'wan:127.0.31.1']);
      expect(seen).to.include('r00t pw').and.include('wan "pw"');

      expect(await again.delete('127.0.31.1')).to.equal(true);
      expect(await again.delete('127.0.31.1')).to.equal(false);
      expect(await again.keys()).to.deep.equal(['wan:127.0.31.1']);
    });

    it('fixes a loosened file mode on the next write and leaves no temp or lock files', async function () {
      if (process.platform === 'win32') this.skip();
      const dir = path.join(tmp, 'cfg');
      const store = SecretStore.inConfigDir(dir);
      await store.setWanPassword('h', 'one');
      chmodSync(store.file, 0o644);
      chmodSync(dir, 0o755);
      await store.setWanPassword('h', 'two');
      expect(mode(store.file)).to.equal(0o600);
      expect(mode(dir)).to.equal(0o700);
      expect(readdirSync(dir)).to.deep.equal(['credentials.json']);
    });

    it('writes atomically: concurrent writers lose nothing and the file is always whole JSON', async () => {
      const store = SecretStore.inConfigDir(path.join(tmp, 'cfg'));
      await Promise.all(Array.from({ length: 8 }, (_, i) => new SecretStore(store.file).setWanPassword(`127.0.31.${i}`, `pw${i}`)));
      expect(await store.keys()).to.have.length(8);
      JSON.parse(readFileSync(store.file, 'utf8'));
    });

    it('writeFileAtomic replaces the content in one step', async () => {
      const f = path.join(tmp, 'x.json');
      await writeFileAtomic(f, 'a');
      await writeFileAtomic(f, 'b');
      expect(readFileSync(f, 'utf8')).to.equal('b');
      expect(readdirSync(tmp)).to.deep.equal(['x.json']);
    });

    it('reports a damaged file without quoting it', async () => {
      const dir = path.join(tmp, 'cfg');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'credentials.json'), '{"format":"routerctl-credentials/1","entries":{"h":"hunter2"');
      const err = await rejection(SecretStore.inConfigDir(dir).getWanPassword('h'));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).not.to.include('hunter2');
    });
  });
});
