import { expect } from 'chai';
import { initialMemory, observe, type MachineConfig, type MachineMemory, type MachineStep } from '../../src/watch/state.js';
import type { Observation } from '../../src/watch/types.js';
import { minGapSeconds, parseSchedule, jitterMs, parseDuration } from '../../src/watch/schedule.js';

const CFG: MachineConfig = { downAfter: 3, upAfter: 2, recheckMs: 30_000, confirmMs: 10_000, reminderMs: 0 };
const FAIL: Observation = { ok: false, cause: 'isp_upstream_down', severity: 'critical', deterministic: false };
const AUTH: Observation = { ok: false, cause: 'ppp_auth_failed', severity: 'critical', deterministic: true };
const OK: Observation = { ok: true, cause: 'ok', severity: 'ok', deterministic: false };

function run(seq: Observation[], cfg = CFG, start: MachineMemory = initialMemory(0)): { steps: MachineStep[]; mem: MachineMemory } {
  let mem = start;
  const steps: MachineStep[] = [];
  seq.forEach((o, i) => {
    const s = observe(mem, o, (i + 1) * 60_000, cfg);
    steps.push(s);
    mem = s.memory;
  });
  return { steps, mem };
}

describe('watch state machine (up → suspect → down → recovering → up)', () => {
  it('one failed cycle is only suspect, with a fast re-check and no event', () => {
    const { steps, mem } = run([FAIL]);
    expect(mem.state).to.equal('suspect');
    expect(steps[0]!.event).to.equal(undefined);
    expect(steps[0]!.transition).to.deep.equal({ from: 'up', to: 'suspect' });
    expect(steps[0]!.recheckInMs).to.equal(30_000);
  });

  it('a blip (fail, pass) goes back to up without any event', () => {
    const { steps, mem } = run([FAIL, OK]);
    expect(mem.state).to.equal('up');
    expect(steps.map((s) => s.event)).to.deep.equal([undefined, undefined]);
  });

  it('goes down after 3 failed cycles in a row, with one down event carrying the cause', () => {
    const { steps, mem } = run([FAIL, FAIL, FAIL, FAIL, FAIL]);
    expect(steps.map((s) => s.memory.state)).to.deep.equal(['suspect', 'suspect', 'down', 'down', 'down']);
    const events = steps.filter((s) => s.event).map((s) => s.event!);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ kind: 'down', from: 'suspect', to: 'down', cause: 'isp_upstream_down' });
    expect(mem.outageStart).to.equal(60_000);
  });

  it('a deterministic router fact (password refused) goes down after one confirming re-read, asked 10 s later', () => {
    const { steps } = run([AUTH, AUTH]);
    expect(steps[0]!.recheckInMs).to.equal(10_000);
    expect(steps[1]!.memory.state).to.equal('down');
    expect(steps[1]!.event).to.include({ kind: 'down', cause: 'ppp_auth_failed' });
  });

  it('needs 2 passes in a row to come back up (hysteresis); the up event carries the outage duration and cause', () => {
    const { steps } = run([AUTH, AUTH, AUTH, OK, FAIL, OK, OK]);
    expect(steps.map((s) => s.memory.state)).to.deep.equal(['suspect', 'down', 'down', 'recovering', 'down', 'recovering', 'up']);
    const events = steps.filter((s) => s.event).map((s) => s.event!);
    // down, then the cause changed (auth → isp_upstream_down) while down, then up.
    expect(events.map((e) => e.kind)).to.deep.equal(['down', 'cause_changed', 'up']);
    const up = events[2]!;
    // outage: first failure at minute 1, recovery (the first of the final passes) at minute 6.
    expect(up.outageMs).to.equal(5 * 60_000);
    expect(up.cause).to.equal('isp_upstream_down');
    expect(steps[4]!.transition).to.deep.equal({ from: 'recovering', to: 'down' });
  });

  it('a change of cause while down is one event; the same cause again is none', () => {
    const { steps } = run([FAIL, FAIL, FAIL, AUTH, AUTH, AUTH]);
    expect(steps.filter((s) => s.event?.kind === 'cause_changed')).to.have.length(1);
  });

  it('reminds while down every reminderMs when configured', () => {
    const { steps } = run(Array(8).fill(FAIL), { ...CFG, reminderMs: 2 * 60_000 });
    expect(steps.filter((s) => s.event?.kind === 'reminder').length).to.equal(2);
  });

  it('downAfter 1 / upAfter 1 go straight down and up', () => {
    const { steps } = run([FAIL, OK], { ...CFG, downAfter: 1, upAfter: 1 });
    expect(steps.map((s) => s.event?.kind)).to.deep.equal(['down', 'up']);
  });
});

describe('watch schedule', () => {
  it('computes the shortest gap between beats', () => {
    expect(minGapSeconds('*/5 * * * *')).to.equal(300);
    expect(minGapSeconds('*/2 * * * * *')).to.equal(2);
    expect(minGapSeconds('0 3 * * *')).to.equal(86_400);
    expect(minGapSeconds('0,59 * * * * *')).to.equal(1);
    expect(minGapSeconds('0 0,30 * * * *')).to.equal(1800);
  });

  it('refuses a schedule faster than the floor with a clear error, and accepts it when the floor is lowered', () => {
    expect(() => parseSchedule('*/2 * * * * *', 60)).to.throw(/every 2 s; the floor is one cycle every 60 s \(watch\.minIntervalSeconds\)/);
    expect(() => parseSchedule('* * * * * *', 60)).to.throw(/usage|floor/);
    expect(parseSchedule('*/2 * * * * *', 1)).to.deep.equal({ expression: '*/2 * * * * *', minGapSeconds: 2 });
    expect(parseSchedule('*/5 * * * *', 60).minGapSeconds).to.equal(300);
  });

  it('refuses a bad cron expression before anything starts', () => {
    expect(() => parseSchedule('every five minutes', 60)).to.throw(/bad schedule "every five minutes": expected 5 or 6 fields/);
    expect(() => parseSchedule('61 * * * *', 60)).to.throw(/minute/);
  });

  it('jitter stays within its share of the interval and its cap', () => {
    expect(jitterMs(300, 0.2, 60_000, () => 0.999)).to.be.below(60_000);
    expect(jitterMs(300, 0.2, 10_000, () => 0.999)).to.be.below(10_000);
    expect(jitterMs(300, 0, 60_000, () => 0.5)).to.equal(0);
  });

  it('parses --since durations', () => {
    expect(parseDuration('24h')).to.equal(86_400_000);
    expect(parseDuration('30m')).to.equal(1_800_000);
    expect(parseDuration('7d')).to.equal(604_800_000);
    expect(() => parseDuration('yesterday')).to.throw(/not a duration/);
  });
});
