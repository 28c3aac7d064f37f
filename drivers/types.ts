// The driver contract: one implementation per router family (drivers/<family>/).
// Drivers never print, never prompt and never read config files: everything comes in through
// Target, Credentials and DriverContext, and failures leave as typed errors (src/core/errors.ts).
import type { Agent as HttpsAgent } from 'node:https';
import type { RouterctlError } from '../src/core/errors.js';

export type Family = string;

/** Where a router answers. Ports default from config; the lab uses non-standard ones. */
export interface Target {
  host: string;
  httpPort: number;
  httpsPort?: number | undefined;
  sshPort?: number | undefined;
  /** Prefer HTTPS when both answer. */
  https?: boolean | undefined;
}

export interface Credentials {
  username: string;
  password: string;
}

/** What discovery saw at one address, before any login. Input to every driver's fingerprint. */
export interface Probe {
  host: string;
  http?: HttpProbe | undefined;
  https?: HttpProbe | undefined;
  ssh?: { port: number; banner: string } | undefined;
  /** Answers to the extra requests that drivers declared in `fingerprint.requests`, by request id. */
  extra: Record<string, HttpProbe | undefined>;
}

export interface HttpProbe {
  port: number;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Body text, truncated to a bounded size by discovery. */
  body: string;
}

/** An extra unauthenticated HTTP request a driver wants discovery to make (declarative, no I/O in drivers). */
export interface ProbeRequest {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
}

export interface FingerprintResult {
  family: Family;
  model?: string | undefined;
  firmware?: string | undefined;
  /** 0..1: how sure the match is. */
  confidence: number;
  /** Which signals matched, for humans and tests. */
  evidence: string[];
}

export interface FingerprintSpec {
  requests: ProbeRequest[];
  /** Pure: no I/O. Returns null when nothing of this family is seen. */
  match(probe: Probe): FingerprintResult | null;
}

export type WanProto = 'pppoe' | 'l2tp' | 'pptp' | 'dhcp' | 'static' | 'other';
export const PASSWORD_PROTOS: ReadonlySet<WanProto> = new Set(['pppoe', 'l2tp', 'pptp']);

export interface WanSettings {
  /** The router's own name of the WAN interface (OpenWrt section, Keenetic interface id...). */
  interface: string;
  proto: WanProto;
  /** The router's raw protocol name, when it differs from `proto`. */
  rawProto?: string | undefined;
  username?: string | undefined;
  server?: string | undefined;
  mtu?: number | undefined;
  hasPassword: boolean;
  /** Present only when explicitly asked for with readWan({ withPassword: true }). */
  password?: string | undefined;
}

export type WanState = 'up' | 'connecting' | 'down';
export type WanDownReason =
  | 'auth_failed'
  | 'no_carrier'
  | 'server_unreachable'
  | 'disabled'
  | 'negotiation_failed'
  | 'unknown';

export interface WanStatus {
  state: WanState;
  reason?: WanDownReason | undefined;
  ipv4?: string | undefined;
  gateway?: string | undefined;
  dns?: string[] | undefined;
  uptimeSeconds?: number | undefined;
  /** The router's own error codes/messages, e.g. ["AUTH_TOPEER_FAILED"]. Never secrets. */
  rawErrors?: string[] | undefined;
}

export interface RouterInfo {
  family: Family;
  vendor: string;
  model?: string | undefined;
  firmware?: string | undefined;
  hostname?: string | undefined;
  uptimeSeconds?: number | undefined;
}

/**
 * An opaque snapshot of everything a change may touch. `settings` must be deterministic
 * (no timestamps, stable key order) so two backups of the same settings are byte-identical.
 * It holds secrets: callers store it 0600.
 */
export interface Backup {
  family: Family;
  format: 1;
  settings: Record<string, unknown>;
}

/**
 * A change applied with the family's native safety. For families with a confirm step
 * (OpenWrt apply+rollback) the change reverts by itself unless confirmed in time.
 */
export interface PendingChange {
  /** Seconds until the router reverts the change on its own; undefined if it never does. */
  autoRevertSeconds?: number | undefined;
  confirm(): Promise<void>;
  rollback(): Promise<void>;
}

/** The WAN port's physical link, as far as the router tells it (diagnostics). */
export interface WanLink {
  /** Link on the port; undefined when the router does not say. */
  carrier?: boolean | undefined;
  speedMbps?: number | undefined;
  fullDuplex?: boolean | undefined;
  /** The router's name of the port or device (e.g. "wan", "GigabitEthernet1"). */
  device?: string | undefined;
}

/** The router's own health (diagnostics). Every field is optional: report what the family knows. */
export interface RouterHealth {
  uptimeSeconds?: number | undefined;
  /** The router's clock as seconds since the epoch, as the router reports it. */
  clockSeconds?: number | undefined;
  /** true when clockSeconds is local time (OpenWrt's `localtime`), not UTC: a whole-zone offset is no skew. */
  clockIsLocal?: boolean | undefined;
  load1?: number | undefined;
  cpuCount?: number | undefined;
  /** CPU use in percent, for families that report that instead of a load average. */
  cpuLoadPercent?: number | undefined;
  memTotalBytes?: number | undefined;
  memAvailableBytes?: number | undefined;
}

/** The router's home-network subnets (diagnostics: overlap with the provider's side). */
export interface LanInfo {
  subnets: { address: string; prefix: number }[];
}

/** One target pinged from the router itself (diagnostics C12). */
export interface RouterPing {
  host: string;
  /** Echo requests sent; 0 when none could be (no route, bad address). */
  sent: number;
  received: number;
  /** Mean round trip of the answers (busybox prints min/avg/max, no median). */
  rttAvgMs?: number | undefined;
  /** Why nothing was sent or the result is unknown (e.g. "Network unreachable"); never secrets. */
  error?: string | undefined;
}

export interface RouterPingOptions {
  /** Echo requests per host (the hosts are pinged in parallel). */
  count: number;
  /** The whole call's bound; hosts still running then count what they have (nothing). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** pingFromRouter's answer: results per host, or why this router will not run pings for us. */
export type RouterPingOutcome = { ok: true; results: RouterPing[] } | { ok: false; reason: string };

export type Capability = 'readWan' | 'wanStatus' | 'backup' | 'setWanCredentials' | 'reconnectWan' | 'reboot';

export interface DriverSession {
  readonly capabilities: ReadonlySet<Capability>;
  info(): Promise<RouterInfo>;
  readWan(opts?: { withPassword?: boolean }): Promise<WanSettings>;
  wanStatus(): Promise<WanStatus>;
  backup(): Promise<Backup>;
  /** Puts the settings of `backup` back, saved and applied. */
  restore(backup: Backup): Promise<void>;
  setWanCredentials(change: { username?: string; password: string }, opts?: { confirmWindowSeconds?: number }): Promise<PendingChange>;
  reconnectWan(): Promise<void>;
  /** Optional, for diagnostics: a family that cannot answer leaves it out (the check is skipped). */
  wanLink?(): Promise<WanLink>;
  routerHealth?(): Promise<RouterHealth>;
  lanInfo?(): Promise<LanInfo>;
  /**
   * Pings IP literals (v4/v6) from the router itself. A family that cannot leaves it out; one whose
   * login lacks the right (an ACL) answers { ok: false, reason }. Other hosts are refused (usage error).
   */
  pingFromRouter?(hosts: readonly string[], opts: RouterPingOptions): Promise<RouterPingOutcome>;
  /** Always safe to call, also after errors; logs out. */
  close(): Promise<void>;
}

export interface DriverLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/**
 * How a driver trusts a router's HTTPS certificate and SSH host key (src/transport/trust.ts): pinned
 * per router, trusted on first use, a changed one refused until `routerctl trust`.
 */
export interface TransportTrust {
  /** An agent that accepts only the pinned certificate of host:port (the first one seen when none is pinned yet). */
  httpsAgentFor(host: string, port: number): HttpsAgent;
  /** A node-ssh `hostVerifier` with the same rule; `rejection()` explains a refused key. */
  sshHostVerifier(host: string, port: number): ((key: Buffer) => boolean) & { rejection?: (() => RouterctlError | undefined) | undefined };
}

export interface DriverContext {
  logger: DriverLogger;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /** Largest response body accepted from a router. */
  maxResponseBytes: number;
  /** Which transport to use when a family has more than one (OpenWrt: 'http' or 'ssh'). */
  transport?: 'http' | 'ssh' | undefined;
  /**
   * Certificate and host-key pinning. Absent (library use, tests): each connection pins the first
   * certificate it sees in memory; nothing is stored.
   */
  trust?: TransportTrust | undefined;
  /**
   * The caller gave up (diagnose's router phase ran out of time): the login and every request in
   * flight end at once, so no socket outlives the caller; the logout still gets a short try.
   */
  signal?: AbortSignal | undefined;
}

export interface Driver {
  family: Family;
  vendor: string;
  /** The admin user name this family uses when none is given (OpenWrt: root). */
  defaultUser: string;
  /**
   * The longest WAN user name/password, in UTF-8 bytes, the router stores exactly (ASUS nvram_check: 64).
   * Longer values are refused with a usage error before anything is sent. Absent: no such limit.
   */
  maxCredentialBytes?: number | undefined;
  fingerprint: FingerprintSpec;
  connect(target: Target, credentials: Credentials, ctx: DriverContext): Promise<DriverSession>;
}
