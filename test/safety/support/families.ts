// What the fault matrix needs to know about each registered family: how to start its emulator on a
// loopback address, how to reboot it and end its sessions, where it keeps the WAN credentials
// (running and persisted), and which HTTP requests write or apply. A new family joins by one entry;
// the matrix fails for a registered family without one.
import type { IspUpstream } from '../../../drivers/emulator-types.js';
import { startAsuswrtEmulator } from '../../../drivers/asuswrt/emulator/index.js';
import { startKeeneticEmulator } from '../../../drivers/keenetic/emulator/index.js';
import { startMikrotikEmulator } from '../../../drivers/mikrotik/emulator/index.js';
import { startOpenWrtEmulator } from '../../../drivers/openwrt/emulator/index.js';
import type { ProxiedRequest } from './fault-proxy.js';

export interface Creds {
  username: string | undefined;
  password: string | undefined;
}

export interface MatrixRouter {
  httpPort: number;
  adminUser: string;
  failedLogins(): number;
  reboot(): void;
  expireSessions(): void;
  /** What the WAN runs with now, and what survives a reboot. */
  creds(): { running: Creds; persisted: Creds };
  /** A change the router will undo by itself is still waiting (OpenWrt apply with rollback). */
  pendingRevert(): boolean;
  close(): Promise<void>;
}

export interface MatrixFamily {
  start(o: { host: string; adminPassword: string; wan: { username: string; password: string }; isp: IspUpstream }): Promise<MatrixRouter>;
  /** A request that changes something (the `set` step's fault hits the first one). */
  isWrite(req: ProxiedRequest): boolean;
  /** The request that makes the change take effect (the `apply` step's fault hits it). */
  isApply(req: ProxiedRequest): boolean;
}

const TIMINGS = { dialMs: 30, redialMs: 60 };

function ubusCall(req: ProxiedRequest): [string, string] | undefined {
  try {
    const j = JSON.parse(req.body) as { method?: unknown; params?: unknown };
    if (j.method !== 'call' || !Array.isArray(j.params)) return undefined;
    return [String(j.params[1]), String(j.params[2])];
  } catch {
    return undefined;
  }
}

const OPENWRT_READS = new Set(['get', 'changes', 'configs', 'status', 'dump', 'board', 'info', 'access', 'list']);

export const MATRIX_FAMILIES: Record<string, MatrixFamily> = {
  openwrt: {
    async start(o) {
      const emu = await startOpenWrtEmulator({
        host: o.host,
        httpPort: 0,
        sshPort: null,
        rootPassword: o.adminPassword,
        wan: { proto: 'pppoe', username: o.wan.username, password: o.wan.password },
        upstream: o.isp,
        timings: TIMINGS,
      });
      const creds = (): Creds => ({ username: emu.getCommitted('network', 'wan', 'username'), password: emu.getCommitted('network', 'wan', 'password') });
      return {
        httpPort: emu.httpPort,
        adminUser: 'root',
        failedLogins: () => emu.failedLogins,
        reboot: () => emu.reboot(),
        expireSessions: () => emu.expireSessions(),
        // /etc/config is what netifd runs with and what a reboot keeps.
        creds: () => ({ running: creds(), persisted: creds() }),
        pendingRevert: () => emu.hasPendingApply(),
        close: () => emu.close(),
      };
    },
    isWrite(req) {
      const c = ubusCall(req);
      return c !== undefined && c[0] !== 'session' && !OPENWRT_READS.has(c[1]);
    },
    isApply(req) {
      const c = ubusCall(req);
      return c !== undefined && c[0] === 'uci' && c[1] === 'apply';
    },
  },
  keenetic: {
    async start(o) {
      const emu = await startKeeneticEmulator({
        host: o.host,
        httpPort: 0,
        adminPassword: o.adminPassword,
        wan: { proto: 'pppoe', username: o.wan.username, password: o.wan.password },
        upstream: o.isp,
        timings: TIMINGS,
      });
      const of = (cfg: unknown): Creds => {
        const auth = (cfg as { interface?: { PPPoE0?: { authentication?: { identity?: unknown; password?: unknown } } } }).interface?.PPPoE0?.authentication;
        return {
          username: typeof auth?.identity === 'string' ? auth.identity : undefined,
          password: typeof auth?.password === 'string' ? auth.password : undefined,
        };
      };
      return {
        httpPort: emu.httpPort,
        adminUser: 'admin',
        failedLogins: () => emu.failedLogins,
        reboot: () => emu.reboot(),
        expireSessions: () => emu.expireSessions(),
        creds: () => ({ running: of(emu.running()), persisted: of(emu.saved()) }),
        pendingRevert: () => false,
        close: () => emu.close(),
      };
    },
    isWrite(req) {
      return req.method === 'POST' && req.path.startsWith('/rci');
    },
    // The redial batch (interface down, then up) after the credentials were saved.
    isApply(req) {
      return req.method === 'POST' && req.path.startsWith('/rci') && /"up":false/.test(req.body);
    },
  },  mikrotik: {
    async start(o) {
      const emu = await startMikrotikEmulator({
        host: o.host,
        httpPort: 0,
        adminPassword: o.adminPassword,
        wan: { proto: 'pppoe', username: o.wan.username, password: o.wan.password },
        upstream: o.isp,
        timings: TIMINGS,
      });
      const creds = (): Creds => {
        const item = emu.clients()['pppoe-client'][0];
        return { username: item?.user, password: item?.password };
      };
      return {
        httpPort: emu.httpPort,
        adminUser: 'admin',
        failedLogins: () => emu.failedLogins,
        reboot: () => emu.reboot(),
        // Basic auth has no login session: this drops the keep-alive connections.
        expireSessions: () => emu.expireSessions(),
        // RouterOS writes every change to its configuration at once: what runs is what a reboot keeps.
        creds: () => ({ running: creds(), persisted: creds() }),
        pendingRevert: () => false,
        close: () => emu.close(),
      };
    },
    // The universal `set` command (and PATCH, which the driver does not use).
    isWrite(req) {
      return req.path.startsWith('/rest/') && ((req.method === 'POST' && !/\/monitor(\?|$)/.test(req.path)) || req.method === 'PATCH');
    },
    // The redial after the credentials were set: the client is disabled, then enabled.
    isApply(req) {
      return req.method === 'POST' && /^\/rest\/interface\/[a-z0-9-]+-client\/disable(\?|$)/.test(req.path);
    },
  },
  asuswrt: {
    async start(o) {
      const emu = await startAsuswrtEmulator({
        host: o.host,
        httpPort: 0,
        adminPassword: o.adminPassword,
        wan: { proto: 'pppoe', username: o.wan.username, password: o.wan.password },
        upstream: o.isp,
        // restart_wan_if answers at once and the reconnect takes seconds (doc §5), and Asuswrt reports no
        // PPP uptime: only a poll that sees the restart proves an "up" is the new session's. A dial of
        // 30 ms can finish before the first poll on a loaded machine; 400 ms keeps the restart visible.
        timings: { dialMs: 400, redialMs: 600 },
      });
      const of = (nv: Record<string, string>): Creds => ({ username: nv.wan0_pppoe_username, password: nv.wan0_pppoe_passwd });
      return {
        httpPort: emu.httpPort,
        adminUser: 'admin',
        failedLogins: () => emu.failedLogins,
        reboot: () => emu.reboot(),
        // Drops every asus_token (an idle logout, or another app's login, doc §8.4).
        expireSessions: () => emu.expireSessions(),
        // applyapp.cgi's apply commits: the running nvram and the flash copy are compared separately.
        creds: () => ({ running: of(emu.nvram()), persisted: of(emu.saved()) }),
        pendingRevert: () => false,
        close: () => emu.close(),
      };
    },
    // applyapp.cgi writes (and applies) in one request; appGet.cgi only reads.
    isWrite(req) {
      return req.method === 'POST' && req.path.startsWith('/applyapp.cgi');
    },
    // The same request makes the change take effect (rc_service restart_wan_if).
    isApply(req) {
      return req.method === 'POST' && req.path.startsWith('/applyapp.cgi') && /restart_wan_if/.test(req.body);
    },
  },
};
