// A train of echoes to one target: ICMP through the system ping, or TCP connects where ICMP is not
// available (or configured off). Every figure carries the method it was measured with.
import type { DiagContext } from '../context.js';
import { sleep, tcpConnect } from '../net/tcp.js';
import { jitter, median, pct, quantile, r1 } from '../stats.js';

export interface TrainTarget {
  name: string;
  host: string;
  /** For the TCP method. */
  tcpPort: number;
}

export interface TrainResult {
  target: string;
  host: string;
  method: 'icmp' | 'tcp';
  sent: number;
  received: number;
  loss_pct: number;
  median_ms?: number | undefined;
  p95_ms?: number | undefined;
  jitter_ms?: number | undefined;
  /** Set when ICMP was tried first and did not work here. */
  icmp_unavailable?: string | undefined;
}

function summarise(target: TrainTarget, method: 'icmp' | 'tcp', sent: number, rtts: number[]): TrainResult {
  return {
    target: target.name,
    host: target.host,
    method,
    sent,
    received: rtts.length,
    loss_pct: pct(sent - rtts.length, sent),
    median_ms: r1(median(rtts)),
    p95_ms: r1(quantile(rtts, 0.95)),
    jitter_ms: r1(jitter(rtts)),
  };
}

async function tcpTrain(target: TrainTarget, count: number, intervalMs: number, timeoutMs: number, signal: AbortSignal): Promise<TrainResult> {
  const rtts: number[] = [];
  let sent = 0;
  // Connects are started on the beat (not one after another), so a black-holed target still ends on time.
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count && !signal.aborted; i++) {
    sent++;
    pending.push(
      tcpConnect(target.host, target.tcpPort, timeoutMs, signal).then((r) => {
        if (r.ok && r.ms !== undefined) rtts.push(r.ms);
      }),
    );
    if (i < count - 1) await sleep(intervalMs, signal);
  }
  await Promise.all(pending);
  return summarise(target, 'tcp', sent, rtts);
}

/** Whether ICMP works here; decided once per run (config mode, then one try). */
async function icmpUsable(ctx: DiagContext, probeHost: string, signal: AbortSignal): Promise<{ ok: boolean; why?: string | undefined }> {
  if (ctx.facts.pingMethod) return { ok: ctx.facts.pingMethod === 'icmp' };
  const mode = ctx.cfg.ping.mode;
  if (mode === 'tcp') {
    ctx.facts.pingMethod = 'tcp';
    return { ok: false, why: 'configured' };
  }
  const r = await ctx.host.ping(probeHost, { count: 1, intervalMs: 200, timeoutMs: ctx.cfg.ping.timeoutMs, signal });
  if (!r.available) {
    ctx.facts.pingMethod = 'tcp';
    return { ok: false, why: r.error ?? 'unavailable' };
  }
  ctx.facts.pingMethod = 'icmp';
  return { ok: true };
}

export async function echoTrain(ctx: DiagContext, target: TrainTarget, count: number, intervalMs: number, signal: AbortSignal): Promise<TrainResult> {
  const timeoutMs = ctx.cfg.ping.timeoutMs;
  const icmp = await icmpUsable(ctx, target.host, signal);
  if (icmp.ok) {
    const r = await ctx.host.ping(target.host, { count, intervalMs, timeoutMs, signal });
    if (r.available && !r.error) {
      const sent = r.sent ?? count;
      return summarise(target, 'icmp', sent, r.replies.map((x) => x.ms));
    }
  }
  const result = await tcpTrain(target, count, intervalMs, timeoutMs, signal);
  if (!icmp.ok && icmp.why && icmp.why !== 'configured') result.icmp_unavailable = icmp.why;
  return result;
}

/** As many echoes as fit into the time this check has (at least 1): a shrunk phase still measures. */
export function fitCount(count: number, intervalMs: number, timeoutMs: number, budgetMs: number): number {
  if (!Number.isFinite(budgetMs)) return count;
  const room = Math.floor((budgetMs - timeoutMs - 300) / Math.max(200, intervalMs)) + 1;
  return Math.max(1, Math.min(count, room));
}
