// `routerctl watch` through the built CLI (run `npm run build` first) against `routerctl lab`:
// one cycle with --once --json, then the whole story with a seconds schedule — the ISP password is
// changed in the "cabinet", the watch sees one "down: PPP authentication failed" event, sends one
// alert, syncs the stored new password once (--heal), sees "up", and the history shows the outage.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SecretStore } from '../../src/core/secrets.js';
import { loadConfig } from '../../src/config/load.js';
import type { WatchEvent } from '../../src/watch/types.js';
import { BIN, changeIspPassword, eventually, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from '../e2e/cli-helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const ADMIN_PASSWORD = 'Adm1n "watch" $pw;';
const NEW_WAN_PASSWORD = "Dec'26 \"новый\" $y;";

/** SAFETY: the watch runs the real diagnosis; every address it may probe must be loopback. */
function loopbackOnly(configPath: string): string | undefined {
  const c = loadConfig({ configFile: configPath, env: {} });
  const d = c.diagnostics;
  const hosts = [
    ...(d.host.resolvers ?? ['(the OS resolvers)']),
    ...d.dns.publicResolvers.map((r) => r.address),
    ...d.probes.ipAnchors.map((a) => a.host),
    ...[...d.probes.http, ...d.probes.https].map((p) => new URL(p.url.replace('{gateway}', 'x')).hostname),
    ...c.internet.probeUrls.map((u) => new URL(u.replace('{gateway}', 'x')).hostname),
  ];
  const bad = hosts.filter((h) => !/^127\./.test(h.replace(/:\d+$/, '')));
  return bad.length ? `the lab config would probe ${bad.join(', ')}` : undefined;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('e2e: routerctl watch against the lab', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let rx: Receiver;
  const env = { ROUTERCTL_PASSWORD: ADMIN_PASSWORD };
  let config: string[];

  before(async function () {
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
    const unsafe = loopbackOnly(lab.info.configPath);
    if (unsafe) {
      console.log(`      (skipped: ${unsafe})`);
      this.skip();
    }
    config = ['--config', lab.info.configPath];
    // The user's config lowers the floor so that a seconds schedule is allowed (a real router: 60 s).
    const userConfig = path.join(sandbox.dir, 'config', 'routerctl');
    await mkdir(userConfig, { recursive: true, mode: 0o700 });
    await writeFile(path.join(userConfig, 'config.yaml'), 'watch:\n  minIntervalSeconds: 1\n  recheckSeconds: 1\n  confirmSeconds: 1\n  jitter: 0\n');
    rx = await startReceiver('127.0.95.1');
  });

  after(async () => {
    await rx?.close();
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('watch --once --json: one light cycle, the state and the verdict, a history line', async () => {
    const r = await sandbox.run([...config, 'watch', '--once', '--json'], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.json).to.include({ ok: true, state: 'up', internet: true });
    expect(r.json!['router']).to.include({ host: '127.0.1.1', family: 'openwrt' });
    expect(r.json!['cycle_ms']).to.be.below(20_000);
    expect(r.json!['history']).to.include({ writable: true });
    const lines = (await readFile(path.join(sandbox.dir, 'state', 'routerctl', 'history', 'history.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).to.have.length(1);
  });

  it('serves /probe?target=NAME for a router of an inventory (one light diagnosis, credentials from its secret file)', async () => {
    const inv = path.join(sandbox.dir, 'routers.yaml');
    await writeFile(inv, 'routers:\n  - { name: home, host: 127.0.1.1, driver: openwrt, password_file: admin-pw }\n');
    const listen = `127.0.95.2:${20_000 + (process.pid % 20_000)}`;
    const child = spawn(process.execPath, [BIN, ...config, 'watch', '--serve-only', '--metrics', listen, '--inventory', inv], {
      env: sandbox.env, // no ROUTERCTL_PASSWORD: the password comes from the inventory's file
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const text = await eventually('the probe endpoint', async () => {
        const res = await fetch(`http://${listen}/probe?target=home`).catch(() => undefined);
        return res?.status === 200 ? res.text() : undefined;
      });
      expect(text).to.match(/^routerctl_probe_success 1$/m);
      expect(text).to.match(/^routerctl_internet_up 1$/m);
      expect(text).to.match(/^routerctl_check_success\{check="C05",layer="[^"]+"\} 1$/m);
      expect(text).not.to.contain(ADMIN_PASSWORD);
      expect((await fetch(`http://${listen}/probe?target=home&password=x`)).status).to.equal(400);
    } finally {
      child.kill('SIGTERM');
    }
    expect([0, 143]).to.include(await exited);
  });

  it('password changed in the cabinet: one down event, one alert, one sync (--heal), one up event, the outage in the history', async () => {
    const store = SecretStore.inConfigDir(path.join(sandbox.dir, 'config', 'routerctl'));
    const hookFile = path.join(sandbox.dir, 'hook-events.jsonl');
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, ...config, 'watch', '--schedule', '*/2 * * * * *', '--json', '--heal', '--webhook', rx.url, '--on-change', `cat >> '${hookFile}'`],
      { env: { ...sandbox.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const events: WatchEvent[] = [];
    const out: string[] = [];
    const err: string[] = [];
    child.stderr!.on('data', (c: Buffer) => err.push(c.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out.push(line);
      try {
        const j = JSON.parse(line) as WatchEvent;
        if (j.schema === 'routerctl.watch-event/1') events.push(j);
      } catch {
        // not JSON
      }
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const historyFile = path.join(sandbox.dir, 'state', 'routerctl', 'history', 'history.jsonl');
      const cycles = async (): Promise<number> => (await readFile(historyFile, 'utf8').catch(() => '')).trim().split('\n').length;
      const before = await cycles();
      await eventually('the watch to run a cycle', async () => ((await cycles()) > before ? true : undefined), 20_000);

      // The customer stores the new password for routerctl, then changes it in the provider's cabinet.
      await store.setWanPassword('127.0.1.1', NEW_WAN_PASSWORD);
      await changeIspPassword(lab.info.ispControlUrl, lab.info.routers[0]!.wanAccount.username, NEW_WAN_PASSWORD);

      await eventually('down, heal and up events', async () => (events.some((e) => e.kind === 'up') ? true : undefined), 60_000);
      await eventually('the alerts', async () => (rx.bodies.length >= 3 ? true : undefined), 10_000);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    // 0 with the summary line; 143 when SIGTERM landed inside a router session (withRouter logs out
    // first, then exits 143). The history is written cycle by cycle either way.
    expect([0, 143], err.join('')).to.include(code);
    if (code === 0) expect(JSON.parse(out.at(-1)!) as Record<string, unknown>).to.include({ ok: true, stopped: 'SIGTERM' });

    const downs = events.filter((e) => e.kind === 'down');
    expect(downs, JSON.stringify(events)).to.have.length(1);
    expect(downs[0]!.summary).to.match(/^down: PPP authentication failed/);
    const syncs = events.filter((e) => e.kind === 'heal' && e.heal?.action === 'sync_password');
    expect(syncs, JSON.stringify(events)).to.have.length(1);
    expect(syncs[0]!.heal).to.include({ result: 'done' });
    const ups = events.filter((e) => e.kind === 'up');
    expect(ups).to.have.length(1);
    expect(ups[0]!.cause).to.match(/^ppp_auth_failed/);
    expect(ups[0]!.outage_s).to.be.a('number');

    // One alert per event on both channels, none per cycle.
    const kinds = events.map((e) => e.kind);
    expect((rx.bodies as WatchEvent[]).map((b) => b.kind)).to.deep.equal(kinds);
    const hooked = (await readFile(hookFile, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as WatchEvent).kind);
    expect(hooked.sort()).to.deep.equal([...kinds].sort());

    // The router really has the new password now, and the history shows the outage with its cause.
    const show = await sandbox.run([...config, 'wan', 'show', '--json'], { env });
    expect(show.json!['status']).to.include({ state: 'up' });
    const h = await sandbox.run(['history', '--since', '1h', '--json']);
    expect(h.code, h.stderr).to.equal(0);
    const outages = h.json!['outages'] as { cause: string; duration_s: number; ongoing: boolean }[];
    expect(outages).to.have.length(1);
    expect(outages[0]!.cause).to.match(/^ppp_auth_failed/);
    expect(outages[0]!.ongoing).to.equal(false);
    expect(outages[0]!.duration_s).to.be.at.least(1).and.below(60);
    expect((h.json!['heal'] as { action: string }[]).map((x) => x.action)).to.include('sync_password');

    // The report renders from this history.
    const page = path.join(sandbox.dir, 'lab-report.html');
    expect((await sandbox.run(['report', '--out', page, '--since', '1h'])).code).to.equal(0);
    const html = await readFile(page, 'utf8');
    expect(html).to.contain('PPP authentication failed');

    // No password in any output, log, alert, history, report or state file (backups and the
    // credentials store hold them by design, 0600).
    const files = (await filesUnder(path.join(sandbox.dir, 'state'))).filter((f) => !f.includes(`${path.sep}backups${path.sep}`));
    const texts = [...sandbox.transcript, out.join('\n'), err.join('\n'), JSON.stringify(rx.bodies), await readFile(hookFile, 'utf8'), html, ...(await Promise.all(files.map((f) => readFile(f, 'utf8'))))];
    expect(files.some((f) => /watch-\d{4}-\d{2}-\d{2}\.log$/.test(f))).to.equal(true);
    for (const secret of [ADMIN_PASSWORD, NEW_WAN_PASSWORD]) for (const t of texts) expect(t.includes(secret), 'a secret leaked').to.equal(false);
  });
});
