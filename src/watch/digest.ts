// From a diagnosis to what watch keeps: the observation the state machine needs, and the compact
// history record (a few scalar values per check, latency and loss figures for trends).
import type { CheckResult, Json } from '../diagnostics/types.js';
import { isDeterministic } from './state.js';
import type { CheckDigest, DiagnoseReport, HistoryRecord, Observation, WatchState } from './types.js';

export function observationOf(report: DiagnoseReport): Observation {
  return {
    ok: report.verdict.severity !== 'critical',
    cause: report.verdict.id,
    severity: report.verdict.severity,
    deterministic: isDeterministic(report.verdict.id),
  };
}

/** A cycle that threw or ran out of time: the internet's state is unknown, counted as a failure. */
export function failedObservation(kind: 'cycle_error' | 'cycle_timeout'): Observation {
  return { ok: false, cause: kind, severity: 'critical', deterministic: false };
}

const MAX_VALUES = 8;
const MAX_STRING = 64;
const SECRETISH = /pass(word)?|secret|token|cookie|credential/i;

function scalars(values: Record<string, Json>): Record<string, number | string | boolean> | undefined {
  const out: Record<string, number | string | boolean> = {};
  let n = 0;
  for (const [k, v] of Object.entries(values)) {
    if (n >= MAX_VALUES) break;
    if (SECRETISH.test(k)) continue;
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string' && v.length <= MAX_STRING) out[k] = v;
    else continue;
    n++;
  }
  return n > 0 ? out : undefined;
}

export function digestChecks(checks: CheckResult[]): Record<string, CheckDigest> {
  const out: Record<string, CheckDigest> = {};
  for (const c of checks) {
    out[c.id] = {
      s: c.status,
      ...(c.problems.length ? { p: c.problems.slice(0, 5) } : {}),
      ...(c.status !== 'skip' ? { v: scalars(c.values ?? {}), ms: Math.round(c.duration_ms) } : {}),
    };
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Series names: the gateway train is "gateway", other trains are named by their target. */
function seriesName(check: CheckResult, entry: Record<string, Json>, fallback: string): string {
  if (check.id === 'C04') return 'gateway';
  const t = entry['target'] ?? entry['name'];
  const name = typeof t === 'string' && /^[\w.-]{1,40}$/.test(t) ? t : fallback;
  return check.id === 'C12' ? `router:${name}` : name;
}

/**
 * Latency (median_ms) and loss (loss_pct) from the echo trains: C04 (gateway), C21 (quality, per
 * target) and C12 (from the router). Looks one level into arrays/objects of per-target results.
 */
export function figures(checks: CheckResult[]): { latency: Record<string, number>; loss: Record<string, number> } {
  const latency: Record<string, number> = {};
  const loss: Record<string, number> = {};
  const take = (check: CheckResult, entry: Record<string, Json>, fallback: string): void => {
    const name = seriesName(check, entry, fallback);
    if (Object.keys(latency).length >= 12) return;
    const med = entry['median_ms'] ?? entry['rtt_median_ms'];
    const lp = entry['loss_pct'];
    if (typeof med === 'number' && Number.isFinite(med)) latency[name] = med;
    if (typeof lp === 'number' && Number.isFinite(lp)) loss[name] = lp;
  };
  for (const c of checks) {
    if (!['C04', 'C12', 'C21'].includes(c.id) || c.status === 'skip') continue;
    const v = c.values ?? {};
    take(c, v, c.id === 'C21' ? 'internet' : c.key);
    for (const [k, inner] of Object.entries(v)) {
      if (Array.isArray(inner)) for (const e of inner) if (isObj(e)) take(c, e, k);
      if (isObj(inner) && ('median_ms' in inner || 'loss_pct' in inner)) take(c, inner, k);
    }
  }
  return { latency, loss };
}

export function recordOf(
  report: DiagnoseReport,
  o: { state: WatchState; kind: HistoryRecord['kind']; cycleMs: number; ok: boolean },
): HistoryRecord {
  const f = figures(report.checks);
  const r = report.router;
  return {
    v: 1,
    ts: report.started_at,
    cycle_ms: Math.round(o.cycleMs),
    kind: o.kind,
    state: o.state,
    ok: o.ok,
    verdict: report.verdict.id,
    severity: report.verdict.severity,
    checks: digestChecks(report.checks),
    router: r ? { wan_state: r.wan_state, ppp_last_error: r.ppp_last_error, ppp_uptime_s: r.ppp_uptime_s } : undefined,
    latency_ms: Object.keys(f.latency).length ? f.latency : undefined,
    loss_pct: Object.keys(f.loss).length ? f.loss : undefined,
  };
}

/** Words for a verdict id in log lines and alerts ("down: PPP authentication failed"). */
const CAUSE_WORDS: Record<string, string> = {
  ok: 'everything works',
  host_offline: 'this computer is not connected to any network',
  host_no_dhcp: 'this computer got no address from the router',
  router_unreachable: 'the router does not answer',
  ip_conflict: 'two devices share an address',
  lan_wan_subnet_conflict: "the home network overlaps the provider's network",
  wan_cable: 'no link on the provider cable',
  router_not_configured: "the router's internet settings are missing",
  wrong_wan_type: "the router's internet settings do not match the provider",
  isp_access_down: "the provider's network does not answer",
  'ppp_auth_failed.password_changed': 'PPP authentication failed (the password was changed)',
  ppp_auth_failed: 'PPP authentication failed',
  ppp_down: 'the connection to the provider keeps failing',
  account_blocked: 'the provider shows its payment or block page',
  ipoe_not_authorized: "the provider asks for a one-time login on its page",
  portal: 'the network asks to sign in in a browser',
  isp_upstream_down: 'the internet beyond the provider does not answer',
  'dns_failure.router': "name lookups fail at the router",
  'dns_failure.isp': "name lookups fail at the provider's DNS",
  'dns_failure.all': 'name lookups fail',
  partial_connectivity: 'secure sites fail',
  mtu_blackhole: 'large transfers stall (packet size)',
  clock_wrong: "the router's clock is wrong",
  wan_flapping: 'the line keeps dropping',
  'degraded.wifi': 'slow or unstable Wi-Fi',
  'degraded.lan': 'slow or unstable home network',
  'degraded.isp': "slow or unstable provider line",
  'degraded.internet': 'slow or unstable internet',
  cycle_error: 'the check itself failed',
  cycle_timeout: 'the check did not finish in time',
};

export function causeWords(cause: string): string {
  return CAUSE_WORDS[cause] ?? cause.replace(/[._]/g, ' ');
}
