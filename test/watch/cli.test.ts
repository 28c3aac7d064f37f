// watch, history and report through the built CLI (run `npm run build` first), without a router:
// flag and schedule errors come before anything starts; history and report read the state dir.
import { expect } from 'chai';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, type Sandbox } from '../e2e/cli-helpers.js';
import { HistoryStore } from '../../src/watch/history.js';
import { outageHistory, scriptedReport } from './fixtures.js';

describe('watch / history / report through the CLI', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let stateDir: string;

  before(async () => {
    sandbox = await makeSandbox();
    stateDir = path.join(sandbox.dir, 'state', 'routerctl');
  });
  after(() => sandbox?.cleanup());

  it('refuses a schedule faster than the floor, before anything starts, naming the config key', async () => {
    const r = await sandbox.run(['watch', '--schedule', '*/2 * * * * *', '--json']);
    expect(r.code).to.equal(2);
    expect(r.json).to.include({ ok: false, code: 'usage' });
    expect(r.json!['message']).to.match(/every 2 s; the floor is one cycle every 60 s \(watch\.minIntervalSeconds\)/);
  });

  it('refuses a bad cron expression with exit 2', async () => {
    const r = await sandbox.run(['watch', '--schedule', 'every 5 minutes']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/bad schedule "every 5 minutes": expected 5 or 6 fields/);
  });

  it('a bad watch key in a config file names the file, the key and the line', async () => {
    const cfg = path.join(sandbox.dir, 'bad-watch.yaml');
    await writeFile(cfg, 'watch:\n  minIntervalSeconds: soon\n');
    const r = await sandbox.run(['--config', cfg, 'watch', '--once', '--json']);
    expect(r.code).to.equal(3);
    expect(r.json!['message']).to.match(/bad-watch\.yaml:2:\d+ watch\.minIntervalSeconds/);
  });

  it('--serve-only without an inventory, and --metrics with --once, are usage errors', async () => {
    expect((await sandbox.run(['watch', '--serve-only', '--metrics', '127.0.94.1:0'])).code).to.equal(2);
    expect((await sandbox.run(['watch', '--once', '--metrics', '127.0.94.1:0'])).code).to.equal(2);
  });

  it('history --since 24h --json: uptime, outages with cause and duration, latency figures', async () => {
    const now = Date.now();
    const h = new HistoryStore({ dir: path.join(stateDir, 'history'), maxBytes: 1 << 22, maxFiles: 5, retentionDays: 0 });
    for (const rec of outageHistory(now - 12 * 3_600_000 - 60_000)) await h.append(rec);
    await writeFile(path.join(stateDir, 'last-diagnosis.json'), JSON.stringify(scriptedReport('ok')), { mode: 0o600 });
    const r = await sandbox.run(['history', '--since', '24h', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const j = r.json!;
    expect(j).to.include({ ok: true, schema: 'routerctl.history/1', cycles: 144 });
    expect((j['outages'] as { cause: string; duration_s: number }[]).map((o) => [o.cause, o.duration_s])).to.deep.equal([
      ['ppp_auth_failed', 1500],
      ['isp_upstream_down', 900],
    ]);
    const uptime = j['uptime'] as { ratio: number; down_s: number };
    expect(uptime.down_s).to.equal(2400);
    expect(uptime.ratio).to.be.within(0.94, 0.95);
    expect((j['latency_ms'] as Record<string, { median: number }>)['gateway']!.median).to.equal(2);

    const human = await sandbox.run(['history']);
    expect(human.code).to.equal(0);
    expect(human.stdout).to.match(/Uptime\s+94\.\d+ %/);
    expect(human.stdout).to.match(/25 min\s+PPP authentication failed/);
  });

  it('report --out writes one self-contained page (0600); --json gives the same data', async () => {
    const out = path.join(sandbox.dir, 'report.html');
    const r = await sandbox.run(['report', '--out', out, '--since', '1d']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Report written to .*report\.html \(144 checks, 2 outages\)/);
    const html = await readFile(out, 'utf8');
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.contain('Content-Security-Policy');
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
    const j = await sandbox.run(['report', '--json']);
    expect(j.json).to.include({ ok: true, schema: 'routerctl.report/1' });
    expect((j.json!['outages'] as unknown[]).length).to.equal(2);
  });

  it('report without a history says so and still writes a page', async () => {
    const other = await makeSandbox();
    try {
      await mkdir(path.join(other.dir, 'state'), { recursive: true });
      const r = await other.run(['report', '--out', path.join(other.dir, 'r.html')]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/0 checks, 0 outages, no diagnosis yet/);
    } finally {
      await other.cleanup();
    }
  });
});
