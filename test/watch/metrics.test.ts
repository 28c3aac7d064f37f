import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadInventory, type InventoryEntry } from '../../src/watch/inventory.js';
import { WatchMetrics } from '../../src/watch/metrics.js';
import { parseListen, startMetricsServer, type MetricsServer } from '../../src/watch/server.js';
import { Watcher } from '../../src/watch/watcher.js';
import { memoryLogger, SECRET_ADMIN, scriptedReport, sleep } from './fixtures.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format (0.0.4): HELP/TYPE lines, samples, label escaping. */
export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) throw new Error(`line ${i + 1}: bad comment: ${line}`);
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) throw new Error(`line ${i + 1}: bad type ${m[3]}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([+-]?(?:[0-9.eE+-]+|[Ii]nf|[Nn]a[Nn]))( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: bad sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let pos = 0;
      while (pos < m[3].length) {
        re.lastIndex = pos;
        const lm = re.exec(m[3]);
        if (!lm) throw new Error(`line ${i + 1}: bad labels: ${m[3]}`);
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        pos = re.lastIndex;
      }
    }
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`line ${i + 1}: sample ${m[1]} without a TYPE`);
    samples.push({ name: m[1]!, labels, value: /nan/i.test(m[4]!) ? NaN : Number(m[4]!.replace(/inf/i, 'Infinity')) });
  }
  return { samples, types };
}

function one(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('watch metrics endpoint (Prometheus text, prom-client)', function () {
  this.timeout(20_000);
  let server: MetricsServer | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-metrics-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('is scraped over HTTP and parses as Prometheus text, with the documented names', async () => {
    const metrics = new WatchMetrics({ processMetrics: true });
    const reports = [scriptedReport('ok', { pppUptime: 500 }), scriptedReport('ok', { pppUptime: 20, gatewayMs: 3 })];
    let i = 0;
    const w = new Watcher({ cycle: async () => reports[Math.min(i++, 1)]!, machine: { downAfter: 3, upAfter: 2, recheckMs: 1e6, confirmMs: 1e6, reminderMs: 0 }, cycleTimeoutMs: 2000, logger: memoryLogger(), metrics });
    await w.runCycle();
    await w.runCycle();
    server = await startMetricsServer({ listen: '127.0.92.1:0', metrics });
    expect(server.url).to.match(/^http:\/\/127\.0\.92\.1:\d+$/);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parsePrometheus(await res.text());
    for (const [name, type] of Object.entries({
      routerctl_internet_up: 'gauge',
      routerctl_state: 'gauge',
      routerctl_verdict: 'gauge',
      routerctl_check_status: 'gauge',
      routerctl_check_success: 'gauge',
      routerctl_check_duration_seconds: 'gauge',
      routerctl_cycle_duration_seconds: 'histogram',
      routerctl_cycles_total: 'counter',
      routerctl_last_cycle_timestamp_seconds: 'gauge',
      routerctl_state_changes_total: 'counter',
      routerctl_outage_seconds_total: 'counter',
      routerctl_wan_up: 'gauge',
      routerctl_wan_session_uptime_seconds: 'gauge',
      routerctl_wan_reconnects_total: 'counter',
      routerctl_router_info: 'gauge',
      routerctl_ping_rtt_seconds: 'gauge',
      routerctl_ping_loss_ratio: 'gauge',
      routerctl_heal_actions_total: 'counter',
      routerctl_alerts_total: 'counter',
      routerctl_build_info: 'gauge',
    })) {
      expect(types.get(name), name).to.equal(type);
    }
    expect(one(samples, 'routerctl_internet_up')).to.equal(1);
    expect(one(samples, 'routerctl_wan_up')).to.equal(1);
    expect(one(samples, 'routerctl_state', { state: 'up' })).to.equal(1);
    expect(one(samples, 'routerctl_state', { state: 'down' })).to.equal(0);
    expect(one(samples, 'routerctl_check_success', { check: 'C04' })).to.equal(1);
    expect(one(samples, 'routerctl_check_status', { check: 'C04', status: 'pass' })).to.equal(1);
    expect(one(samples, 'routerctl_check_status', { check: 'C04', status: 'fail' })).to.equal(0);
    expect(one(samples, 'routerctl_check_duration_seconds', { check: 'C04' })).to.equal(0.012);
    expect(one(samples, 'routerctl_cycles_total', { result: 'ok' })).to.equal(2);
    expect(one(samples, 'routerctl_cycle_duration_seconds_count')).to.equal(2);
    expect(one(samples, 'routerctl_wan_reconnects_total')).to.equal(1); // uptime 500 -> 20
    expect(one(samples, 'routerctl_ping_rtt_seconds', { target: 'gateway', quantile: '0.5' })).to.equal(0.003);
    expect(one(samples, 'routerctl_ping_rtt_seconds', { target: 'anchor-a', quantile: '0.5' })).to.equal(0.02);
    expect(one(samples, 'routerctl_router_info', { family: 'openwrt', model: 'Lab_One', wan_proto: 'l2tp' })).to.equal(1);
    expect(one(samples, 'routerctl_ping_sent_total', { target: 'anchor-a' })).to.equal(20);
    expect(one(samples, 'routerctl_ping_received_total', { target: 'anchor-a' })).to.equal(20);
    expect(types.get('routerctl_dns_lookup_time_seconds')).to.equal('gauge');
    expect(types.get('routerctl_portal_detected')).to.equal('gauge');
    expect(one(samples, 'process_resident_memory_bytes')).to.be.above(0);
    // Bounded labels only: no URL, user name or password ever becomes a label value.
    for (const s of samples) for (const v of Object.values(s.labels)) expect(v).not.to.match(/:\/\/|@/);

    expect((await fetch(`${server.url}/nope`)).status).to.equal(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).to.equal(405);
    // Without an inventory there is no /probe.
    expect((await fetch(`${server.url}/probe?target=x`)).status).to.equal(404);
  });

  it('binds to loopback by default', () => {
    expect(parseListen('9464')).to.deep.equal({ host: '127.0.0.1', port: 9464 });
    expect(parseListen(':9464')).to.deep.equal({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:9464')).to.deep.equal({ host: '::1', port: 9464 });
    expect(() => parseListen('127.0.0.1')).to.throw(/HOST:PORT/);
  });

  describe('multi-target /probe?target=NAME (blackbox style)', () => {
    async function inventoryFile(): Promise<string> {
      await writeFile(path.join(dir, 'flat-12.pw'), `${SECRET_ADMIN}\n`, { mode: 0o600 });
      await writeFile(path.join(dir, 'office.pw'), 'office-admin\n', { mode: 0o600 });
      const file = path.join(dir, 'routers.yaml');
      await writeFile(
        file,
        ['routers:', '  - { name: flat-12, host: "127.0.93.1:8080", driver: openwrt, password_file: flat-12.pw }', '  - { name: office, host: 127.0.93.2, transport: ssh, user: admin, password_file: office.pw }', '  - { name: slow, host: 127.0.93.3, password_file: office.pw }', ''].join('\n'),
      );
      return file;
    }

    it('probes a router named in the inventory, with the credentials from its secret file, bounded in time and at most once per floor interval', async () => {
      const inventory = loadInventory(await inventoryFile());
      const seen: { entry: InventoryEntry; password: string }[] = [];
      const probe = async (entry: InventoryEntry, signal: AbortSignal) => {
        // The real probe hands entry.passwordFile to the router login (--password-file); read it here the same way.
        const password = (await readFile(entry.passwordFile, 'utf8')).split('\n')[0]!;
        seen.push({ entry, password });
        if (entry.name === 'slow') await new Promise((r) => signal.addEventListener('abort', r));
        return scriptedReport(entry.name === 'office' ? 'ppp_auth_failed' : 'ok');
      };
      server = await startMetricsServer({ listen: '127.0.92.2:0', probes: { inventory, probe, timeoutMs: 800, minIntervalMs: 60_000, maxConcurrent: 2 } });

      const a = parsePrometheus(await (await fetch(`${server.url}/probe?target=flat-12`)).text()).samples;
      expect(one(a, 'routerctl_probe_success')).to.equal(1);
      expect(one(a, 'routerctl_internet_up')).to.equal(1);
      expect(seen[0]!.entry).to.deep.include({ name: 'flat-12', host: '127.0.93.1:8080', driver: 'openwrt', passwordFile: path.join(dir, 'flat-12.pw') });
      expect(seen[0]!.password).to.equal(SECRET_ADMIN);

      const b = parsePrometheus(await (await fetch(`${server.url}/probe?target=office`)).text()).samples;
      expect(one(b, 'routerctl_internet_up')).to.equal(0);
      expect(one(b, 'routerctl_verdict', { verdict: 'ppp_auth_failed' })).to.equal(1);

      // A second scrape within the floor gets the last result: the router is not asked again.
      await fetch(`${server.url}/probe?target=flat-12`);
      expect(seen.filter((s) => s.entry.name === 'flat-12')).to.have.length(1);

      // A probe that hangs ends at its bound with probe_success 0 (and Prometheus' own timeout header lowers the bound).
      const t0 = Date.now();
      const c = parsePrometheus(await (await fetch(`${server.url}/probe?target=slow`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.1' } })).text()).samples;
      expect(Date.now() - t0).to.be.below(1500);
      expect(one(c, 'routerctl_probe_success')).to.equal(0);
    });

    it('refuses credentials in the URL, unknown targets and bad names; never echoes what was sent', async () => {
      const inventory = loadInventory(await inventoryFile());
      let probes = 0;
      server = await startMetricsServer({ listen: '127.0.92.3:0', probes: { inventory, probe: async () => (probes++, scriptedReport('ok')), timeoutMs: 1000, minIntervalMs: 0, maxConcurrent: 2 } });
      const withPassword = await fetch(`${server.url}/probe?target=flat-12&password=hunter2&user=root`);
      expect(withPassword.status).to.equal(400);
      const body = await withPassword.text();
      expect(body).to.match(/credentials come from the inventory, never from the URL/);
      expect(body).not.to.contain('hunter2');
      expect((await fetch(`${server.url}/probe?target=unknown-box`)).status).to.equal(404);
      expect((await fetch(`${server.url}/probe?target=${encodeURIComponent('../etc/passwd')}`)).status).to.equal(400);
      expect((await fetch(`${server.url}/probe`)).status).to.equal(400);
      expect(probes).to.equal(0);
      // The endpoint of a serve-only routerctl has no /metrics of its own.
      expect((await fetch(`${server.url}/metrics`)).status).to.equal(404);
    });

    it('bounds the probes running at once', async () => {
      const inventory = loadInventory(await inventoryFile());
      const probe = async () => {
        await sleep(300);
        return scriptedReport('ok');
      };
      server = await startMetricsServer({ listen: '127.0.92.4:0', probes: { inventory, probe, timeoutMs: 2000, minIntervalMs: 0, maxConcurrent: 1 } });
      const [x, y] = await Promise.all([fetch(`${server.url}/probe?target=flat-12`), fetch(`${server.url}/probe?target=office`)]);
      expect([x.status, y.status].sort()).to.deep.equal([200, 503]);
    });

    it('reports a bad inventory with the file and the key', async () => {
      const file = path.join(dir, 'bad.yaml');
      await writeFile(file, 'routers:\n  - { name: "a b", host: 127.0.93.1, password_file: x }\n');
      expect(() => loadInventory(file)).to.throw(/bad\.yaml:2 routers\.0\.name: letters, digits/);
      await writeFile(file, 'routers:\n  - { name: a, host: 127.0.93.1, password: plain }\n');
      expect(() => loadInventory(file)).to.throw(/routers\.0/);
    });
  });
});
