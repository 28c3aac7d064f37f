// Benchmarks (`npm run bench`): prints figures, asserts nothing. Loopback only.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drivers } from '../drivers/index.js';
import { openwrtDriver } from '../drivers/openwrt/index.js';
import { loadConfig } from '../src/config/load.js';
import { probeUrlsFor } from '../src/core/internet.js';
import { syncPassword, type SyncStep } from '../src/core/sync-password.js';
import { discover } from '../src/discovery/discover.js';
import { startLab } from '../src/lab/lab.js';
import { nullLogger } from '../src/log/logger.js';
import os from 'node:os';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = loadConfig({ env: {} });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A loopback port that accepts connections and never answers: a black hole for probes. */
async function blackHole(host: string): Promise<{ port: number; close(): void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, host, r));
  return { port: (server.address() as net.AddressInfo).port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

async function benchDeadDiscovery(): Promise<void> {
  const timeoutMs = 500;
  const holes = await Promise.all(['127.0.91.1', '127.0.91.2', '127.0.91.3'].map(blackHole));
  const hosts = ['127.0.91.1', '127.0.91.2', '127.0.91.3'];
  const targets = holes.map((h, i) => ({ host: hosts[i]!, httpPort: h.port, httpsPort: h.port, sshPort: h.port }));
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await discover({ candidates: targets, gateway: null, drivers, config: { ...config, discovery: { ...config.discovery, probeTimeoutMs: timeoutMs } } });
    runs.push(performance.now() - t);
  }
  holes.forEach((h) => h.close());
  console.log(`discovery, 3 black-holed candidates, probe timeout ${timeoutMs} ms: median ${median(runs).toFixed(0)} ms = ${(median(runs) / timeoutMs).toFixed(2)} x one probe timeout`);
}

async function benchLiveDiscoveryAndSync(): Promise<void> {
  const lab = await startLab({ speed: 'fast', adminPassword: 'bench-admin' });
  try {
    const router = lab.routers[0]!;
    const target = { host: router.address, httpPort: router.httpPort, sshPort: router.sshPort };
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const [found] = await discover({ candidates: [target], gateway: null, drivers, config });
      runs.push(performance.now() - t);
      if (found?.fingerprint?.family !== 'openwrt') throw new Error('lab router not recognised');
    }
    console.log(`discovery of a live lab router: median ${median(runs).toFixed(1)} ms (10 runs)`);

    const overheads: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < 5; i++) {
      const password = `bench-wan-${i}`;
      lab.isp.changePassword(router.wanAccount.username, password);
      const session = await openwrtDriver.connect(target, { username: 'root', password: 'bench-admin' }, { logger: nullLogger, requestTimeoutMs: 5000, maxResponseBytes: 1 << 22 });
      const marks = new Map<SyncStep, number>();
      const t = performance.now();
      await syncPassword(session, {
        host: router.address,
        newPassword: password,
        dryRun: false,
        backupsDir: path.join(os.tmpdir(), 'routerctl-bench-backups'),
        confirmWindowSeconds: 30,
        wanUpTimeoutSeconds: 10,
        pollIntervalMs: 50,
        authFailPolls: 3,
        internetUrls: probeUrlsFor([`${lab.internetUrl}/via/{gateway}/generate_204`], router.address),
        internetTimeoutMs: 1000,
        onProgress: (step) => {
          if (!marks.has(step)) marks.set(step, performance.now());
        },
      });
      const total = performance.now() - t;
      await session.close();
      // The router's own reconnect: from the first status poll to the first poll that saw it up.
      const waiting = (marks.get('internet') ?? performance.now()) - (marks.get('wait') ?? t);
      totals.push(total);
      overheads.push(total - waiting);
    }
    console.log(`password sync on the fast lab (dial ${60} ms): median total ${median(totals).toFixed(0)} ms, own overhead outside the reconnect wait ${median(overheads).toFixed(0)} ms`);
  } finally {
    await lab.close();
  }
}

/** `diagnose` through the built CLI on the lab: healthy, then with every probe target black-holed. */
async function benchDiagnose(): Promise<void> {
  const lab = await startLab({ speed: 'fast', adminPassword: 'bench-admin' });
  try {
    const env = { ...process.env, ROUTERCTL_PASSWORD: 'bench-admin', ROUTERCTL_STATE_DIR: path.join(os.tmpdir(), 'routerctl-bench-state'), ROUTERCTL_CONFIG_DIR: path.join(os.tmpdir(), 'routerctl-bench-config') };
    const once = (): number => {
      const t = performance.now();
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'bin/routerctl.js'), '--config', lab.configPath, 'diagnose', '--json'], { stdio: 'ignore', env });
      } catch {
        // a non-ok verdict exits 1 or 2: the time is what matters here
      }
      return performance.now() - t;
    };
    const healthy = [once(), once(), once()];
    const res = await fetch(`${lab.ispControlUrl}/faults/blackhole`, { method: 'POST' });
    if (!res.ok) throw new Error(`the lab refused the blackhole fault (${res.status})`);
    const holed = [once()];
    console.log(`diagnose on the lab (lab timeouts): healthy median ${(median(healthy) / 1000).toFixed(1)} s; every probe target black-holed ${(holed[0]! / 1000).toFixed(1)} s (goals: healthy <= 8 s, black-holed <= 30 s)`);
  } finally {
    await lab.close();
  }
}

function benchHelp(): void {
  const time = (args: string[]): number => {
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      execFileSync(process.execPath, args, { stdio: 'ignore', cwd: ROOT });
      runs.push(performance.now() - t);
    }
    return median(runs);
  };
  const base = time(['-e', '0']);
  const help = time([path.join(ROOT, 'bin/routerctl.js'), '--help']);
  console.log(`routerctl --help: median ${help.toFixed(0)} ms vs node -e 0 ${base.toFixed(0)} ms = ${(help / base).toFixed(2)} x`);
}

await benchDeadDiscovery();
await benchLiveDiscoveryAndSync();
await benchDiagnose();
benchHelp();
