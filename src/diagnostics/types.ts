// Shared shapes of `routerctl diagnose`: a check's result, the verdict, the whole report.
// The report's JSON shape is versioned (REPORT_SCHEMA) and documented in README.md; change it only
// by adding fields, or bump the version.

export const REPORT_SCHEMA = 'routerctl.diagnose/1';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'error';

export type CheckId =
  | 'C01' | 'C02' | 'C03' | 'C04' | 'C05' | 'C06' | 'C07' | 'C08' | 'C09' | 'C10' | 'C11'
  | 'C12' | 'C13' | 'C14' | 'C15' | 'C16' | 'C17' | 'C18' | 'C19' | 'C20' | 'C21' | 'C22';

export type PhaseName = 'host' | 'lan' | 'router' | 'internet' | 'throughput';

/** Where on the chain a check looks: Your device → Wi-Fi → Router → Provider line → Provider → Internet. */
export type Segment = 'device' | 'wifi' | 'router' | 'line' | 'provider' | 'internet';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What a check's code returns; the runner adds id, layer, timing and skips. */
export interface CheckOutcome {
  status: Exclude<CheckStatus, 'skip'> | 'skip';
  /** Typed problem codes, e.g. "auth_failed", "timeout", "portal_billing". */
  problems?: string[] | undefined;
  /** Measured values (with the method named where it is a latency: icmp, tcp, http). Never secrets. */
  values?: Record<string, Json | undefined> | undefined;
  thresholds?: Record<string, Json | undefined> | undefined;
  /** Why a check did not run (status skip), in English for technicians. */
  skippedReason?: string | undefined;
}

export interface CheckResult {
  id: CheckId;
  key: string;
  layer: string;
  segment: Segment;
  phase: PhaseName;
  status: CheckStatus;
  problems: string[];
  values: Record<string, Json>;
  thresholds: Record<string, Json>;
  duration_ms: number;
  skipped_reason?: string | undefined;
}

export type Severity = 'ok' | 'warning' | 'critical';
export type Confidence = 'high' | 'medium' | 'low';

export type VerdictId =
  | 'host_offline'
  | 'host_no_dhcp'
  | 'router_unreachable'
  | 'ip_conflict'
  | 'lan_wan_subnet_conflict'
  | 'wan_cable'
  | 'router_not_configured'
  | 'wrong_wan_type'
  | 'isp_access_down'
  | 'ppp_auth_failed.password_changed'
  | 'ppp_auth_failed'
  | 'ppp_down'
  | 'account_blocked'
  | 'ipoe_not_authorized'
  | 'portal'
  | 'isp_upstream_down'
  | 'dns_failure.router'
  | 'dns_failure.isp'
  | 'dns_failure.all'
  | 'partial_connectivity'
  | 'mtu_blackhole'
  | 'clock_wrong'
  | 'wan_flapping'
  | 'degraded.wifi'
  | 'degraded.lan'
  | 'degraded.isp'
  | 'degraded.internet'
  | 'ok';

export interface HealSuggestion {
  action: 'sync_password' | 'reconnect_wan' | 'restore_profile' | 'set_mtu' | 'restart_dns';
  /** The command a person (or a script) runs for it, when routerctl has one. */
  command?: string | undefined;
  /** Whether routerctl may do it on its own (watch --heal); false = only when the person agrees. */
  automatic: boolean;
}

export interface Verdict {
  id: VerdictId;
  /** Position in the documented order (1 = lowest broken layer). */
  order: number;
  severity: Severity;
  confidence: Confidence;
  layer: string;
  segment: Segment;
  /** The checks that decided it. */
  evidence: CheckId[];
  /** Values the advice texts use ({command}, {url}, {mtu}, {reason} ...). Never secrets. */
  params: Record<string, string | number>;
  /** Measured figures the advice quotes (rendered per language). */
  figures: Figure[];
  heal?: HealSuggestion | undefined;
  /** The code the provider's support asks for (Windows dialler style: 691, 678, ...). */
  supportCode?: string | undefined;
}

export type FigureKind = 'dns_ms' | 'https_ms' | 'latency_ms' | 'loss_pct' | 'jitter_ms' | 'signal_dbm' | 'mbps' | 'mtu' | 'seconds' | 'load' | 'mem_mb' | 'count' | 'text';

export interface Figure {
  kind: FigureKind;
  value: number | string;
  /** How it was measured (icmp, tcp, http, https): named on every latency. */
  method?: string | undefined;
}

export interface Finding {
  check: CheckId;
  key: string;
  status: 'warn' | 'fail' | 'error';
  problems: string[];
  /** The catalogue message for it (finding.<problem> or finding.generic). */
  message: string;
  figures: Figure[];
}

export interface PhaseTiming {
  phase: PhaseName;
  duration_ms: number;
  /** The phase hit its bound: its unfinished checks were stopped. */
  timed_out: boolean;
}

export interface RouterFacts {
  host?: string | undefined;
  family?: string | undefined;
  model?: string | undefined;
  firmware?: string | undefined;
  login?: string | undefined;
  wan_proto?: string | undefined;
  wan_server?: string | undefined;
  wan_state?: string | undefined;
  ppp_last_error?: string | undefined;
  ppp_uptime_s?: number | undefined;
  uptime_s?: number | undefined;
}
