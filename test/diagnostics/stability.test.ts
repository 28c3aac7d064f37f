// C10 wan.stability: reconnects counted from the PPP uptime the watch recorded (src/diagnostics/stability.ts).
import { expect } from 'chai';
import type { DiagContext } from '../../src/diagnostics/context.js';
import { wanStabilityCheck } from '../../src/diagnostics/checks/router.js';
import { reconnects, sessionStarts, type WanSample } from '../../src/diagnostics/stability.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const MIN = 60_000;
/** A watch cycle `minutesAgo`, the session up for `uptimeS` then (undefined: the WAN was down). */
const at = (minutesAgo: number, uptimeS?: number): WanSample => ({ tMs: NOW - minutesAgo * MIN, uptimeS });

/** Every 5 minutes over `hours`, one session that started before them all. */
function steady(hours: number): WanSample[] {
  const out: WanSample[] = [];
  for (let m = hours * 60; m >= 0; m -= 5) out.push(at(m, (hours * 60 - m) * 60 + 3600));
  return out;
}

function ctxWith(samples: WanSample[] | undefined): DiagContext {
  return { now: () => NOW, facts: {}, wanHistory: samples ? async () => [...samples] : undefined } as unknown as DiagContext;
}

describe('diagnostics: C10 line stability from the watch history', () => {
  it('one session seen by many cycles is one session, despite uptime rounding and the cycle length', () => {
    const samples = steady(24).map((s, i) => ({ ...s, uptimeS: s.uptimeS! + (i % 3) * 20 }));
    expect(sessionStarts(samples)).to.have.length(1);
    expect(reconnects(samples, NOW)).to.include({ perDay: 0, perHour: 0, samples: samples.length });
  });

  it('each uptime reset is a reconnect; down cycles in between count nothing by themselves', () => {
    const samples = [at(600, 90_000), at(400, 100), at(395), at(390), at(380, 120), at(50, 300), at(30, 60), at(10, 30)];
    const r = reconnects(samples, NOW);
    expect(r.perDay).to.equal(5); // 402, 382, 55, 31 and 10 minutes ago; the first session is older than a day
    expect(r.perHour).to.equal(3);
    expect(r.coveredS).to.equal(600 * 60);
  });

  it('ignores what is older than 24 hours or later than now', () => {
    expect(reconnects([at(2000, 10), at(1600, 10), at(-10, 5), at(5, 600)], NOW)).to.include({ perDay: 1, samples: 1 });
  });

  it('check: skipped without a history or with too little of it, with the reason', async () => {
    const none = await wanStabilityCheck(ctxWith(undefined));
    expect(none.status).to.equal('skip');
    expect(none.skippedReason).to.match(/watch/);
    const one = await wanStabilityCheck(ctxWith([at(5, 100)]));
    expect(one.status).to.equal('skip');
  });

  it('check: pass for a steady line, warn at 3 a day, fail at 3 in the last hour (wan_flapping)', async () => {
    expect((await wanStabilityCheck(ctxWith(steady(24)))).status).to.equal('pass');
    const daily = await wanStabilityCheck(ctxWith([at(1000, 60), at(700, 60), at(300, 60), at(100, 12_000)]));
    expect(daily.status).to.equal('warn');
    expect(daily.problems).to.deep.equal(['reconnects']);
    expect(daily.values).to.include({ per_day: 3, per_hour: 0 });
    const flapping = await wanStabilityCheck(ctxWith([at(120, 600), at(50, 60), at(30, 60), at(10, 60)]));
    expect(flapping.status).to.equal('fail');
    expect(flapping.values).to.include({ per_hour: 3 });
  });
});
