import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../src/watch/history.js';
import { summarize } from '../../src/watch/summary.js';
import { readSummary } from '../../src/cli/commands/history.js';
import { rec } from './fixtures.js';

describe('watch history (JSON lines, bounded and rotated)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-history-'));
  });
  afterEach(async () => {
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one line per cycle, files 0600 in a 0700 folder, and reads them back in order', async () => {
    const h = new HistoryStore({ dir: path.join(dir, 'history'), maxBytes: 1 << 20, maxFiles: 3, retentionDays: 90 });
    const t0 = Date.UTC(2026, 10, 1);
    for (let i = 0; i < 5; i++) await h.append(rec(t0, i, 'up'));
    const text = await readFile(h.file, 'utf8');
    expect(text.trim().split('\n')).to.have.length(5);
    expect((await stat(h.file)).mode & 0o777).to.equal(0o600);
    expect((await stat(path.join(dir, 'history'))).mode & 0o777).to.equal(0o700);
    const { records } = await h.read(t0 + 2 * 60_000);
    expect(records.map((r) => r.ts)).to.deep.equal([2, 3, 4].map((m) => new Date(t0 + m * 60_000).toISOString()));
  });

  it('stays bounded: rotates by size and keeps at most maxFiles files', async () => {
    const h = new HistoryStore({ dir, maxBytes: 2000, maxFiles: 3, retentionDays: 0 });
    const t0 = Date.UTC(2026, 10, 1);
    for (let i = 0; i < 200; i++) await h.append(rec(t0, i, 'up'));
    const files = (await readdir(dir)).sort();
    expect(files).to.deep.equal(['history.1.jsonl', 'history.2.jsonl', 'history.jsonl']);
    for (const f of files) expect((await stat(path.join(dir, f))).size).to.be.at.most(2000);
    const { records } = await h.read();
    expect(records.length).to.be.below(200).and.above(10);
    // The newest records survive rotation.
    expect(records.at(-1)!.ts).to.equal(new Date(t0 + 199 * 60_000).toISOString());
  });

  it('skips a torn or foreign line instead of failing', async () => {
    const h = new HistoryStore({ dir, maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
    await h.append(rec(Date.now(), 0, 'up'));
    await writeFile(h.file, `${await readFile(h.file, 'utf8')}{"v":1,"ts":"trunc\nnot json\n`);
    const { records, skipped } = await h.read();
    expect(records).to.have.length(1);
    expect(skipped).to.equal(2);
  });

  it('a state dir that is not writable: a clear problem, records kept in memory, written once it works again', async function () {
    if (process.getuid?.() === 0) {
      // root ignores file modes: make the history path a file instead of a folder.
      const blocked = path.join(dir, 'blocked');
      await writeFile(blocked, 'x');
      const h = new HistoryStore({ dir: path.join(blocked, 'history'), maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
      await h.append(rec(Date.now(), 0, 'up'));
      await h.append(rec(Date.now(), 1, 'up'));
      expect(h.problem).to.match(/cannot write the watch history in .*blocked/);
      expect(h.backlog).to.equal(2);
      await rm(blocked);
      await h.append(rec(Date.now(), 2, 'up'));
      expect(h.problem).to.equal(undefined);
      expect((await h.read()).records).to.have.length(3);
      return;
    }
    const locked = path.join(dir, 'locked');
    await mkdir(locked, { mode: 0o500 });
    const h = new HistoryStore({ dir: path.join(locked, 'history'), maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0 });
    await h.append(rec(Date.now(), 0, 'up'));
    expect(h.problem).to.match(/not writable/);
    await chmod(locked, 0o700);
    await h.append(rec(Date.now(), 1, 'up'));
    expect(h.problem).to.equal(undefined);
    expect((await h.read()).records).to.have.length(2);
  });

  it('the in-memory backlog is bounded too', async () => {
    const blocked = path.join(dir, 'file');
    await writeFile(blocked, 'x');
    const h = new HistoryStore({ dir: path.join(blocked, 'h'), maxBytes: 1 << 20, maxFiles: 2, retentionDays: 0, maxBacklog: 5 });
    for (let i = 0; i < 12; i++) await h.append(rec(Date.now(), i, 'up'));
    expect(h.backlog).to.equal(5);
    expect(h.dropped).to.equal(7);
  });
});

describe('history figures from a scripted history', () => {
  // 24 h at one cycle every 5 minutes; one outage: suspect at 10:00, down 10:05–10:15 (password
  // refused), recovering at 10:20 (first pass), up at 10:25. Cycles at 10:00..10:25 are not up.
  const t0 = Date.UTC(2026, 10, 24, 16, 0);
  const until = t0 + 24 * 3_600_000;
  const outageAt = 18 * 60; // 10:00 next day, in minutes after t0
  const records = Array.from({ length: 288 }, (_, i) => {
    const minute = i * 5;
    const k = minute - outageAt;
    if (k === 0) return rec(t0, minute, 'suspect', 'ppp_auth_failed');
    if (k > 0 && k <= 15) return rec(t0, minute, 'down', 'ppp_auth_failed');
    if (k === 20) return rec(t0, minute, 'recovering', 'ok');
    return rec(t0, minute, 'up');
  });

  it('uptime, one outage with cause and duration, latency and loss per target', () => {
    const s = summarize(records, t0, until);
    expect(s.cycles).to.equal(288);
    expect(s.outages).to.have.length(1);
    const o = s.outages[0]!;
    expect(o).to.include({ cause: 'ppp_auth_failed', ongoing: false, duration_s: 20 * 60 });
    expect(o.start).to.equal(new Date(t0 + outageAt * 60_000).toISOString());
    expect(o.end).to.equal(new Date(t0 + (outageAt + 20) * 60_000).toISOString());
    expect(s.uptime.down_s).to.equal(20 * 60);
    expect(s.uptime.ratio).to.be.closeTo(1 - 20 / (24 * 60), 0.0005);
    expect(s.latency_ms['gateway']).to.include({ median: 2 });
    expect(s.latency_ms['anchor-a']!.median).to.be.within(20, 22);
    expect(s.loss_pct['anchor-a']!.mean).to.be.closeTo(0.5, 0.01);
    expect(s.trend).to.have.length(24);
    expect(s.trend.filter((b) => b.up_ratio !== null && b.up_ratio < 1)).to.have.length(1);
    expect(s.verdicts['ppp_auth_failed']).to.equal(4);
  });

  it('an outage still going on is reported as ongoing, up to now', () => {
    const s = summarize([rec(t0, 0, 'up'), rec(t0, 5, 'suspect', 'ppp_down'), rec(t0, 10, 'down', 'ppp_down'), rec(t0, 15, 'down', 'wan_cable')], t0, t0 + 20 * 60_000);
    expect(s.outages).to.deep.equal([
      { start: new Date(t0 + 5 * 60_000).toISOString(), end: null, duration_s: 15 * 60, cause: 'ppp_down', causes: ['ppp_down', 'wan_cable'], ongoing: true },
    ]);
  });

  it('a suspicion that cleared is no outage; time without records is "not watched", not downtime', () => {
    const s = summarize([rec(t0, 0, 'up'), rec(t0, 5, 'suspect', 'ppp_down'), rec(t0, 10, 'up'), rec(t0, 300, 'up')], t0, t0 + 305 * 60_000);
    expect(s.outages).to.have.length(0);
    expect(s.uptime.ratio).to.equal(1);
    expect(s.uptime.unknown_s).to.be.above(4 * 3600);
  });

  it('`history --since 24h` reads only the window from the state dir', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-history-'));
    try {
      const h = new HistoryStore({ dir: path.join(dir, 'history'), maxBytes: 1 << 20, maxFiles: 5, retentionDays: 0 });
      const now = Date.now();
      const old = now - 3 * 86_400_000;
      await h.append(rec(old, 0, 'down', 'wan_cable'));
      for (const r of records) await h.append({ ...r, ts: new Date(Date.parse(r.ts) - until + now).toISOString() });
      const s = await readSummary(dir, 5, '24h', now);
      expect(s.cycles).to.equal(288);
      expect(s.outages.map((o) => [o.cause, o.duration_s])).to.deep.equal([['ppp_auth_failed', 1200]]);
      expect(s.schema).to.equal('routerctl.history/1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
