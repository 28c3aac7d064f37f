// Soak run of the watch loop against the embedded lab (loopback only): N accelerated cycles through
// the real Watcher (state machine, history with rotation, saved state, last diagnosis, healing;
// Prometheus metrics with --metrics). Every `--real-every`-th cycle is a real light diagnosis of the lab router (login, router
// reads, every probe); the others replay the last real report. The clock is accelerated: each cycle
// is 5 minutes later. Every `--outage-every` cycles the ISP password is changed in the lab's cabinet
// (the new one stored for routerctl): then every cycle is real until the watch has gone down, synced
// the password (--heal) and come back up. Prints RSS at the start and the end, and cycle times.
//
// Plain JavaScript on the built modules (dist/), run by plain node: the figures are those of the
// watch as `routerctl watch` runs it (a TypeScript loader alone adds ~35 MB of RSS): the watch process
// itself, and each real cycle's router work in a short-lived child process (src/watch/cycle-process.ts),
// whose peak RSS is printed apart. The lab runs in its own process (the built CLI's `routerctl lab`).
//
//   npm run build && node --expose-gc bench/watch-soak.mjs [--cycles 10000] [--real-every 50]
//       [--outage-every 2000] [--metrics] [--node-defaults] [--report FILE.html] [--screenshot docs/report.png]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile, stat, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keepYoungGenerationSmall } from '../dist/src/watch/runtime.js';

const { values: opt } = parseArgs({
  options: {
    cycles: { type: 'string', default: '10000' },
    'real-every': { type: 'string', default: '50' },
    'outage-every': { type: 'string', default: '2000' },
    metrics: { type: 'boolean', default: false },
    'node-defaults': { type: 'boolean', default: false },
    report: { type: 'string' },
    screenshot: { type: 'string' },
  },
});
// As `routerctl watch` does before loading anything heavy (--node-defaults: to compare without).
if (!opt['node-defaults']) keepYoungGenerationSmall();

const { createApp } = await import('../dist/src/cli/app.js');
const { watchFiles } = await import('../dist/src/cli/commands/watch.js');
const { childCycle, childHealActions } = await import('../dist/src/watch/cycle-process.js');
const { SecretStore } = await import('../dist/src/core/secrets.js');
const { AlertPolicy } = await import('../dist/src/watch/alerts.js');
const { Healer } = await import('../dist/src/watch/heal.js');
const { HistoryStore } = await import('../dist/src/watch/history.js');
const { summarize } = await import('../dist/src/watch/summary.js');
const { Watcher } = await import('../dist/src/watch/watcher.js');
const { lightRequest } = await import('../dist/src/watch/light-http.js');
// Like `routerctl watch`: prom-client only when metrics are served (--metrics).
const WatchMetrics = opt.metrics ? (await import('../dist/src/watch/metrics.js')).WatchMetrics : undefined;

const CYCLES = Number(opt.cycles);
const REAL_EVERY = Math.max(1, Number(opt['real-every']));
const OUTAGE_EVERY = Math.max(10, Number(opt['outage-every']));
const STEP_MS = 5 * 60_000;

const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

/** `routerctl lab --json --speed fast` from the build, in its own process. */
async function startLabProcess(dir, adminPassword) {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'routerctl.js');
  const pwFile = path.join(dir, 'admin-pw');
  await writeFile(pwFile, `${adminPassword}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, [bin, 'lab', '--json', '--speed', 'fast', '--admin-password-file', pwFile], {
    env: { PATH: process.env['PATH'], HOME: dir, XDG_STATE_HOME: path.join(dir, 'lab-state'), XDG_CONFIG_HOME: path.join(dir, 'lab-config') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the lab exited (${code}); run npm run build first`)));
  });
  return {
    ...JSON.parse(line),
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-soak-'));
  const adminPassword = 'soak-admin-pw';
  const lab = await startLabProcess(dir, adminPassword);
  try {
    const env = {
      PATH: process.env['PATH'],
      ROUTERCTL_STATE_DIR: path.join(dir, 'state'),
      ROUTERCTL_CONFIG_DIR: path.join(dir, 'config'),
      ROUTERCTL_PASSWORD: adminPassword,
      NO_COLOR: '1',
    };
    const overrides = { log: { level: 'error' } };
    const app = createApp({ config: lab.configPath }, overrides, env);
    const files = watchFiles(app.paths.stateDir);
    const store = SecretStore.inConfigDir(app.paths.configDir);
    const routerHost = lab.routers[0].address;
    const wanUser = lab.routers[0].wanAccount.username;

    let clock = Date.UTC(2026, 10, 1);
    const now = () => clock;
    // As a running `routerctl watch` does: each real cycle (and each heal) in a child process.
    const childRssKb = [];
    const onChildRss = (kb) => childRssKb.push(kb);
    const workerOpts = { global: { config: lab.configPath }, router: {}, overrides, env, onChildRss };
    const realCycle = childCycle({ ...workerOpts, lang: 'en', boundMs: 20_000 });
    const healActions = childHealActions({ ...workerOpts, timeoutMs: 60_000, storedWanPassword: async (host) => (host ? store.getWanPassword(host) : undefined) });
    let last;
    let forceReal = false;
    const realTimes = [];
    const cycle = async (o) => {
      if (!last || forceReal || cycleNo % REAL_EVERY === 0) {
        const t = performance.now();
        last = await realCycle(o);
        realTimes.push(performance.now() - t);
      }
      return { ...last, started_at: new Date(clock).toISOString() };
    };
    const history = new HistoryStore({ dir: files.history, maxBytes: app.config.watch.history.maxFileBytes, maxFiles: app.config.watch.history.maxFiles, retentionDays: 0, now });
    const metrics = WatchMetrics ? new WatchMetrics({ processMetrics: true }) : undefined;
    const events = [];
    const watcher = new Watcher({
      cycle,
      machine: { downAfter: 3, upAfter: 2, recheckMs: 1e9, confirmMs: 1e9, reminderMs: 0 },
      cycleTimeoutMs: 20_000,
      logger: app.logger,
      history,
      metrics,
      alerts: { policy: new AlertPolicy({ cooldownMs: 15 * 60_000 }) },
      healer: new Healer({ actions: healActions, maxPerHour: 2, ledgerFile: files.healLedger, timeoutMs: 60_000, allowSync: true, allowReconnect: true, now }),
      stateFile: files.state,
      lastReportFile: files.lastDiagnosis,
      now,
      onEvent: (e) => events.push(`${new Date(clock).toISOString().slice(0, 16)} ${e.summary}`),
    });

    let cycleNo = 0;
    const times = [];
    let rssStart = 0;
    let heapStart = 0;
    let rssPeak = 0;
    let outages = 0;
    const started = performance.now();
    for (cycleNo = 0; cycleNo < CYCLES; cycleNo++) {
      clock += STEP_MS;
      if (cycleNo > 0 && cycleNo % OUTAGE_EVERY === 0) {
        const pw = `soak-${cycleNo}-"пароль"`;
        await store.setWanPassword(routerHost, pw);
        // Not fetch(): undici would add ~17 MB to the very process this bench measures.
        const status = await lightRequest(`${lab.ispControlUrl}/accounts/${encodeURIComponent(wanUser)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: pw }), signal: AbortSignal.timeout(10_000) });
        if (status !== 200) throw new Error(`lab control answered ${status}`);
        forceReal = true;
        outages++;
      }
      const t = performance.now();
      const out = await watcher.runCycle('light');
      times.push(performance.now() - t);
      if (forceReal && out?.state === 'up' && out.events.some((e) => e.kind === 'up')) forceReal = false;
      if (cycleNo === 100) {
        global.gc?.();
        rssStart = process.memoryUsage().rss;
        heapStart = process.memoryUsage().heapUsed;
      }
      if (cycleNo % 100 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (cycleNo % 1000 === 0 && cycleNo > 0) {
        global.gc?.();
        const m = process.memoryUsage();
        process.stderr.write(`  … ${cycleNo} cycles, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, external ${mb(m.external)}\n`);
      }
    }
    await watcher.stop();
    global.gc?.();
    const mem = process.memoryUsage();
    const wall = (performance.now() - started) / 1000;
    const { records } = await history.read();
    const s = summarize(records, clock - 2 * 86_400_000, clock);
    const all = summarize(records, 0, clock);
    const histFiles = await readdir(files.history);
    let histBytes = 0;
    for (const f of histFiles) histBytes += (await stat(path.join(files.history, f))).size;

    console.log(`watch soak: ${CYCLES} cycles (accelerated: 5 min each, ${Math.floor((CYCLES * 5) / 60 / 24)} days), one real lab diagnosis every ${REAL_EVERY} (${realTimes.length} real), ${outages} outages`);
    console.log(`  RSS at cycle 100: ${mb(rssStart)}; at the end: ${mb(mem.rss)}; peak: ${mb(Math.max(rssPeak, mem.rss))}; heap used ${mb(heapStart)} -> ${mb(mem.heapUsed)} (heap total ${mb(mem.heapTotal)}, external ${mb(mem.external)})${global.gc ? '' : ' (run with --expose-gc for steadier figures)'}`);
    console.log(`  cycle processes: ${childRssKb.length}; their peak RSS median ${mb(median(childRssKb) * 1024)}, max ${mb(Math.max(...childRssKb) * 1024)} (each lives for its cycle only)`);
    console.log(`  cycle time: median ${median(times).toFixed(2)} ms, p95 ${p95(times).toFixed(2)} ms (all); real lab diagnosis median ${median(realTimes).toFixed(0)} ms, p95 ${p95(realTimes).toFixed(0)} ms`);
    console.log(`  wall ${wall.toFixed(0)} s; history ${histFiles.length} files, ${mb(histBytes)}, ${records.length} records kept; outages in history: ${all.outages.length} (${all.outages.map((o) => `${o.cause} ${o.duration_s} s`).join(', ')})`);
    console.log(`  events: ${events.length}; first: ${events.slice(0, 4).join(' | ')}`);

    if (opt.report || opt.screenshot) {
      const { buildBundle, readLastDiagnosis } = await import('../dist/src/report/bundle.js');
      const { renderHtml } = await import('../dist/src/report/html.js');
      const html = renderHtml(buildBundle({ records: records.filter((r) => Date.parse(r.ts) >= clock - 2 * 86_400_000), diagnosis: await readLastDiagnosis(app.paths.stateDir), sinceMs: clock - 2 * 86_400_000, untilMs: clock }));
      const reportFile = opt.report ?? path.join(dir, 'report.html');
      await writeFile(reportFile, html);
      console.log(`  report (last 2 days, ${s.cycles} cycles, ${s.outages.length} outages): ${reportFile}`);
      if (opt.screenshot) await screenshot(reportFile, opt.screenshot, dir);
    }
    await app.logger.close();
  } finally {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function screenshot(file, png, dir) {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('  no screenshot: /usr/bin/chromium is absent (apt-get install chromium)');
    return;
  }
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 1400 },
  });
  try {
    await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.goto(`file://${path.resolve(file)}`);
    await page.waitForFunction('Number(document.body.getAttribute("data-charts-drawn") || 0) >= 2', undefined, { timeout: 10_000 });
    await page.screenshot({ path: png, fullPage: true });
    console.log(`  screenshot: ${png}`);
  } finally {
    await context.close();
  }
}

await main();
