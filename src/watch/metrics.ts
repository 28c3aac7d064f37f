// Prometheus metrics (prom-client), named as in diagnostics.md §4.2: prefix routerctl_, base units,
// _total counters, one-hot state/status labels instead of enum gauges, label values only from bounded
// sets (check ids, verdict ids, target names from config) — never a URL, a user name or a password.
import { createRequire } from 'node:module';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckStatus } from '../diagnostics/types.js';
import { figures } from './digest.js';
import type { AlertOutcome } from './alerts.js';
import { WATCH_STATES, type DiagnoseReport, type HealRecord, type WatchState } from './types.js';

const STATUSES: CheckStatus[] = ['pass', 'warn', 'fail', 'skip', 'error'];
const LABEL_OK = /^[\w.:-]{1,64}$/;

function label(value: string | undefined, fallback = 'unknown'): string {
  return value !== undefined && LABEL_OK.test(value) ? value : fallback;
}

function version(): string {
  // src/watch (tsx) and dist/src/watch (built) sit at different depths.
  const req = createRequire(import.meta.url);
  for (const p of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = req(p) as { name?: string; version?: string };
      if (pkg.name === 'routerctl' && pkg.version) return pkg.version;
    } catch {
      // try the next
    }
  }
  return 'unknown';
}

export interface MetricsOptions {
  /** Node process metrics (memory, CPU, event loop): on for the watch's own registry. */
  processMetrics?: boolean | undefined;
}

export class WatchMetrics {
  readonly registry = new Registry();
  readonly internetUp;
  readonly state;
  readonly verdict;
  readonly checkStatus;
  readonly checkSuccess;
  readonly checkDuration;
  readonly cycleDuration;
  readonly cyclesTotal;
  readonly lastCycle;
  readonly stateChanges;
  readonly outageSeconds;
  readonly wanUp;
  readonly wanLinkUp;
  readonly wanSessionUptime;
  readonly wanReconnects;
  readonly wanLastError;
  readonly routerInfo;
  readonly routerUptime;
  readonly pingRtt;
  readonly pingLoss;
  readonly healActions;
  readonly alerts;
  readonly loginAttempts;
  readonly historyWritable;
  readonly pingJitter;
  readonly pingSent;
  readonly pingReceived;
  readonly dnsTime;
  readonly dnsSuccess;
  readonly httpDuration;
  readonly httpStatus;
  readonly portal;
  readonly clockSkew;
  #verdicts = new Set<string>();
  #errors = new Set<string>();
  #lastPppUptime: number | undefined;
  #routerInfoKey: string | undefined;

  constructor(o: MetricsOptions = {}) {
    const registers = [this.registry];
    const g = <T extends string>(name: string, help: string, labelNames: readonly T[] = []) => new Gauge<T>({ name, help, labelNames, registers });
    const c = <T extends string>(name: string, help: string, labelNames: readonly T[] = []) => new Counter<T>({ name, help, labelNames, registers });
    this.internetUp = g('routerctl_internet_up', 'The last cycle found the internet working (verdict ok or degraded)');
    this.state = g('routerctl_state', 'Watch state machine (one-hot)', ['state']);
    this.verdict = g('routerctl_verdict', 'The current primary verdict (one-hot)', ['verdict']);
    this.checkStatus = g('routerctl_check_status', 'Per-check result (one-hot)', ['check', 'layer', 'status']);
    this.checkSuccess = g('routerctl_check_success', '1 when the check passed or warned', ['check', 'layer']);
    this.checkDuration = g('routerctl_check_duration_seconds', 'Time taken by the last run of the check', ['check']);
    this.cycleDuration = new Histogram({
      name: 'routerctl_cycle_duration_seconds',
      help: 'Time taken by a watch cycle',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60],
      registers,
    });
    this.cyclesTotal = c('routerctl_cycles_total', 'Cycles run, by result', ['result']);
    this.lastCycle = g('routerctl_last_cycle_timestamp_seconds', 'When the last cycle ended (for staleness alerts)');
    this.stateChanges = c('routerctl_state_changes_total', 'State machine transitions', ['to']);
    this.outageSeconds = c('routerctl_outage_seconds_total', 'Accumulated down time by cause', ['cause']);
    this.wanUp = g('routerctl_wan_up', 'The WAN session is up');
    this.wanLinkUp = g('routerctl_wan_link_up', 'Carrier on the WAN port');
    this.wanSessionUptime = g('routerctl_wan_session_uptime_seconds', 'Age of the PPP/IPoE session');
    this.wanReconnects = c('routerctl_wan_reconnects_total', 'Observed WAN session resets');
    this.wanLastError = g('routerctl_wan_last_error', "The router's last WAN error (one-hot)", ['code']);
    this.routerInfo = g('routerctl_router_info', 'Router metadata', ['family', 'model', 'firmware', 'wan_proto']);
    this.routerUptime = g('routerctl_router_uptime_seconds', 'Router uptime');
    this.pingRtt = g('routerctl_ping_rtt_seconds', 'Round-trip time of the last echo train', ['target', 'quantile']);
    this.pingLoss = g('routerctl_ping_loss_ratio', 'Loss of the last echo train (0-1)', ['target']);
    this.healActions = c('routerctl_heal_actions_total', 'Heal actions, by action and result', ['action', 'result']);
    this.alerts = c('routerctl_alerts_total', 'Alerts, by channel and result', ['channel', 'result']);
    this.loginAttempts = c('routerctl_router_login_attempts_total', 'Router logins made by the checks', ['result']);
    this.historyWritable = g('routerctl_history_writable', '0 while the history cannot be written');
    this.pingJitter = g('routerctl_ping_jitter_seconds', 'Mean |delta RTT| of the last echo train', ['target']);
    this.pingSent = c('routerctl_ping_sent_total', 'Echoes sent', ['target']);
    this.pingReceived = c('routerctl_ping_received_total', 'Echoes answered', ['target']);
    this.dnsTime = g('routerctl_dns_lookup_time_seconds', 'Time of the last lookup through each resolver', ['resolver']);
    this.dnsSuccess = g('routerctl_dns_success', 'The resolver answered', ['resolver']);
    this.httpDuration = g('routerctl_http_duration_seconds', 'HTTPS probe time by phase', ['target', 'phase']);
    this.httpStatus = g('routerctl_http_status_code', 'HTTP status of the probe (0 = no response)', ['target']);
    this.portal = g('routerctl_portal_detected', 'Captive or provider portal seen (one-hot)', ['kind']);
    this.clockSkew = g('routerctl_router_clock_skew_seconds', "The router's clock minus this computer's");
    const build = g('routerctl_build_info', 'routerctl version', ['version', 'node_version']);
    build.set({ version: version(), node_version: process.version }, 1);
    this.historyWritable.set(1);
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  setState(state: WatchState): void {
    for (const s of WATCH_STATES) this.state.set({ state: s }, s === state ? 1 : 0);
  }

  transition(to: WatchState): void {
    this.stateChanges.inc({ to });
  }

  outage(cause: string, seconds: number): void {
    if (seconds > 0) this.outageSeconds.inc({ cause: label(cause) }, seconds);
  }

  heal(r: HealRecord): void {
    this.healActions.inc({ action: r.action, result: r.result });
  }

  alert(o: AlertOutcome): void {
    this.alerts.inc({ channel: o.channel, result: o.result });
  }

  /** A cycle that produced no report (error, timeout). */
  cycleFailed(seconds: number): void {
    this.cycleDuration.observe(seconds);
    this.cyclesTotal.inc({ result: 'error' });
    this.lastCycle.set(Date.now() / 1000);
    this.internetUp.set(0);
  }

  cycle(report: DiagnoseReport, seconds: number): void {
    const v = report.verdict;
    const result = v.severity === 'ok' ? 'ok' : v.severity === 'warning' ? 'degraded' : 'down';
    this.cycleDuration.observe(seconds);
    this.cyclesTotal.inc({ result });
    this.lastCycle.set(Date.now() / 1000);
    this.internetUp.set(v.severity === 'critical' ? 0 : 1);

    this.#verdicts.add(label(v.id));
    for (const id of this.#verdicts) this.verdict.set({ verdict: id }, id === label(v.id) ? 1 : 0);

    for (const ch of report.checks) {
      const layer = label(ch.layer);
      for (const s of STATUSES) this.checkStatus.set({ check: ch.id, layer, status: s }, s === ch.status ? 1 : 0);
      this.checkSuccess.set({ check: ch.id, layer }, ch.status === 'pass' || ch.status === 'warn' ? 1 : 0);
      if (ch.status !== 'skip') this.checkDuration.set({ check: ch.id }, ch.duration_ms / 1000);
      if (ch.id === 'C05') this.loginAttempts.inc({ result: ch.status === 'pass' || ch.status === 'warn' ? 'success' : ch.status === 'skip' ? 'skipped' : 'failure' });
    }

    const r = report.router;
    if (r) {
      if (r.wan_state !== undefined) this.wanUp.set(r.wan_state === 'up' ? 1 : 0);
      const link = report.checks.find((ch) => ch.id === 'C06');
      if (link && link.status !== 'skip' && link.status !== 'error') this.wanLinkUp.set(link.status === 'fail' ? 0 : 1);
      if (r.ppp_uptime_s !== undefined) {
        this.wanSessionUptime.set(r.ppp_uptime_s);
        if (this.#lastPppUptime !== undefined && r.ppp_uptime_s < this.#lastPppUptime) this.wanReconnects.inc();
        this.#lastPppUptime = r.ppp_uptime_s;
      }
      const code = r.wan_state === 'up' ? 'none' : label(r.ppp_last_error, r.ppp_last_error ? 'other' : 'none');
      this.#errors.add(code);
      for (const e of this.#errors) this.wanLastError.set({ code: e }, e === code ? 1 : 0);
      const info = { family: label(r.family), model: label(r.model?.replace(/\s+/g, '_')), firmware: label(r.firmware?.replace(/\s+/g, '_')), wan_proto: label(r.wan_proto) };
      const key = JSON.stringify(info);
      if (key !== this.#routerInfoKey) {
        this.routerInfo.reset();
        this.routerInfo.set(info, 1);
        this.#routerInfoKey = key;
      }
      if (r.uptime_s !== undefined) this.routerUptime.set(r.uptime_s);
    }

    this.#details(report);
    const f = figures(report.checks);
    for (const [target, ms] of Object.entries(f.latency)) this.pingRtt.set({ target: label(target), quantile: '0.5' }, ms / 1000);
    for (const [target, pct] of Object.entries(f.loss)) this.pingLoss.set({ target: label(target) }, pct / 100);
  }

  /** Figures from the checks' values, where the check reports them (tolerant of missing fields). */
  #details(report: DiagnoseReport): void {
    const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []);
    const name = (e: Record<string, unknown>): string | undefined => {
      const n = e['target'] ?? e['name'];
      return typeof n === 'string' && LABEL_OK.test(n) ? n : undefined;
    };
    for (const ch of report.checks) {
      if (ch.status === 'skip') continue;
      const v = ch.values as Record<string, unknown>;
      if (ch.id === 'C21' || ch.id === 'C04') {
        const trains = ch.id === 'C21' ? list(v['trains']) : [{ ...v, target: 'gateway' }];
        for (const t of trains) {
          const target = name(t);
          if (!target) continue;
          const jit = num(t['jitter_ms']);
          const p95 = num(t['p95_ms']);
          if (jit !== undefined) this.pingJitter.set({ target }, jit / 1000);
          if (p95 !== undefined) this.pingRtt.set({ target, quantile: '0.95' }, p95 / 1000);
          const sent = num(t['sent']);
          const received = num(t['received']);
          if (sent !== undefined) this.pingSent.inc({ target }, sent);
          if (received !== undefined) this.pingReceived.inc({ target }, received);
        }
      } else if (ch.id === 'C17') {
        for (const r of list(v['resolvers'])) {
          const resolver = name(r);
          if (!resolver) continue;
          const ok = r['outcome'] === 'answer' || r['outcome'] === 'nxdomain';
          this.dnsSuccess.set({ resolver }, ok ? 1 : 0);
          const ms = num(r['ms']);
          if (ms !== undefined) this.dnsTime.set({ resolver }, ms / 1000);
        }
      } else if (ch.id === 'C19') {
        for (const p of list(v['probes'])) {
          const target = name(p);
          if (!target) continue;
          this.httpStatus.set({ target }, num(p['status']) ?? 0);
          const phases = p['phases_ms'];
          if (phases && typeof phases === 'object') {
            for (const [phase, ms] of Object.entries(phases as Record<string, unknown>)) {
              if (['resolve', 'connect', 'tls', 'processing', 'transfer'].includes(phase) && num(ms) !== undefined) this.httpDuration.set({ target, phase }, num(ms)! / 1000);
            }
          }
        }
      } else if (ch.id === 'C18') {
        const hit = ch.problems.find((p) => /^portal_(billing|login|router)$/.test(p));
        const kind = ch.status === 'pass' || ch.status === 'warn' ? 'none' : hit ? hit.slice('portal_'.length) : ch.problems.some((p) => p.startsWith('portal')) ? 'unknown' : 'none';
        for (const k of ['none', 'billing', 'login', 'router', 'unknown']) this.portal.set({ kind: k }, k === kind ? 1 : 0);
      } else if (ch.id === 'C13') {
        const skew = num(v['clock_skew_s']);
        if (skew !== undefined) this.clockSkew.set(skew);
      }
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
