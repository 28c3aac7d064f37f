// C04 lan.gateway: can this device reach the router, and how well. ICMP echoes, with TCP connects to
// the router's web port where ICMP is unavailable or gets no answer (routers that drop ping).
import { parseCandidates } from '../../discovery/candidates.js';
import type { DiagContext } from '../context.js';
import type { CheckOutcome, Json } from '../types.js';
import { echoTrain, fitCount, type TrainTarget } from './train.js';

/** The router's web port from the discovery candidates (the lab's are non-standard), else the default. */
export function adminPortOf(ctx: DiagContext, host: string): number {
  try {
    const known = parseCandidates(ctx.config.discovery.candidates, ctx.config.ports).find((t) => t.host === host);
    return known?.httpPort ?? ctx.config.ports.http;
  } catch {
    return ctx.config.ports.http;
  }
}

export async function lanGateway(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const gateway = ctx.facts.gateway;
  if (!gateway) return { status: 'skip', skippedReason: 'no default gateway' };
  const target: TrainTarget = { name: 'gateway', host: gateway, tcpPort: adminPortOf(ctx, gateway) };
  const { gatewayIntervalMs } = ctx.cfg.ping;
  const gatewayCount = fitCount(ctx.cfg.ping.gatewayCount, gatewayIntervalMs, ctx.cfg.ping.timeoutMs, budgetMs);
  let r = await echoTrain(ctx, target, gatewayCount, gatewayIntervalMs, signal);
  // A router may drop ICMP and still be there: one TCP connect decides.
  if (r.received === 0 && r.method === 'icmp' && !signal.aborted) {
    const saved = ctx.facts.pingMethod;
    ctx.facts.pingMethod = 'tcp';
    const tcp = await echoTrain(ctx, target, Math.min(3, gatewayCount), gatewayIntervalMs, signal);
    ctx.facts.pingMethod = saved;
    if (tcp.received > 0) r = { ...tcp, icmp_unavailable: 'no ICMP replies' };
  }
  const th = ctx.cfg.thresholds.gateway;
  const passMs = ctx.facts.onWifi ? th.wifiMs : th.wiredMs;
  const thresholds = { pass_loss_pct: th.passLossPct, warn_loss_pct: th.warnLossPct, pass_median_ms: passMs, warn_median_ms: th.warnMs };
  const values = r as unknown as Record<string, Json>;
  if (r.received === 0) return { status: 'fail', problems: ['no_answer'], values, thresholds };
  const median = r.median_ms ?? 0;
  if (r.loss_pct <= th.passLossPct && median <= passMs) return { status: 'pass', values, thresholds };
  if (median > th.warnMs && r.loss_pct > th.warnLossPct) return { status: 'fail', problems: ['slow_and_lossy'], values, thresholds };
  const problems = [...(r.loss_pct > th.passLossPct ? ['loss'] : []), ...(median > passMs ? ['latency'] : [])];
  return { status: 'warn', problems, values, thresholds };
}
