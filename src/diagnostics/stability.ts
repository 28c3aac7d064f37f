// C10 wan.stability from what the watch remembered: each history record holds the PPP session's
// uptime, so each record names when its session started (time − uptime). Distinct start times are
// reconnects. Needs no router log and works for every driver that reports the uptime.

/** One observation of the WAN: when, and the PPP session's uptime then (absent when it was down). */
export interface WanSample {
  tMs: number;
  uptimeS?: number | undefined;
}

/** Starts closer than this are one session (clock steps, rounding of uptime, the cycle's own length). */
const SAME_SESSION_MS = 90_000;

/** Session start times (ms), oldest first, one per session seen in the samples. */
export function sessionStarts(samples: readonly WanSample[]): number[] {
  const starts = samples
    .filter((s) => s.uptimeS !== undefined && s.uptimeS >= 0)
    .map((s) => s.tMs - s.uptimeS! * 1000)
    .sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const t of starts) if (distinct.length === 0 || t - distinct.at(-1)! > SAME_SESSION_MS) distinct.push(t);
  return distinct;
}

export interface Reconnects {
  /** Sessions that started in the last 24 hours / the last hour. */
  perDay: number;
  perHour: number;
  /** How much of the last 24 hours the samples cover, in seconds. */
  coveredS: number;
  samples: number;
}

export function reconnects(samples: readonly WanSample[], nowMs: number): Reconnects {
  const day = nowMs - 86_400_000;
  const inWindow = samples.filter((s) => s.tMs >= day && s.tMs <= nowMs);
  const starts = sessionStarts(inWindow);
  const first = inWindow.reduce((m, s) => Math.min(m, s.tMs), nowMs);
  return {
    perDay: starts.filter((t) => t > day).length,
    perHour: starts.filter((t) => t > nowMs - 3_600_000).length,
    coveredS: Math.round((nowMs - first) / 1000),
    samples: inWindow.length,
  };
}
