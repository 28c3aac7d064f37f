// The watch schedule: a node-cron expression (5 fields, or 6 with seconds), checked before anything
// starts, with the shortest gap between two beats compared with the configured floor (real routers:
// at most one cycle a minute), and the random delay (jitter) put in front of each beat.
import cron from 'node-cron';
import { UsageError } from '../core/errors.js';

export interface Schedule {
  expression: string;
  /** The shortest time between two beats, in seconds (a lower bound across days). */
  minGapSeconds: number;
}

const DAY = 86_400;

/** Seconds after midnight of every beat within one day (only second/minute/hour fields matter). */
function beatsInADay(fields: { second: number[]; minute: number[]; hour: number[] }): number[] {
  const out: number[] = [];
  for (const h of fields.hour) for (const m of fields.minute) for (const s of fields.second) out.push(h * 3600 + m * 60 + s);
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * The shortest gap between beats. Day, month and weekday fields only take whole days away, so they
 * can only make gaps longer; the gap across midnight is counted as if the next day matched too.
 */
export function minGapSeconds(expression: string): number {
  const fields = cron.parse(expression);
  const beats = beatsInADay(fields);
  if (beats.length === 0) return DAY;
  let gap = DAY - beats[beats.length - 1]! + beats[0]!;
  for (let i = 1; i < beats.length; i++) gap = Math.min(gap, beats[i]! - beats[i - 1]!);
  return gap;
}

/** Validates the expression and the floor; the error says what to write instead. */
export function parseSchedule(expression: string, floorSeconds: number): Schedule {
  const expr = expression.trim().replace(/\s+/g, ' ');
  const check = cron.validateDetailed(expr);
  if (!check.valid) {
    const why = check.errors.map((e) => (e.field === 'expression' ? e.message : `${e.field}: ${e.message}`)).join('; ');
    throw new UsageError(
      `bad schedule "${expression}": ${why}. Use a cron expression such as "*/5 * * * *" (every 5 minutes) or, with a seconds field, "0 */5 * * * *"`,
      { schedule: expression },
    );
  }
  const gap = minGapSeconds(expr);
  if (gap < floorSeconds) {
    throw new UsageError(
      `schedule "${expression}" would check the router every ${gap} s; the floor is one cycle every ${floorSeconds} s ` +
        `(watch.minIntervalSeconds), so a router is not asked too often. Use e.g. "*/${Math.max(1, Math.ceil(floorSeconds / 60))} * * * *"`,
      { schedule: expression, gapSeconds: gap, floorSeconds },
    );
  }
  return { expression: expr, minGapSeconds: gap };
}

/** A random delay before a beat's cycle: up to `ratio` of the interval, never more than maxMs. */
export function jitterMs(intervalSeconds: number, ratio: number, maxMs: number, random: () => number = Math.random): number {
  if (ratio <= 0) return 0;
  return Math.floor(Math.min(maxMs, intervalSeconds * 1000 * ratio) * random());
}

/** "24h", "30m", "7d", "90s", "2w" → milliseconds; an ISO date → the time since it. */
export function parseDuration(text: string, now = Date.now()): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$/i.exec(text);
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
    return Math.round(Number(m[1]) * unit * 1000);
  }
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(text.trim())) return Math.max(0, now - t);
  throw new UsageError(`"${text}" is not a duration: use e.g. 30m, 24h, 7d, or a date such as 2026-11-01`);
}
