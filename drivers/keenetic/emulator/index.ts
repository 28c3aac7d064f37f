// An emulated Keenetic (KeeneticOS, RCI over HTTP) for tests and the lab, following the checklist of
// doc §9: /auth challenge login with a random cookie, RCI GET/POST/batches with per-node status
// objects, running vs saved configuration, `show log`, and a PPP WAN on the lab ISP.
// Not emulated: the telnet/SSH CLI (doc §5.3), /ci/ text config, /rci/parse, HTTP Basic (README).

import type { EmulatorTimings, IspUpstream, RunningEmulator } from '../../emulator-types.js';
import { AuthManager, type LockoutPolicy } from './auth.js';
import { ConfigStore, initialConfig, type PppProto } from './config.js';
import { startHttpServer, type HttpFault, type HttpsListenerOptions } from './http-server.js';
import { clone, isObj, type JsonObject } from './json.js';
import { PppManager } from './ppp.js';
import type { RciDeps } from './rci.js';
import { Syslog } from './syslog.js';
import { Timers } from './timers.js';

export type KeeneticFault = Exclude<HttpFault, null>;

export interface KeeneticEmulatorOptions {
  host: string;
  httpPort?: number;
  adminUser?: string;
  /** '' = no admin password set: `/auth` answers 200 at once (doc §2.1). */
  adminPassword: string;
  wan: { proto: PppProto; username: string; password: string; server?: string | undefined };
  upstream?: IspUpstream | undefined;
  timings?: Partial<EmulatorTimings> | undefined;
  /** Realm and product code (doc §1; default as in fixture auth-get-401-challenge.http). */
  realm?: string | undefined;
  product?: string | undefined;
  /** Session idle lifetime; default 10 min (doc §2.1). */
  sessionIdleMs?: number | undefined;
  /** Overrides the HTTP lockout policy read from `ip http lockout-policy` (UNVERIFIED, see auth.ts). */
  lockout?: Partial<LockoutPolicy> | undefined;
  /** UNVERIFIED test knob: the lockout answer states the time left in `Retry-After` (see auth.ts). */
  announceLockout?: boolean | undefined;
  /** Also serve HTTPS with this certificate. */
  https?: HttpsListenerOptions | undefined;
}

export interface KeeneticEmulator extends RunningEmulator {
  /** The running configuration (what RCI writes change at once). */
  running(): JsonObject;
  /** The saved (startup) configuration: what survives a reboot (doc §6). */
  saved(): JsonObject;
  /** Reboot fault: running := saved, sessions dropped, the WAN redials. */
  reboot(): void;
  setFault(fault: KeeneticFault | null): void;
  /** POST /auth attempts that failed since start. */
  readonly failedLogins: number;
  /** DELETE /auth calls that ended a session. */
  readonly logouts: number;
  /** Authenticated, unexpired sessions. */
  activeSessions(): number;
  /** `system configuration save` calls so far. */
  readonly saves: number;
  /** The system log, `ident: message` per record (tests). */
  logMessages(): string[];
  /** The device's random session cookie name. */
  readonly cookieName: string;
  /** The HTTPS port when started with `https`. */
  readonly httpsPort: number | undefined;
  /** TLS connections and the plain-text bytes they carried after the handshake (pinning tests). */
  tlsStats(): { connections: number; bytes: number };
  /** A new certificate on the HTTPS port (router reset or replaced). */
  setCertificate(key: string, cert: string): void;
  /** Every web session ends at once, as after the 10-minute idle timeout (doc §2.1). */
  expireSessions(): void;
}

export const DEFAULT_TIMINGS: EmulatorTimings = { dialMs: 1500, redialMs: 5000 };

function minutes(v: unknown, fallback: number): number {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return (Number.isFinite(n) && n > 0 ? n : fallback) * 60_000;
}

export async function startKeeneticEmulator(opts: KeeneticEmulatorOptions): Promise<KeeneticEmulator> {
  const timings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...(opts.timings ?? {}) };
  const adminUser = opts.adminUser ?? 'admin';
  const realm = opts.realm ?? 'Keenetic Hopper';
  const product = opts.product ?? 'Hopper';
  const timers = new Timers();
  const syslog = new Syslog();
  const config = new ConfigStore(initialConfig(opts.wan, 'Keenetic-1575'));
  let bootedAt = Date.now();
  const ppp = new PppManager({ routerId: opts.host, upstream: opts.upstream, timings, timers, syslog, config });

  const lockout = (): LockoutPolicy => {
    // The policy comes from the running configuration (`ip http lockout-policy`), options override.
    const ip = config.running.ip;
    const http = isObj(ip) && isObj(ip.http) ? ip.http : {};
    const p = isObj(http['lockout-policy']) ? http['lockout-policy'] : {};
    const threshold = Number(p.threshold);
    return {
      threshold: opts.lockout?.threshold ?? (Number.isInteger(threshold) && threshold > 0 ? threshold : 5),
      durationMs: opts.lockout?.durationMs ?? minutes(p.duration, 15),
      windowMs: opts.lockout?.windowMs ?? minutes(p['observation-window'], 3),
    };
  };
  const auth = new AuthManager({
    realm,
    product,
    adminUser,
    adminPassword: opts.adminPassword,
    sessionIdleMs: opts.sessionIdleMs ?? 600_000,
    lockout,
    syslog,
    announceLockout: opts.announceLockout,
  });

  const reboot = (): void => {
    config.loadSaved();
    auth.dropAll();
    syslog.clear();
    bootedAt = Date.now();
    ppp.reboot();
  };

  const deps: RciDeps = {
    config,
    ppp,
    syslog,
    // Shape of doc §1 (`show version` fields); values are illustrative for a KN-3810 "Hopper".
    version: () => ({
      release: '4.3.6.3-0',
      sandbox: 'stable',
      title: '4.3.6.3',
      arch: 'aarch64',
      ndm: { exact: '0-0c1e8f2', cdate: '1 Oct 2025' },
      bsp: { exact: '0-3ad2b77', cdate: '1 Oct 2025' },
      ndw: { version: '4.3.6.3', features: 'wifi_button,flexible_menu', components: 'base,ppp,pppoe,l2tp,pptp,pingcheck,components,dhcpd,igmp' },
      manufacturer: 'Keenetic Ltd.',
      vendor: 'Keenetic',
      series: 'KN',
      model: product,
      hw_version: '10000000',
      hw_id: 'KN-3810',
      device: realm,
      region: 'EA',
      description: `${realm} (KN-3810)`,
    }),
    // fixture rci-show-system.response.json, with a live uptime
    system: () => ({
      hostname: 'Keenetic-1575',
      domainname: 'WORKGROUP',
      cpuload: 3,
      memory: '72076/131072',
      swap: '16/131068',
      memtotal: 131072,
      memfree: 7572,
      membuffers: 11872,
      memcache: 39552,
      swaptotal: 131068,
      swapfree: 131052,
      uptime: String(Math.floor((Date.now() - bootedAt) / 1000)),
      conntotal: 16384,
      connfree: 16372,
    }),
    scheduleReboot: (s) => void timers.set(s * 1000, reboot),
  };

  const server = await startHttpServer(opts.host, opts.httpPort ?? 0, auth, deps, opts.https);
  ppp.start();
  let closed = false;

  return {
    family: 'keenetic',
    host: opts.host,
    httpPort: server.port,
    sshPort: undefined,
    adminUser,
    cookieName: auth.cookieName,
    running: () => clone(config.running),
    saved: () => clone(config.saved),
    reboot,
    setFault: (f) => server.setFault(f),
    httpsPort: server.httpsPort,
    tlsStats: () => server.tlsStats(),
    setCertificate: (key, cert) => server.setCertificate(key, cert),
    expireSessions: () => auth.dropAll(),
    get failedLogins() {
      return auth.failedLogins;
    },
    get logouts() {
      return auth.logouts;
    },
    get saves() {
      return config.saves;
    },
    activeSessions: () => auth.activeSessions(),
    logMessages: () => syslog.messages(),
    async close() {
      if (closed) return;
      closed = true;
      timers.closeAll();
      ppp.close();
      await server.close();
    },
  };
}
