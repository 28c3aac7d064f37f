import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlertPolicy } from '../../src/watch/alerts.js';
import { Healer, type HealActions } from '../../src/watch/heal.js';
import { HistoryStore } from '../../src/watch/history.js';
import { WatchMetrics } from '../../src/watch/metrics.js';
import { parseSchedule } from '../../src/watch/schedule.js';
import { summarize } from '../../src/watch/summary.js';
import type { CycleFn, DiagnoseReport, WatchEvent } from '../../src/watch/types.js';
import { Watcher, type WatcherOptions } from '../../src/watch/watcher.js';
import { SecretRegistry } from '../../src/log/redact.js';
import { startReceiver } from './receiver.js';
import { memoryLogger, SECRET_ADMIN, SECRET_WAN, scriptedReport, sleep } from './fixtures.js';

const MACHINE = { downAfter: 3, upAfter: 2, recheckMs: 60_000, confirmMs: 60_000, reminderMs: 0 };

/** A cycle that plays the given verdicts in order (the last one repeats). */
function scripted(verdicts: string[], clock?: { now: number; step: number }): CycleFn & { calls: number } {
  const fn = (async () => {
    const v = verdicts[Math.min(fn.calls, verdicts.length - 1)]!;
    fn.calls++;
    if (clock) clock.now += clock.step;
    return scriptedReport(v, { at: clock?.now });
  }) as unknown as CycleFn & { calls: number };
  fn.calls = 0;
  return fn;
}

describe('watch loop with scripted diagnoses', function () {
  this.timeout(30_000);
  let dir: string;
  const watchers: Watcher[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-watch-'));
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) await w.stop(500);
    await rm(dir, { recursive: true, force: true });
  });

  function make(o: Partial<WatcherOptions> & { cycle: CycleFn }): Watcher {
    const w = new Watcher({ machine: MACHINE, cycleTimeoutMs: 5000, logger: memoryLogger(), ...o });
    watchers.push(w);
    return w;
  }

  it('the outage story: one down event (one log line, one alert), one sync, one up event, the history with cause and duration', async () => {
    const rx = await startReceiver('127.0.91.1');
    const clock = { now: Date.UTC(2026, 10, 25, 10), step: 60_000 };
    const logger = memoryLogger();
    const secrets = new SecretRegistry();
    secrets.add(SECRET_WAN);
    secrets.add(SECRET_ADMIN);
    const history = new HistoryStore({ dir: path.join(dir, 'history'), maxBytes: 1 << 20, maxFiles: 3, retentionDays: 0, sanitize: (r) => secrets.value(r) as typeof r });
    const synced: string[] = [];
    let fixed = false;
    const actions: HealActions = {
      storedWanPassword: async () => SECRET_WAN,
      syncPassword: async (pw) => {
        synced.push(pw);
        fixed = true;
        return { outcome: 'applied' };
      },
      reconnectWan: async () => undefined,
    };
    let broken = false;
    const cycle: CycleFn = async () => {
      clock.now += clock.step;
      // Broken from the second cycle until the heal ran.
      return scriptedReport(broken && !fixed ? 'ppp_auth_failed.password_changed' : 'ok', { at: clock.now });
    };
    const events: WatchEvent[] = [];
    const metrics = new WatchMetrics();
    const w = make({
      cycle,
      logger,
      secrets,
      history,
      metrics,
      now: () => clock.now,
      alerts: { policy: new AlertPolicy({ cooldownMs: 15 * 60_000 }), webhook: { url: rx.url, timeoutMs: 2000, attempts: 3, backoffMs: 10, maxBackoffMs: 50, totalMs: 5000 } },
      healer: new Healer({ actions, maxPerHour: 2, timeoutMs: 5000, allowSync: true, allowReconnect: true, now: () => clock.now }),
      onEvent: (e) => events.push(e),
      lastReportFile: path.join(dir, 'last-diagnosis.json'),
    });
    try {
      await w.runCycle(); // up
      broken = true;
      // suspect, then down (a deterministic fact: one confirming re-read); the heal runs on the down cycle.
      for (let i = 0; i < 6; i++) await w.runCycle();
      await w.settle();

      expect(events.map((e) => e.kind)).to.deep.equal(['down', 'heal', 'up']);
      expect(events[0]!.summary).to.equal('down: PPP authentication failed (the password was changed)');
      expect(events[1]!.heal).to.deep.include({ action: 'sync_password', result: 'done' });
      expect(events[2]!.outage_s).to.be.a('number').and.to.be.above(0);
      expect(synced).to.deep.equal([SECRET_WAN]);
      // One alert per event (down, heal, up), nothing per cycle.
      expect(rx.bodies.map((b) => (b as WatchEvent).kind)).to.deep.equal(['down', 'heal', 'up']);
      // One log line per change: suspect, down, heal, recovering, up.
      const lines = logger.lines.filter((l) => l.level !== 'debug').map((l) => l.message);
      expect(lines).to.deep.equal([
        'state up -> suspect: PPP authentication failed (the password was changed)',
        'down: PPP authentication failed (the password was changed)',
        'heal: sync_password done — the stored password was put into the router',
        'state down -> recovering: everything works',
        lines[4],
      ]);
      expect(lines[4]).to.match(/^up: the internet works again after \d+ min \d+ s \(it was down: PPP authentication failed/);

      const { records } = await history.read();
      expect(records.map((r) => r.state)).to.deep.equal(['up', 'suspect', 'down', 'recovering', 'up', 'up', 'up']);
      const s = summarize(records, 0, clock.now);
      expect(s.outages).to.have.length(1);
      expect(s.outages[0]).to.include({ cause: 'ppp_auth_failed.password_changed', ongoing: false, duration_s: 120 });
      expect(records.find((r) => r.heal)?.heal).to.deep.include({ action: 'sync_password', result: 'done' });

      const text = await metrics.text();
      expect(text).to.match(/^routerctl_heal_actions_total\{action="sync_password",result="done"\} 1$/m);
      expect(text).to.match(/^routerctl_state_changes_total\{to="down"\} 1$/m);
      expect(text).to.match(/^routerctl_state\{state="up"\} 1$/m);

      // No secret in the history, the alerts, the logs or the saved diagnosis.
      const blobs = [
        await readFile(history.file, 'utf8'),
        JSON.stringify(rx.bodies),
        JSON.stringify(logger.lines),
        JSON.stringify(events),
        await readFile(path.join(dir, 'last-diagnosis.json'), 'utf8'),
        text,
      ];
      for (const b of blobs) {
        expect(b).not.to.contain(SECRET_WAN);
        expect(b).not.to.contain(SECRET_ADMIN);
      }
    } finally {
      await rx.close();
    }
  });

  it('never runs two cycles at once: beats during a slow cycle are skipped', async () => {
    let running = 0;
    let maxRunning = 0;
    const cycle: CycleFn = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(2500);
      running--;
      return scriptedReport('ok');
    };
    const w = make({ cycle });
    w.start(parseSchedule('* * * * * *', 1), { jitterRatio: 0, jitterMaxMs: 0 });
    await sleep(4200);
    expect(maxRunning).to.equal(1);
    expect(w.skippedBeats).to.be.at.least(1);
    expect(await w.runCycle()).to.equal(undefined);
  });

  it('a cron schedule in seconds (*/2 * * * * *, allowed by a lowered floor) runs cycles; stop() flushes the history', async () => {
    const history = new HistoryStore({ dir, maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
    const cycle = scripted(['ok']);
    const w = make({ cycle, history });
    w.start(parseSchedule('*/2 * * * * *', 1), { jitterRatio: 0.2, jitterMaxMs: 300 });
    await sleep(4300);
    await w.stop();
    expect(cycle.calls).to.be.within(2, 3);
    expect((await history.read()).records).to.have.length(cycle.calls);
  });

  it('every check timing out (network down): the cycle still ends within its bound, and counts as a failure', async () => {
    const cycle: CycleFn = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => setTimeout(() => reject(new Error('aborted')), 10)));
    const w = make({ cycle, cycleTimeoutMs: 400 });
    const t0 = Date.now();
    const out = await w.runCycle();
    expect(Date.now() - t0).to.be.below(1000);
    expect(out!.observation).to.include({ ok: false, cause: 'cycle_timeout' });
    expect(out!.record.error).to.match(/did not finish within 400 ms/);
    expect(out!.state).to.equal('suspect');
  });

  it('a cycle that ignores its bound is not overlapped: the next ones wait until it settles', async () => {
    let release!: () => void;
    const stuck = new Promise<DiagnoseReport>((resolve) => (release = () => resolve(scriptedReport('ok'))));
    const w = make({ cycle: () => stuck, cycleTimeoutMs: 200 });
    expect((await w.runCycle())!.observation.cause).to.equal('cycle_timeout');
    expect(await w.runCycle()).to.equal(undefined);
    release();
    await sleep(20);
    expect(await w.runCycle()).not.to.equal(undefined);
  });

  it('stop() (SIGTERM) ends the cycle in flight at once, records nothing half-done, and saves the state', async () => {
    const history = new HistoryStore({ dir, maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
    const cycle: CycleFn = ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped'))));
    const w = make({ cycle, history, cycleTimeoutMs: 10_000, stateFile: path.join(dir, 'watch-state.json') });
    const running = w.runCycle();
    await sleep(50);
    const t0 = Date.now();
    await w.stop();
    expect(await running).to.equal(undefined);
    expect(Date.now() - t0).to.be.below(1000);
    expect((await history.read()).records).to.have.length(0);
    expect(JSON.parse(await readFile(path.join(dir, 'watch-state.json'), 'utf8'))).to.include({ format: 'routerctl-watch-state/1' });
  });

  it('--once under system cron: the state machine carries over between runs, so the third failing run is "down"', async () => {
    const stateFile = path.join(dir, 'watch-state.json');
    const states: string[] = [];
    const events: string[] = [];
    for (let i = 0; i < 4; i++) {
      const w = new Watcher({ cycle: scripted(['router_unreachable']), machine: MACHINE, cycleTimeoutMs: 2000, logger: memoryLogger(), stateFile, onEvent: (e) => events.push(e.kind) });
      await w.init();
      states.push((await w.runCycle())!.state);
    }
    expect(states).to.deep.equal(['suspect', 'suspect', 'down', 'down']);
    expect(events).to.deep.equal(['down']);
    expect((await stat(stateFile)).mode & 0o777).to.equal(0o600);
  });

  it('the router rebooting for several cycles: down with cause router_unreachable, then up; a saved state that is stale is ignored', async () => {
    const events: WatchEvent[] = [];
    const w = make({ cycle: scripted(['ok', 'router_unreachable', 'router_unreachable', 'router_unreachable', 'router_unreachable', 'ok', 'ok']), onEvent: (e) => events.push(e) });
    for (let i = 0; i < 7; i++) await w.runCycle();
    expect(events.map((e) => `${e.kind}:${e.cause}`)).to.deep.equal(['down:router_unreachable', 'up:router_unreachable']);

    const stateFile = path.join(dir, 'old-state.json');
    await writeFile(stateFile, JSON.stringify({ format: 'routerctl-watch-state/1', updated: Date.now() - 2 * 3_600_000, memory: { state: 'down', since: 0, fails: 5, passes: 0, cause: 'wan_cable' } }));
    const fresh = make({ cycle: scripted(['ok']), stateFile, staleStateMs: 3_600_000 });
    await fresh.init();
    expect(fresh.state).to.equal('up');
  });

  it('a state dir that is not writable: one clear error, the watch keeps running, and one line when it works again', async () => {
    const blocked = path.join(dir, 'not-a-dir');
    await writeFile(blocked, 'x');
    const logger = memoryLogger();
    const history = new HistoryStore({ dir: path.join(blocked, 'history'), maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
    const w = make({ cycle: scripted(['ok']), history, logger });
    for (let i = 0; i < 3; i++) expect(await w.runCycle()).not.to.equal(undefined);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).to.have.length(1);
    expect(errors[0]!.message).to.match(/cannot write the watch history .* the watch keeps running/);
    await rm(blocked);
    await w.runCycle();
    expect(logger.lines.filter((l) => l.level === 'info').map((l) => l.message)).to.include('the watch history can be written again; the records kept in memory were saved');
    expect((await history.read()).records).to.have.length(4);
  });

  it("pings the dead-man's switch at the start and with the cycle's code at the end", async () => {
    const rx = await startReceiver('127.0.91.2');
    const paths: string[] = [];
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('OK');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.91.3', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const w = make({ cycle: scripted(['ok', 'isp_upstream_down']), deadman: { url: `http://127.0.91.3:${port}/ping/uuid-1`, timeoutMs: 1000 } });
      await w.runCycle();
      await w.runCycle();
      await w.settle();
      expect(paths).to.have.members(['/ping/uuid-1/start', '/ping/uuid-1/0', '/ping/uuid-1/start', '/ping/uuid-1/2']);
    } finally {
      server.close();
      await rx.close();
    }
  });

  it('rotated history stays bounded over many cycles', async () => {
    const history = new HistoryStore({ dir, maxBytes: 4000, maxFiles: 2, retentionDays: 0 });
    const w = make({ cycle: scripted(['ok']), history });
    for (let i = 0; i < 60; i++) await w.runCycle();
    const files = await readdir(dir);
    expect(files.sort()).to.deep.equal(['history.1.jsonl', 'history.jsonl']);
  });
});
