// What every check can see: the configuration, the OS (injectable), the flags, the ISP profiles, and
// the facts earlier checks found (gateway, router, WAN settings and state). One router session serves
// all router-side checks; its reads are memoised so parallel checks ask the router once.
import type { WanSample } from './stability.js';
import type { DriverSession, LanInfo, RouterHealth, RouterInfo, WanLink, WanSettings, WanStatus } from '../../drivers/types.js';
import type { Config, DiagnosticsConfig } from '../config/schema.js';
import type { HostEnv } from './host.js';
import type { IspProfile, ProfileChoice } from './isp-profile.js';
import { sleep } from './net/tcp.js';

export interface DiagLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  addSecret?(value: string): void;
}

export interface DiagFlags {
  /** The person says the home-internet password was changed in the provider's cabinet. */
  passwordChanged: boolean;
  throughput: boolean;
  isp?: string | undefined;
}

/** An open router session, as the router phase sees it. */
export interface RouterAccess {
  session: DriverSession;
  host: string;
  httpPort: number;
  family: string;
  /** How the admin login was found: given, saved, default (factory) or prompt. */
  loginSource: string;
  model?: string | undefined;
  firmware?: string | undefined;
  /** The WAN password routerctl saved after the last sync (`--save`), if any. Never printed. */
  savedWanPassword?: () => Promise<string | undefined>;
}

/**
 * Opens the router (discovery + lockout-safe login) and runs `work` inside the session. `signal`
 * aborts when the router phase gives up: whatever is still waiting on the router (lock, login,
 * requests) should end then, so nothing outlives the diagnosis.
 */
export type OpenRouterFn = <R>(work: (access: RouterAccess) => Promise<R>, signal?: AbortSignal) => Promise<R>;

export interface Facts {
  gateway?: string | null | undefined;
  systemResolvers?: string[] | undefined;
  onWifi?: boolean | undefined;
  /** icmp when the system ping works here, tcp otherwise. */
  pingMethod?: 'icmp' | 'tcp' | undefined;
  router?: {
    host: string;
    family: string;
    model?: string | undefined;
    firmware?: string | undefined;
    loginSource: string;
  };
  routerLoginError?: { code: string; message: string } | undefined;
  info?: RouterInfo | undefined;
  wan?: WanSettings | undefined;
  status?: WanStatus | undefined;
  profile?: ProfileChoice | undefined;
  /** How we know (or not) that the PPP password changed: reported, saved_differs, none, unknown. */
  passwordChange?: 'reported' | 'saved_differs' | 'none' | 'unknown' | undefined;
}

export interface DiagContext {
  config: Config;
  cfg: DiagnosticsConfig;
  host: HostEnv;
  flags: DiagFlags;
  profiles: ReadonlyMap<string, IspProfile>;
  facts: Facts;
  /** PEM of diagnostics.probes.caFile, read once. */
  caPem?: string | undefined;
  logger: DiagLogger;
  /** Set while the router phase runs. */
  router?: RouterReads | undefined;
  /** The WAN as the watch saw it over the last day (C10); absent when nothing keeps a history. */
  wanHistory?: (() => Promise<WanSample[]>) | undefined;
  now(): number;
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** Memoised reads of one session: parallel checks share one request each. */
export class RouterReads {
  readonly access: RouterAccess;
  readonly wan: () => Promise<WanSettings>;
  readonly status: () => Promise<WanStatus>;
  readonly info: () => Promise<RouterInfo>;
  readonly link: () => Promise<WanLink | undefined>;
  readonly health: () => Promise<RouterHealth | undefined>;
  readonly lan: () => Promise<LanInfo | undefined>;
  #settled: Promise<{ status: WanStatus; waitedMs: number; polls: number }> | undefined;

  constructor(access: RouterAccess) {
    this.access = access;
    const s = access.session;
    this.wan = memo(() => s.readWan());
    this.status = memo(() => s.wanStatus());
    this.info = memo(() => s.info());
    this.link = memo(async () => (s.wanLink ? s.wanLink() : undefined));
    this.health = memo(async () => (s.routerHealth ? s.routerHealth() : undefined));
    this.lan = memo(async () => (s.lanInfo ? s.lanInfo() : undefined));
  }

  /**
   * The WAN state once it stops "connecting": polled every pollMs for at most waitMs (and never past
   * the signal). Shared by the underlay and PPP checks.
   */
  settledStatus(waitMs: number, pollMs: number, signal: AbortSignal): Promise<{ status: WanStatus; waitedMs: number; polls: number }> {
    this.#settled ??= (async () => {
      const started = performance.now();
      let status = await this.status();
      let polls = 1;
      while (status.state === 'connecting' && performance.now() - started + pollMs <= waitMs && !signal.aborted && polls < 100) {
        await sleep(pollMs, signal);
        if (signal.aborted) break;
        status = await this.access.session.wanStatus();
        polls++;
      }
      return { status, waitedMs: Math.round(performance.now() - started), polls };
    })();
    return this.#settled;
  }
}
