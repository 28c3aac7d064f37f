// Through the built CLI, against emulators started here (127.0.83.x / 127.0.84.x): the login budget
// holds across processes (even parallel ones); Ctrl+C logs out and releases the router; a changed
// HTTPS certificate is refused until `routerctl trust` accepts it.
import { expect } from 'chai';
import { readFile, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';
import type { DialResult, IspUpstream } from '../../drivers/emulator-types.js';
import { BIN } from '../e2e/cli-helpers.js';
import { ROUTER_A, ROUTER_B } from '../transport/support.js';
import { eventually, makeSandbox, readLog, TestIsp, writeConfig, type Sandbox } from './support/cli.js';

const ADMIN = 'Cli-safety admin "x"';

describe('safety through the CLI', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let emu: OpenWrtEmulator | undefined;
  beforeEach(async () => (sandbox = await makeSandbox()));
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    await sandbox.cleanup();
  });

  it('the login budget holds across processes: of five parallel runs with a wrong password, three reach the router', async () => {
    emu = await startOpenWrtEmulator({ host: '127.0.83.1', httpPort: 0, sshPort: null, rootPassword: ADMIN, wan: { proto: 'pppoe', username: 'u', password: 'p' }, upstream: new TestIsp('u', 'p') });
    const config = await writeConfig(sandbox, 'c.yaml', [{ host: '127.0.83.1', http: emu.httpPort }]);
    const flags = ['--config', config, '--host', '127.0.83.1', '--driver', 'openwrt', 'wan', 'show', '--json'];
    const runs = await Promise.all(Array.from({ length: 5 }, () => sandbox.run(flags, { env: { ROUTERCTL_PASSWORD: 'wrong-admin' } })));
    expect(runs.map((r) => r.code).sort()).to.deep.equal([4, 4, 4, 5, 5]);
    expect(emu.failedLogins).to.equal(3);
    // A later run — even with the right password — waits for the window instead of knocking again.
    const later = await sandbox.run(flags, { env: { ROUTERCTL_PASSWORD: ADMIN } });
    expect(later.code).to.equal(5);
    expect(later.json).to.include({ code: 'locked_out' });
    expect(emu.failedLogins).to.equal(3);
    const ledger = path.join(sandbox.dir, 'state', 'routerctl', 'login-attempts.json');
    expect(JSON.parse(await readFile(ledger, 'utf8'))['127.0.83.1']).to.have.length(3);
    expect((await stat(ledger)).mode & 0o777).to.equal(0o600);
  });

  it('Ctrl+C during a change logs out, names the backup and the restore command, and releases the router', async () => {
    // The provider's server never answers: the run sits in "waiting for the internet connection".
    const silent: IspUpstream = { dial: (): DialResult => ({ ok: false, reason: 'server_unreachable', message: 'timeout' }), hangup: () => undefined, onDrop: () => () => undefined };
    emu = await startOpenWrtEmulator({ host: '127.0.83.2', httpPort: 0, sshPort: null, rootPassword: ADMIN, wan: { proto: 'pppoe', username: 'u', password: 'p' }, upstream: silent, timings: { dialMs: 30, redialMs: 60 } });
    const config = await writeConfig(sandbox, 'c.yaml', [{ host: '127.0.83.2', http: emu.httpPort }], { sync: { confirmWindowSeconds: 60, wanUpTimeoutSeconds: 30, pollIntervalMs: 100, authFailPolls: 3 } });
    const child = spawn(process.execPath, [BIN, '--config', config, '--host', '127.0.83.2', '--driver', 'openwrt', 'wan', 'set-password', '--new-password-stdin'], {
      env: { ...sandbox.env, ROUTERCTL_PASSWORD: ADMIN },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    child.stdin.end('new-wan-pass\n');
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await eventually('the run waiting for the WAN', async () => ((await readLog(sandbox)).some((r) => /waiting for the internet connection/.test(r.message)) ? true : undefined), 15_000);
    expect(emu.activeSessions()).to.equal(1);
    child.kill('SIGINT');
    expect(await exited).to.equal(130);
    expect(stderr).to.match(/interrupted \(SIGINT\): logging out of the router/);
    expect(stderr).to.match(/routerctl restore .+\.json/);
    expect(stderr).to.not.include('new-wan-pass');
    expect(emu.activeSessions()).to.equal(0);
    const next = await sandbox.run(['--config', config, '--host', '127.0.83.2', '--driver', 'openwrt', 'wan', 'show', '--json', '--wait', '0'], { env: { ROUTERCTL_PASSWORD: ADMIN } });
    expect(next.code, next.stdout + next.stderr).to.equal(0);
  });

  it('an HTTPS-only router named with --host https://… and --driver (no discovery) is read over HTTPS, pinned on first use', async () => {
    emu = await startOpenWrtEmulator({
      host: '127.0.84.2',
      httpPort: 0,
      sshPort: null,
      rootPassword: ADMIN,
      wan: { proto: 'pppoe', username: 'u', password: 'p' },
      upstream: new TestIsp('u', 'p'),
      https: { key: ROUTER_A.key, cert: ROUTER_A.cert, redirectHttp: true },
    });
    const config = await writeConfig(sandbox, 'c.yaml', [{ host: '127.0.84.9', http: 1 }]);
    const env = { ROUTERCTL_PASSWORD: ADMIN };
    const plain = await sandbox.run(['--config', config, '--host', `127.0.84.2:${emu.httpPort}`, '--driver', 'openwrt', 'wan', 'show', '--json'], { env });
    expect(plain.code, plain.stdout + plain.stderr).to.not.equal(0);
    expect(String(plain.json!['message'])).to.include(`--host https://127.0.84.2:${emu.httpsPort}`);
    expect(emu.failedLogins).to.equal(0);

    const tls = await sandbox.run(['--config', config, '--host', `https://127.0.84.2:${emu.httpsPort}`, '--driver', 'openwrt', 'wan', 'show', '--json'], { env });
    expect(tls.code, tls.stdout + tls.stderr).to.equal(0);
    expect(tls.json!['wan']).to.deep.include({ proto: 'pppoe', username: 'u' });
    expect(emu.tlsStats().connections).to.be.greaterThan(0);
    const pins = JSON.parse(await readFile(path.join(sandbox.dir, 'state', 'routerctl', 'trusted-routers.json'), 'utf8')) as { entries: Record<string, { fingerprint: string; how: string }> };
    expect(pins.entries[`https://127.0.84.2:${emu.httpsPort}`]).to.include({ fingerprint: ROUTER_A.fingerprint, how: 'first-use' });

    const typo = await sandbox.run(['--config', config, '--host', `https://127.0.84.2:${emu.httpsPort}/cgi-bin/luci`, '--driver', 'openwrt', 'wan', 'show', '--json'], { env });
    expect(typo.code).to.equal(2);
    expect(String(typo.json!['message'])).to.include('no path');
  });

  it('a changed HTTPS certificate is refused, the password never sent, until `routerctl trust` accepts it', async () => {
    emu = await startOpenWrtEmulator({
      host: '127.0.84.1',
      httpPort: 0,
      sshPort: null,
      rootPassword: ADMIN,
      wan: { proto: 'pppoe', username: 'u', password: 'p' },
      upstream: new TestIsp('u', 'p'),
      https: { key: ROUTER_A.key, cert: ROUTER_A.cert, redirectHttp: true },
    });
    const config = await writeConfig(sandbox, 'c.yaml', [{ host: '127.0.84.1', http: emu.httpPort, https: emu.httpsPort }]);
    const env = { ROUTERCTL_PASSWORD: ADMIN };
    const show = (): ReturnType<Sandbox['run']> => sandbox.run(['--config', config, '--host', '127.0.84.1', 'wan', 'show', '--json'], { env });

    const first = await show(); // HTTP redirects to HTTPS: discovery prefers HTTPS; first use pins
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    const trustFile = path.join(sandbox.dir, 'state', 'routerctl', 'trusted-routers.json');
    const pins = JSON.parse(await readFile(trustFile, 'utf8')) as { entries: Record<string, { fingerprint: string; how: string }> };
    expect(pins.entries[`https://127.0.84.1:${emu.httpsPort}`]).to.include({ fingerprint: ROUTER_A.fingerprint, how: 'first-use' });
    expect((await stat(trustFile)).mode & 0o777).to.equal(0o600);

    emu.setCertificate(ROUTER_B.key, ROUTER_B.cert);
    const refused = await show();
    expect(refused.code).to.equal(8);
    expect(refused.json).to.include({ code: 'protocol' });
    expect(String(refused.json!['message'])).to.match(/HTTPS certificate of 127\.0\.84\.1:\d+ changed since routerctl first trusted it/).and.include('routerctl trust --host 127.0.84.1');
    // (That no byte of the login reaches a changed certificate is measured in test/transport/tls.test.ts;
    // here discovery's public probes also cross the port.)
    expect(emu.failedLogins).to.equal(0);

    // A script cannot accept silently; the exact fingerprint (or --yes) is needed.
    const unsure = await sandbox.run(['--config', config, 'trust', '--host', '127.0.84.1', '--json']);
    expect(unsure.code).to.equal(2);
    expect(String(unsure.json!['message'])).to.include(`--fingerprint ${ROUTER_B.fingerprint}`);
    const wrongFp = await sandbox.run(['--config', config, 'trust', '--host', '127.0.84.1', '--fingerprint', ROUTER_A.fingerprint, '--json']);
    expect(wrongFp.code).to.equal(2);
    const accepted = await sandbox.run(['--config', config, 'trust', '--host', '127.0.84.1', '--fingerprint', ROUTER_B.fingerprint, '--json']);
    expect(accepted.code, accepted.stdout + accepted.stderr).to.equal(0);
    expect((accepted.json!['endpoints'] as { status: string; trusted: boolean }[])[0]).to.include({ status: 'changed', trusted: true });

    const after = await show();
    expect(after.code, after.stdout + after.stderr).to.equal(0);
  });
});
