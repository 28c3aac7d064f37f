// The verdict: the first match in the documented order (docs/diagnostics.md §3.3; lowest broken layer
// first), with a confidence (high when the router's and this device's evidence agree), the figures the
// advice quotes, a heal suggestion, and every other warning or failure as a secondary finding.
// Language-neutral: advice.ts turns it into words.
import type { Facts } from './context.js';
import type { IspProfile } from './isp-profile.js';
import type { CheckId, CheckResult, Confidence, Figure, Finding, HealSuggestion, Segment, Severity, Verdict, VerdictId } from './types.js';

export const VERDICT_ORDER: readonly { id: VerdictId; order: number; layer: string; segment: Segment }[] = [
  { id: 'host_offline', order: 1, layer: 'this device', segment: 'device' },
  { id: 'host_no_dhcp', order: 2, layer: 'device ↔ router DHCP', segment: 'device' },
  { id: 'router_unreachable', order: 3, layer: 'LAN path to router', segment: 'router' },
  { id: 'ip_conflict', order: 4, layer: 'addressing', segment: 'router' },
  { id: 'lan_wan_subnet_conflict', order: 4, layer: 'addressing topology', segment: 'router' },
  { id: 'wan_cable', order: 5, layer: 'cable / ONT / ISP port', segment: 'line' },
  { id: 'router_not_configured', order: 6, layer: 'router configuration', segment: 'router' },
  { id: 'wrong_wan_type', order: 6, layer: 'router configuration', segment: 'router' },
  { id: 'isp_access_down', order: 7, layer: 'ISP access network', segment: 'line' },
  { id: 'ppp_auth_failed.password_changed', order: 8, layer: 'PPP session and auth', segment: 'provider' },
  { id: 'ppp_auth_failed', order: 8, layer: 'PPP session and auth', segment: 'provider' },
  { id: 'ppp_down', order: 9, layer: 'PPP session and auth', segment: 'provider' },
  { id: 'account_blocked', order: 10, layer: 'provider account', segment: 'provider' },
  { id: 'ipoe_not_authorized', order: 11, layer: 'provider account', segment: 'provider' },
  { id: 'portal', order: 12, layer: 'HTTP path / captive portal', segment: 'internet' },
  { id: 'isp_upstream_down', order: 13, layer: 'ISP upstream', segment: 'provider' },
  { id: 'dns_failure.router', order: 14, layer: 'name resolution', segment: 'router' },
  { id: 'dns_failure.isp', order: 14, layer: 'name resolution', segment: 'provider' },
  { id: 'dns_failure.all', order: 14, layer: 'name resolution', segment: 'internet' },
  { id: 'partial_connectivity', order: 15, layer: 'TLS path', segment: 'internet' },
  { id: 'mtu_blackhole', order: 15, layer: 'path MTU', segment: 'line' },
  { id: 'clock_wrong', order: 15, layer: 'clock', segment: 'router' },
  { id: 'wan_flapping', order: 16, layer: 'line quality over time', segment: 'line' },
  { id: 'degraded.wifi', order: 17, layer: 'Wi-Fi radio', segment: 'wifi' },
  { id: 'degraded.lan', order: 17, layer: 'LAN path to router', segment: 'router' },
  { id: 'degraded.isp', order: 17, layer: 'ISP network', segment: 'provider' },
  { id: 'degraded.internet', order: 17, layer: 'internet path', segment: 'internet' },
  { id: 'ok', order: 18, layer: 'none', segment: 'internet' },
];

export const VERDICT_IDS: readonly VerdictId[] = VERDICT_ORDER.map((v) => v.id);

export function severityOf(id: VerdictId): Severity {
  if (id === 'ok') return 'ok';
  if (id.startsWith('degraded') || id === 'wan_flapping') return 'warning';
  return 'critical';
}

/** Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN is for a run that could not happen). */
export function exitCodeOf(severity: Severity): 0 | 1 | 2 {
  return severity === 'ok' ? 0 : severity === 'warning' ? 1 : 2;
}

export interface VerdictInput {
  results: readonly CheckResult[];
  facts: Facts;
  profile?: IspProfile | undefined;
  /** Commands for the advice and the heal suggestion (built by the CLI with the user's flags). */
  commands: { syncPassword: string; restore?: string | undefined };
}

export interface Decision {
  verdict: Verdict;
  secondary: Finding[];
}

const SEGMENT_ORDER: readonly Segment[] = ['device', 'wifi', 'router', 'line', 'provider', 'internet'];

type Results = Map<CheckId, CheckResult>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The figures a check's values give for advice and findings (method named on latencies). */
export function figuresOf(r: CheckResult): Figure[] {
  const v = r.values;
  const out: Figure[] = [];
  switch (r.id) {
    case 'C03':
      if (num(v['signal_dbm']) !== undefined) out.push({ kind: 'signal_dbm', value: num(v['signal_dbm'])! });
      break;
    case 'C04':
      if (num(v['median_ms']) !== undefined) out.push({ kind: 'latency_ms', value: num(v['median_ms'])!, method: String(v['method'] ?? '') });
      if (num(v['loss_pct'])) out.push({ kind: 'loss_pct', value: num(v['loss_pct'])! });
      break;
    case 'C09':
      if (num(v['uptime_s']) !== undefined) out.push({ kind: 'seconds', value: num(v['uptime_s'])! });
      break;
    case 'C13':
      if (r.problems.includes('clock_skew') || r.problems.includes('clock_wrong')) out.push({ kind: 'seconds', value: Math.abs(num(v['clock_skew_s']) ?? 0) });
      if (r.problems.includes('high_load')) out.push({ kind: 'load', value: num(v['load1']) ?? `${num(v['cpu_load_pct']) ?? '?'}%` });
      if (r.problems.includes('low_memory')) out.push({ kind: 'mem_mb', value: Math.round((num(v['mem_available_bytes']) ?? 0) / 1048576) });
      break;
    case 'C07':
    case 'C14':
      if (num(v['mtu']) !== undefined) out.push({ kind: 'mtu', value: num(v['mtu'])! });
      break;
    case 'C17': {
      const m = num(obj(v['system'])['median_ms']);
      if (m !== undefined) out.push({ kind: 'dns_ms', value: m });
      const failing = Array.isArray(v['resolvers']) ? (v['resolvers'] as unknown[]).map(obj).filter((x) => x['outcome'] !== 'answer' && x['outcome'] !== 'nxdomain' && x['outcome'] !== 'nodata') : [];
      if (failing.length) out.push({ kind: 'text', value: failing.map((x) => `${String(x['name'])} (${String(x['server'])})`).join(', ') });
      break;
    }
    case 'C19':
      if (num(v['median_ms']) !== undefined) out.push({ kind: 'https_ms', value: num(v['median_ms'])!, method: 'https' });
      break;
    case 'C16': {
      const failed = Array.isArray(v['anchors']) ? (v['anchors'] as unknown[]).map(obj).filter((a) => a['ok'] !== true) : [];
      if (failed.length) out.push({ kind: 'text', value: failed.map((a) => String(a['name'])).join(', ') });
      break;
    }
    case 'C21': {
      const trains = Array.isArray(v['trains']) ? (v['trains'] as unknown[]).map(obj).filter((t) => t['target'] !== 'gateway' || v['segment'] === 'lan') : [];
      const worst = trains.sort((a, b) => (num(b['loss_pct']) ?? 0) - (num(a['loss_pct']) ?? 0) || (num(b['median_ms']) ?? 0) - (num(a['median_ms']) ?? 0))[0];
      if (worst) {
        const method = String(worst['method'] ?? '');
        if (num(worst['median_ms']) !== undefined) out.push({ kind: 'latency_ms', value: num(worst['median_ms'])!, method });
        if (num(worst['loss_pct'])) out.push({ kind: 'loss_pct', value: num(worst['loss_pct'])! });
        if (num(worst['jitter_ms']) !== undefined && r.problems.includes('jitter')) out.push({ kind: 'jitter_ms', value: num(worst['jitter_ms'])!, method });
      }
      break;
    }
    case 'C10':
      if (num(v['per_day']) !== undefined) out.push({ kind: 'text', value: String(num(v['per_day'])) });
      break;
    case 'C22':
      if (num(v['mbps']) !== undefined) out.push({ kind: 'mbps', value: num(v['mbps'])! });
      break;
  }
  return out;
}

const FINDING_FOR: Record<string, string> = {
  cgnat: 'finding.cgnat',
  double_nat: 'finding.double_nat',
  just_reconnected: 'finding.just_reconnected',
  clock_skew: 'finding.clock_skew',
  clock_wrong: 'finding.clock_skew',
  high_load: 'finding.high_load',
  low_memory: 'finding.low_memory',
  mtu_high: 'finding.mtu_high',
  weak_signal: 'finding.weak_wifi',
  slow: 'finding.dns_slow',
  very_slow: 'finding.dns_slow',
  resolver_failed: 'finding.dns_resolver_failing',
  high_latency: 'finding.https_slow',
  very_high_latency: 'finding.https_slow',
  https_failed: 'finding.https_failing',
  inconclusive: 'finding.http_inconclusive',
  loss: 'finding.loss',
  latency: 'finding.loss',
  jitter: 'finding.loss',
  outage: 'finding.loss',
  anchors_partial: 'finding.anchor_partial',
  no_dns_servers: 'finding.no_dns_servers',
  default_admin_password: 'finding.default_admin_password',
  throughput_low: 'finding.throughput_low',
  profile_mismatch: 'finding.profile_mismatch',
  reconnects: 'finding.reconnects',
  upstream_down: 'finding.router_egress_upstream',
  no_egress: 'finding.router_egress_none',
  egress_loss: 'finding.router_egress_loss',
};

function findingOf(r: CheckResult): Finding {
  const status = r.status as Finding['status'];
  let message = 'finding.generic';
  for (const p of r.problems) {
    if (r.id === 'C04' && (p === 'loss' || p === 'latency')) {
      message = 'finding.gateway_slow';
      break;
    }
    if (r.id === 'C19' && p === 'some_failed') {
      message = 'finding.https_failing';
      break;
    }
    if (FINDING_FOR[p]) {
      message = FINDING_FOR[p]!;
      break;
    }
  }
  const figures = figuresOf(r);
  if (message === 'finding.generic') figures.unshift({ kind: 'text', value: `${r.key}: ${r.problems.join(', ') || r.status}` });
  return { check: r.id, key: r.key, status, problems: r.problems, message, figures };
}

export function decide(input: VerdictInput): Decision {
  const R: Results = new Map(input.results.map((r) => [r.id, r]));
  const st = (id: CheckId): CheckResult['status'] | undefined => R.get(id)?.status;
  const has = (id: CheckId, problem: string): boolean => R.get(id)?.problems.includes(problem) ?? false;
  const failed = (id: CheckId): boolean => st(id) === 'fail';
  /** Failed, or cut off by its time box: for probes of the internet both mean "no answer". */
  const down = (id: CheckId): boolean => st(id) === 'fail' || st(id) === 'error';
  const okish = (id: CheckId): boolean => st(id) === 'pass' || st(id) === 'warn';
  const routerKnown = okish('C05');
  const pppUp = okish('C09') || (st('C09') === 'skip' && okish('C08'));
  const params: Record<string, string | number> = {};
  const figures: Figure[] = [];
  let heal: HealSuggestion | undefined;
  let supportCode: string | undefined;
  let confidence: Confidence = 'high';
  const evidence: CheckId[] = [];
  const profile = input.profile;
  const wan = input.facts.wan;

  const pick = (): VerdictId => {
    if (failed('C01')) return evidence.push('C01'), 'host_offline';
    if (failed('C02')) return evidence.push('C02'), 'host_no_dhcp';
    if (failed('C04')) return evidence.push('C04'), 'router_unreachable';
    if (has('C04', 'ip_conflict')) return evidence.push('C04'), 'ip_conflict';
    if (failed('C15')) return evidence.push('C15'), 'lan_wan_subnet_conflict';
    if (failed('C06')) {
      evidence.push('C06');
      if (R.get('C06')?.values['source'] !== 'port') confidence = 'medium';
      if (wan?.proto === 'pppoe') supportCode = '651'; // what a PC dialling PPPoE shows for a dead line
      return 'wan_cable';
    }
    if (failed('C07')) {
      evidence.push('C07');
      if (profile) {
        const proto = profile.wan.proto === 'ipoe' ? 'IPoE (DHCP)' : profile.wan.proto.toUpperCase();
        params['manualProto'] = proto;
        params['manualServer'] = profile.wan.server ?? '';
        params['mtu'] = profile.wan.mtu;
      }
      if (has('C07', 'wrong_proto')) return 'wrong_wan_type';
      if (input.commands.restore) {
        params['command'] = input.commands.restore;
        heal = { action: 'restore_profile', command: input.commands.restore, automatic: false };
      } else heal = { action: 'restore_profile', automatic: false };
      return 'router_not_configured';
    }
    if (failed('C08')) {
      evidence.push('C08');
      supportCode = wan?.proto === 'pppoe' ? '678' : '800';
      confidence = failed('C16') ? 'high' : 'medium';
      return 'isp_access_down';
    }
    if (failed('C09') && has('C09', 'auth_failed')) {
      evidence.push('C09');
      supportCode = '691';
      confidence = failed('C16') || failed('C18') ? 'high' : 'medium';
      params['command'] = input.commands.syncPassword;
      const change = input.facts.passwordChange;
      if (change === 'reported' || change === 'saved_differs') {
        heal = { action: 'sync_password', command: input.commands.syncPassword, automatic: false };
        return 'ppp_auth_failed.password_changed';
      }
      return 'ppp_auth_failed';
    }
    if (failed('C09')) {
      evidence.push('C09');
      const reason = R.get('C09')!.problems.find((p) => p !== 'ppp_down') ?? 'unknown';
      params['reasonCode'] = ['negotiation_failed', 'server_unreachable', 'no_carrier', 'disabled'].includes(reason) ? reason : 'unknown';
      if (reason === 'negotiation_failed') supportCode = '734';
      heal = { action: 'reconnect_wan', automatic: true };
      confidence = failed('C16') ? 'high' : 'medium';
      return 'ppp_down';
    }
    const c18 = R.get('C18');
    if (c18 && failed('C18')) {
      const url = typeof c18.values['portal_url'] === 'string' ? c18.values['portal_url'] : undefined;
      if (url) params['url'] = url;
      if (has('C18', 'portal_billing')) {
        evidence.push('C18');
        if (pppUp) evidence.push('C09');
        confidence = pppUp || profile?.portal.billingHosts.length ? 'high' : 'medium';
        return 'account_blocked';
      }
      if (has('C18', 'portal_login')) return evidence.push('C18'), 'ipoe_not_authorized';
      if (has('C18', 'portal')) {
        evidence.push('C18');
        confidence = 'medium';
        if (!url) params['url'] = 'http://example.com';
        return 'portal';
      }
    }
    // Nothing above TCP answers although connections open (a filtered or black-holed upstream), or
    // no IP anchor answers at all: beyond the provider's edge.
    const nothingAnswers = down('C18') && down('C19') && (down('C17') || st('C17') === 'skip');
    // Rule 13 also holds on the router's own pings (C12) when this device could not probe IP anchors.
    const routerSaysUpstream = pppUp && failed('C12') && has('C12', 'upstream_down');
    if (down('C16') || (okish('C16') && nothingAnswers) || (st('C16') === 'skip' && routerSaysUpstream)) {
      if (st('C16') !== 'skip') evidence.push('C16');
      if (pppUp) evidence.push('C09');
      if (failed('C12')) evidence.push('C12');
      confidence = pppUp ? 'high' : routerKnown ? 'medium' : 'low';
      return 'isp_upstream_down';
    }
    if (down('C17') && (okish('C16') || st('C16') === 'skip')) {
      evidence.push('C17');
      const dnsValues = R.get('C17')!.values;
      const failing = new Set(Array.isArray(dnsValues['failing_roles']) ? (dnsValues['failing_roles'] as string[]) : []);
      const answering = new Set(Array.isArray(dnsValues['answering_roles']) ? (dnsValues['answering_roles'] as string[]) : []);
      confidence = okish('C18') || okish('C19') ? 'high' : 'medium';
      figures.push(...figuresOf(R.get('C17')!));
      if (answering.size === 0) return 'dns_failure.all';
      if (failing.has('isp') && !answering.has('isp')) return 'dns_failure.isp';
      heal = { action: 'restart_dns', automatic: false };
      return 'dns_failure.router';
    }
    if (failed('C13') && has('C13', 'clock_wrong')) {
      evidence.push('C13');
      if (failed('C19')) evidence.push('C19');
      return 'clock_wrong';
    }
    if (failed('C19') && has('C19', 'cert_error') && R.get('C13')?.problems.includes('clock_skew')) return evidence.push('C19', 'C13'), 'clock_wrong';
    if (failed('C20')) {
      evidence.push('C20');
      if (failed('C14')) evidence.push('C14');
      params['mtu'] = profile?.wan.mtu ?? (wan?.proto === 'pppoe' ? 1492 : 1460);
      heal = { action: 'set_mtu', automatic: false };
      confidence = failed('C14') ? 'high' : 'medium';
      return 'mtu_blackhole';
    }
    if (okish('C18') && failed('C19')) {
      evidence.push('C18', 'C19');
      confidence = 'medium';
      return 'partial_connectivity';
    }
    if (failed('C10')) {
      evidence.push('C10');
      figures.push({ kind: 'count', value: num(R.get('C10')!.values['per_hour']) ?? 0 });
      return 'wan_flapping';
    }
    // Degraded: the worst warning, by segment.
    const bad = (id: CheckId): boolean => st(id) === 'warn' || st(id) === 'fail';
    confidence = 'medium';
    if (bad('C03')) return evidence.push('C03'), figures.push(...figuresOf(R.get('C03')!)), 'degraded.wifi';
    if (bad('C04')) return evidence.push('C04'), figures.push(...figuresOf(R.get('C04')!)), 'degraded.lan';
    const c21 = R.get('C21');
    if (c21 && bad('C21')) {
      evidence.push('C21');
      figures.push(...figuresOf(c21));
      return c21.values['segment'] === 'lan' ? 'degraded.lan' : 'degraded.internet';
    }
    const internetWarns: CheckId[] = (['C17', 'C19', 'C16', 'C22', 'C18', 'C20'] as const).filter((id) => (id === 'C17' ? R.get('C17')?.problems.some((p) => p === 'slow' || p === 'very_slow') : bad(id)));
    if (internetWarns.length > 0) {
      for (const id of internetWarns) {
        evidence.push(id);
        figures.push(...figuresOf(R.get(id)!));
      }
      return 'degraded.internet';
    }
    confidence = routerKnown ? 'high' : 'medium';
    return 'ok';
  };

  const id = pick();
  if (!routerKnown && confidence === 'high' && !['host_offline', 'host_no_dhcp', 'router_unreachable'].includes(id)) confidence = 'medium';
  if (figures.length === 0 && id.startsWith('degraded')) figures.push({ kind: 'text', value: '?' });
  const meta = VERDICT_ORDER.find((v) => v.id === id)!;
  const verdict: Verdict = {
    id,
    order: meta.order,
    severity: severityOf(id),
    confidence,
    layer: meta.layer,
    segment: meta.segment,
    evidence: [...new Set(evidence)],
    params,
    figures,
    ...(heal ? { heal } : {}),
    ...(supportCode ? { supportCode } : {}),
  };
  return { verdict, secondary: secondaryFindings(input.results, verdict) };
}

/**
 * Everything else that warned or failed. Failures further along the chain than a critical verdict are
 * its consequences (no PPP → no DNS, no HTTPS …) and are left out; warnings stay.
 */
export function secondaryFindings(results: readonly CheckResult[], verdict: Verdict): Finding[] {
  const critical = verdict.severity === 'critical';
  const cut = SEGMENT_ORDER.indexOf(verdict.segment);
  const out: Finding[] = [];
  for (const r of results) {
    if (r.status !== 'warn' && r.status !== 'fail' && r.status !== 'error') continue;
    if (verdict.evidence.includes(r.id)) continue;
    if (critical && r.status !== 'warn' && SEGMENT_ORDER.indexOf(r.segment) >= cut) continue;
    if (critical && verdict.order <= 9 && SEGMENT_ORDER.indexOf(r.segment) > cut) continue; // no line or PPP: nothing beyond it says anything
    if (r.id === 'C05' && r.status !== 'warn') continue; // told in the report header instead
    out.push(findingOf(r));
  }
  return out.slice(0, 12);
}
