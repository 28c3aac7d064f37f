// Why: the public entry point. Wires the emulated OpenWrt router together: uci storage, rpcd (session + uci),
// netifd, procd's system object, uhttpd (/ubus, LuCI pages) and dropbear, all on one loopback address.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import type { EmulatorTimings, IspUpstream, RunningEmulator } from '../../emulator-types.js';
import { createShellHost } from './commands.js';
import { startHttpServer, type HttpFault, type HttpsListenerOptions } from './http-server.js';
import { dhcpConfig, networkConfig, OPENWRT_RELEASE, rpcdConfig, systemConfig } from './initial-config.js';
import { Netifd } from './netifd.js';
import { busyboxPing, type Reachability } from './ping.js';
import { LUCI_DIAGNOSTICS_GROUP, SessionManager } from './rpcd-session.js';
import { RpcdUci } from './rpcd-uci.js';
import { Shell } from './shell.js';
import { startSshServer, type SshServerHandle } from './ssh-server.js';
import { Syslog } from './syslog.js';
import { fileObject, rcObject, rpcSysObject, systemObject } from './system.js';
import { Timers } from './timers.js';
import { Ubus } from './ubus.js';
import { lookup, optionString, parsePtr } from './uci-model.js';
import { UciStore } from './uci-store.js';

export interface OpenWrtEmulatorOptions {
  host: string; // loopback only, e.g. '127.0.1.1' (Linux routes all of 127/8 to lo)
  httpPort?: number; // default 0 = ephemeral
  sshPort?: number | null; // null/undefined = no SSH server; 0 = ephemeral
  rootPassword: string;
  hostname?: string; // default 'OpenWrt'
  wan: { proto: 'pppoe' | 'l2tp' | 'pptp' | 'dhcp' | 'static'; username?: string; password?: string; server?: string; device?: string; authfail?: boolean };
  upstream?: IspUpstream; // the lab ISP; without it a PPP WAN never comes up (no carrier)
  timings?: Partial<EmulatorTimings>; // defaults: dialMs 3000, redialMs 5000 (realistic); tests pass ~50ms
  sessionTimeoutSeconds?: number; // rpcd default 300
  /** Optional read-only rpcd login 'viewer' (md5-crypt hash in /etc/config/rpcd, ACL group lab-viewer). */
  viewerPassword?: string;
  /** Also serve HTTPS (uhttpd listen_https) with this certificate; optionally redirect HTTP there. */
  https?: HttpsListenerOptions;
  /**
   * What a ping from the router reaches while its WAN is up (the lab's network model); absent = every
   * address answers. With the WAN down busybox says "Network unreachable" either way.
   */
  reachable?: Reachability;
  /** Install LuCI's network-diagnostics ACL group (file exec of /bin/ping…), as a router with LuCI has. */
  luciDiagnosticsAcl?: boolean;
}

export interface OpenWrtEmulator extends RunningEmulator {
  /** Committed value from /etc/config/<pkg> (not staged), for tests. */
  getCommitted(pkg: string, section: string, option: string): string | undefined;
  /** `uci export <pkg>` text of the committed config (deterministic), for byte-for-byte comparisons. */
  exportCommitted(pkg: string): string;
  /** Simple fault switches for tests: 'ubus_500' (HTTP 500 on /ubus), 'garbage' (non-JSON 200 body), 'hang' (never answer), 'drop' (destroy socket). */
  setFault(fault: 'ubus_500' | 'garbage' | 'hang' | 'drop' | null): void;
  /** Number of session.login calls that failed (wrong password), for lockout tests. */
  readonly failedLogins: number;
  /** The HTTPS port when started with `https`. */
  readonly httpsPort: number | undefined;
  /** TLS connections and the plain-text bytes they carried after the handshake (pinning tests: a refused pin sends 0). */
  tlsStats(): { connections: number; bytes: number };
  /** A new certificate on the HTTPS port (router reset or replaced), for new connections. */
  setCertificate(key: string, cert: string): void;
  /** Reboot now, as `reboot` over SSH/ubus does: sessions, pending apply and staging gone, netifd restarts. */
  reboot(): void;
  /** Every login session ends at once, as after rpcd's idle timeout (staged changes go with them). */
  expireSessions(): void;
  /** An `uci apply` with rollback waits for its confirmation (its timer will revert it otherwise). */
  hasPendingApply(): boolean;
}

const DEFAULT_TIMINGS: EmulatorTimings = { dialMs: 3000, redialMs: 5000 };

/**
 * Loopback (127/8) only — except inside a named network namespace (`ip netns exec`, used by the e2e discovery
 * test), recognised like `ip netns identify` does (same inode as a /run/netns entry): nothing can leak from there.
 */
function assertSafeHost(host: string): void {
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return;
  let inNamedNetns: boolean;
  try {
    const self = statSync('/proc/self/ns/net');
    inNamedNetns = readdirSync('/run/netns').some((f) => {
      const st = statSync(`/run/netns/${f}`);
      return st.ino === self.ino && st.dev === self.dev;
    });
  } catch {
    inNamedNetns = false;
  }
  if (!inNamedNetns) throw new Error(`the OpenWrt emulator listens on 127.0.0.0/8 only (or inside an \`ip netns\` namespace), got ${host}`);
}

export async function startOpenWrtEmulator(opts: OpenWrtEmulatorOptions): Promise<OpenWrtEmulator> {
  assertSafeHost(opts.host);
  const timings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const timers = new Timers();
  const bootTime = Date.now();
  const syslog = new Syslog(bootTime);
  const store = new UciStore({
    network: networkConfig(opts.wan),
    system: systemConfig(opts.hostname ?? 'OpenWrt'),
    dhcp: dhcpConfig(),
    rpcd: rpcdConfig(opts.viewerPassword, randomBytes(6).toString('base64').replace(/[+/=]/g, '.').slice(0, 8)),
  });
  const bus = new Ubus();
  let failedLogins = 0;
  const rootPassword = opts.rootPassword;

  const hostname = (): string => {
    const sys = store.committed('system')?.sections.find((s) => s.type === 'system');
    return optionString(sys?.options.find((o) => o.name === 'hostname')) ?? 'OpenWrt';
  };

  const netifd = new Netifd({
    routerId: opts.host,
    upstream: opts.upstream,
    timings,
    timers,
    syslog,
    readConfig: () => store.committed('network'),
    idFor: (n) => bus.idFor(n),
  });

  // procd: config.change events turn into service reloads (only netifd matters here). The capture ran
  // without procd, so nothing reloaded there (README); a real router reloads on commit/apply (openwrt.md §4.1).
  const configChanged = (pkg: string): void => {
    if (pkg === 'network') timers.set(0, () => netifd.reload());
  };
  const rpcdUci = new RpcdUci({ store, sessions: () => sessions, timers, configChanged });
  const sessions: SessionManager = new SessionManager({
    store,
    shadow: (user) => (user === 'root' ? rootPassword : undefined),
    applySid: () => rpcdUci.pendingApplySid(),
    onDestroy: (sid) => store.dropOwner(`session:${sid}`),
    onLoginFailed: () => failedLogins++,
    defaultTimeout: opts.sessionTimeoutSeconds ?? 300,
    extraGroups: opts.luciDiagnosticsAcl ? [LUCI_DIAGNOSTICS_GROUP] : [],
  });

  const reboot = (): void => {
    syslog.log('user.notice', 'reboot', 'emulated reboot requested');
    timers.set(100, () => {
      sessions.clear();
      rpcdUci.forgetApply();
      store.dropOwner('cli');
      host.fs.tmp.clear();
      syslog.kernel('Booting Linux on physical CPU 0x0000000000 [0x410fd034]');
      netifd.restart();
    });
  };

  const staticFiles: Record<string, string> = {
    '/etc/openwrt_release': OPENWRT_RELEASE,
    '/etc/openwrt_version': 'r32353-9e9b05130c\n',
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/ash\ndaemon:*:1:1:daemon:/var:/bin/false\nnobody:*:65534:65534:nobody:/var:/bin/false\n',
  };
  const host = createShellHost({ store, bus, netifd: () => netifd, syslog, staticFiles, reboot, reachable: opts.reachable });
  const idFor = (n: string): number => bus.idFor(n);
  bus.provide(() => [
    fileObject({
      sessions: () => sessions,
      readFile: (p) => host.fs.read(p),
      idFor,
      exec: (path, params) => (path === '/bin/ping' ? busyboxPing(['ping', ...params], { online: () => netifd.online(), reachable: opts.reachable }) : undefined),
    }),
    rcObject(idFor),
    rpcSysObject(idFor, reboot),
    sessions.ubusObject(idFor('session')),
    systemObject({ hostname, bootTime, reboot, idFor }),
    rpcdUci.object(idFor('uci')),
    ...netifd.objects(),
  ]);

  syslog.kernel('Booting Linux on physical CPU 0x0000000000 [0x410fd034]');
  syslog.log('daemon.info', 'procd', '- init complete -');
  netifd.start();

  const closers: (() => Promise<void>)[] = [];
  try {
    const http = await startHttpServer(opts.host, opts.httpPort ?? 0, { bus, sessions: () => sessions, hostname }, opts.https);
    closers.push(() => http.close());
    let ssh: SshServerHandle | undefined;
    if (opts.sshPort !== null && opts.sshPort !== undefined) {
      ssh = await startSshServer({
        host: opts.host,
        port: opts.sshPort,
        rootPassword: () => rootPassword,
        shell: () => {
          const sh = new Shell(host, { HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/ash', PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PWD: '/root' });
          return { run: (cmd, io) => sh.run(cmd, io), hostname };
        },
      });
      closers.push(() => ssh!.close());
    }
    let closed = false;
    return {
      family: 'openwrt',
      host: opts.host,
      httpPort: http.port,
      sshPort: ssh?.port,
      adminUser: 'root',
      getCommitted(pkg, section, option) {
        const p = store.committed(pkg);
        if (!p) return undefined;
        try {
          const ptr = parsePtr(`${pkg}.${section}.${option}`);
          return optionString(lookup(p, ptr).o);
        } catch {
          return undefined;
        }
      },
      exportCommitted(pkg) {
        const text = store.fileText(pkg);
        return text === undefined ? '' : `package ${pkg}\n${text}`;
      },
      setFault(fault: HttpFault) {
        http.setFault(fault);
      },
      activeSessions: () => sessions.liveCount(),
      get failedLogins() {
        return failedLogins;
      },
      httpsPort: http.httpsPort,
      tlsStats: () => http.tlsStats(),
      setCertificate: (key, cert) => http.setCertificate(key, cert),
      reboot,
      expireSessions: () => sessions.clear(),
      hasPendingApply: () => rpcdUci.pendingApplySid() !== undefined,
      async close() {
        if (closed) return;
        closed = true;
        timers.closeAll();
        netifd.close();
        await Promise.all(closers.map((c) => c().catch(() => undefined)));
      },
    };
  } catch (e) {
    timers.closeAll();
    netifd.close();
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    throw e;
  }
}
