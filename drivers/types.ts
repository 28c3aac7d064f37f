// The driver contract: one implementation per router family (drivers/<family>/).
// Drivers never print, never prompt and never read config files: everything comes in through
// Target, Credentials and DriverContext, and failures leave as typed errors (src/core/errors.ts).

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
  /** Always safe to call, also after errors; logs out. */
  close(): Promise<void>;
}

export interface DriverLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface DriverContext {
  logger: DriverLogger;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /** Largest response body accepted from a router. */
  maxResponseBytes: number;
  /** Which transport to use when a family has more than one (OpenWrt: 'http' or 'ssh'). */
  transport?: 'http' | 'ssh' | undefined;
}

export interface Driver {
  family: Family;
  vendor: string;
  /** The admin user name this family uses when none is given (OpenWrt: root). */
  defaultUser: string;
  fingerprint: FingerprintSpec;
  connect(target: Target, credentials: Credentials, ctx: DriverContext): Promise<DriverSession>;
}
