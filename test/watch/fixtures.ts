// Scripted diagnoses and histories for the watch and report tests.
import type { CheckId, CheckResult, CheckStatus, Severity } from '../../src/diagnostics/types.js';
import type { DiagnoseReport, HistoryRecord, WatchState } from '../../src/watch/types.js';
import { nullLogger, type AppLogger } from '../../src/log/logger.js';

export const SECRET_WAN = 'Stored-ISP-пароль "q" $x;';
export const SECRET_ADMIN = 'Adm1n-secret-42!';

const SEVERITY: Record<string, Severity> = {
  ok: 'ok',
  'degraded.internet': 'warning',
  'degraded.isp': 'warning',
  wan_flapping: 'warning',
};

function check(id: CheckId, key: string, status: CheckStatus, values: CheckResult['values'] = {}, problems: string[] = []): CheckResult {
  return {
    id,
    key,
    layer: key.split('.')[0]!,
    segment: 'router',
    phase: 'router',
    status,
    problems,
    values,
    thresholds: {},
    duration_ms: 12,
    ...(status === 'skip' ? { skipped_reason: 'not run' } : {}),
  };
}

export interface ReportOptions {
  at?: number;
  gatewayMs?: number;
  internetMs?: number;
  lossPct?: number;
  pppUptime?: number;
  wanState?: string;
  heal?: DiagnoseReport['verdict']['heal'];
}

/** A report whose verdict is `verdict`; checks and router facts that fit it. */
export function scriptedReport(verdict: string, o: ReportOptions = {}): DiagnoseReport {
  const severity = SEVERITY[verdict] ?? 'critical';
  const auth = verdict.startsWith('ppp_auth_failed');
  const wanUp = severity !== 'critical';
  return {
    schema: 'routerctl.diagnose/1',
    started_at: new Date(o.at ?? Date.now()).toISOString(),
    duration_ms: 240,
    verdict: {
      id: verdict,
      severity,
      confidence: 'high',
      layer: 'test',
      evidence: [],
      heal: o.heal,
      advice: { en: { title: `advice for ${verdict}`, steps: ['step one'] } },
    },
    checks: [
      check('C01', 'host.link', 'pass'),
      check('C04', 'lan.gateway', 'pass', { target: 'gateway', method: 'tcp', sent: 10, received: 10, loss_pct: 0, median_ms: o.gatewayMs ?? 1.5 }),
      check('C05', 'router.session', 'pass'),
      check('C09', 'wan.ppp', wanUp ? 'pass' : 'fail', { state: wanUp ? 'up' : 'down' }, auth ? ['auth_failed'] : wanUp ? [] : ['ppp_down']),
      check('C16', 'inet.ip', wanUp ? 'pass' : 'fail'),
      check('C21', 'inet.quality', wanUp ? 'pass' : 'skip', wanUp ? { trains: [{ target: 'anchor-a', sent: 10, received: 10, loss_pct: o.lossPct ?? 0, median_ms: o.internetMs ?? 20 }] } : {}),
    ],
    router: {
      host: '127.0.1.1',
      family: 'openwrt',
      model: 'Lab One',
      firmware: '24.10',
      wan_proto: 'l2tp',
      wan_state: o.wanState ?? (wanUp ? 'up' : 'down'),
      ppp_last_error: auth ? 'auth_failed' : undefined,
      ppp_uptime_s: o.pppUptime ?? (wanUp ? 3600 : undefined),
    },
  };
}

/** A history line, minutes after t0. */
export function rec(t0: number, minute: number, state: WatchState, verdict = state === 'up' ? 'ok' : 'ppp_auth_failed', extra: Partial<HistoryRecord> = {}): HistoryRecord {
  const ok = state === 'up' || (state === 'recovering' && verdict === 'ok') || verdict === 'ok';
  return {
    v: 1,
    ts: new Date(t0 + minute * 60_000).toISOString(),
    cycle_ms: 300,
    kind: 'light',
    state,
    ok,
    verdict,
    severity: ok ? 'ok' : 'critical',
    checks: {},
    ...(ok ? { latency_ms: { gateway: 2, 'anchor-a': 20 + (minute % 3) }, loss_pct: { gateway: 0, 'anchor-a': minute % 2 } } : {}),
    ...extra,
  };
}

/** A logger that keeps every line (and every meta) for assertions. */
export function memoryLogger(): AppLogger & { lines: { level: string; message: string; meta?: Record<string, unknown> | undefined }[] } {
  const lines: { level: string; message: string; meta?: Record<string, unknown> | undefined }[] = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push({ level, message, meta });
  return { ...nullLogger, lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 12 h at 5-minute cycles with one 25-minute "password refused" outage and one short ISP outage. */
export function outageHistory(t0: number): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  for (let i = 0; i < 144; i++) {
    const m = i * 5;
    if (m === 300) out.push(rec(t0, m, 'suspect', 'ppp_auth_failed'));
    else if (m > 300 && m <= 320) out.push(rec(t0, m, 'down', 'ppp_auth_failed', { heal: m === 305 ? { action: 'sync_password', result: 'done' } : undefined }));
    else if (m === 325) out.push(rec(t0, m, 'recovering', 'ok'));
    else if (m === 500) out.push(rec(t0, m, 'suspect', 'isp_upstream_down'));
    else if (m === 505 || m === 510) out.push(rec(t0, m, 'down', 'isp_upstream_down'));
    else out.push(rec(t0, m, 'up'));
  }
  return out;
}
