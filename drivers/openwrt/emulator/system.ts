// Why: the remaining ubus objects a router has: procd's `system` (board/info, shapes from
// fixtures/openwrt/ubus-system-board-openwrt-one-25.12.0-rc1.json and openwrt.md §7), rpcd's `file`
// (fixtures 74/75), `rc` and `rpc-sys` (present but not granted by the lab ACL, fixtures 69/73).
import { createHash } from 'node:crypto';
import type { SessionManager } from './rpcd-session.js';
import { ok, reply, UBUS_STATUS, type Json, type JsonObject, type UbusObject } from './ubus.js';

export const BOARD = {
  kernel: '6.12.62',
  system: 'ARMv8 Processor rev 4',
  model: 'OpenWrt One',
  board_name: 'openwrt,one',
  rootfs_type: 'squashfs',
  release: {
    distribution: 'OpenWrt',
    version: '25.12.0-rc1',
    firmware_url: 'https://downloads.openwrt.org/',
    revision: 'r32353-9e9b05130c',
    target: 'mediatek/filogic',
    description: 'OpenWrt 25.12.0-rc1 r32353-9e9b05130c',
    builddate: '1766089549',
  },
};

export interface SystemOptions {
  hostname(): string;
  bootTime: number;
  reboot(): void;
  idFor(name: string): number;
}

export function systemObject(o: SystemOptions): UbusObject {
  const notSupported = { policy: {}, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) };
  return {
    name: 'system',
    id: o.idFor('system'),
    methods: {
      board: {
        policy: {},
        handler: () => ok({ kernel: BOARD.kernel, hostname: o.hostname(), system: BOARD.system, model: BOARD.model, board_name: BOARD.board_name, rootfs_type: BOARD.rootfs_type, release: { ...BOARD.release } }),
      },
      info: {
        policy: {},
        handler: () => {
          const now = Date.now();
          return ok({
            localtime: Math.floor(now / 1000),
            uptime: Math.floor((now - o.bootTime) / 1000),
            load: [3584, 2112, 1056],
            memory: { total: 1031798784, free: 851218432, shared: 2232320, buffered: 0, available: 836878336, cached: 41463808 },
            root: { total: 88064, free: 87348, used: 716, avail: 82584 },
            tmp: { total: 503808, free: 503428, used: 380, avail: 503428 },
            swap: { total: 0, free: 0 },
          });
        },
      },
      reboot: {
        policy: {},
        handler: () => {
          o.reboot();
          return ok();
        },
      },
      watchdog: { policy: { frequency: 'int32', timeout: 'int32', magicclose: 'bool', stop: 'bool' }, handler: notSupported.handler },
      signal: { policy: { pid: 'int32', signum: 'int32' }, handler: notSupported.handler },
      validate_firmware_image: { policy: { path: 'string' }, handler: notSupported.handler },
      sysupgrade: { policy: { path: 'string', force: 'bool', backup: 'string', prefix: 'string', command: 'string', options: 'table' }, handler: notSupported.handler },
    },
  };
}

export interface FileOptions {
  sessions: () => SessionManager;
  /** Virtual file system read: undefined = no such file. */
  readFile(path: string): string | undefined;
  idFor(name: string): number;
  /** Runs a program for `exec` (only busybox ping exists here); undefined = no such program. */
  exec?(command: string, params: string[]): { code: number; stdout: string; stderr: string } | undefined;
}

/** rpcd's file plugin: read/md5 are served, the rest is checked against the `file` ACL scope. */
export function fileObject(o: FileOptions): UbusObject {
  const allowed = (sid: string | undefined, path: string, perm: string): boolean => !sid || o.sessions().allowed(sid, 'file', path, perm);
  const readLike =
    (md5: boolean) =>
    (a: Record<string, Json>, c: { sid?: string | undefined }) => {
      if (typeof a.path !== 'string') return reply(UBUS_STATUS.INVALID_ARGUMENT);
      if (!allowed(c.sid, a.path, 'read')) return reply(UBUS_STATUS.PERMISSION_DENIED);
      const data = o.readFile(a.path);
      if (data === undefined) return reply(UBUS_STATUS.NOT_FOUND);
      if (md5) return ok({ md5: createMd5(data) });
      return ok({ data: a.base64 === true ? Buffer.from(data).toString('base64') : data });
    };
  const guarded = (perm: string) => (a: Record<string, Json>, c: { sid?: string | undefined }) => {
    const path = typeof a.path === 'string' ? a.path : typeof a.command === 'string' ? a.command : undefined;
    if (!path) return reply(UBUS_STATUS.INVALID_ARGUMENT);
    if (!allowed(c.sid, path, perm)) return reply(UBUS_STATUS.PERMISSION_DENIED);
    return reply(UBUS_STATUS.NOT_SUPPORTED);
  };
  return {
    name: 'file',
    id: o.idFor('file'),
    methods: {
      read: { policy: { path: 'string', base64: 'bool', ubus_rpc_session: 'string' }, handler: readLike(false) },
      write: { policy: { path: 'string', data: 'string', append: 'bool', mode: 'int32', base64: 'bool', ubus_rpc_session: 'string' }, handler: guarded('write') },
      list: { policy: { path: 'string', ubus_rpc_session: 'string' }, handler: guarded('list') },
      lstat: { policy: { path: 'string', ubus_rpc_session: 'string' }, handler: guarded('list') },
      stat: { policy: { path: 'string', ubus_rpc_session: 'string' }, handler: guarded('list') },
      md5: { policy: { path: 'string', ubus_rpc_session: 'string' }, handler: readLike(true) },
      remove: { policy: { path: 'string', ubus_rpc_session: 'string' }, handler: guarded('write') },
      exec: { policy: { command: 'string', params: 'array', env: 'table', ubus_rpc_session: 'string' }, handler: (a, c) => execHandler(o, allowed, a, c.sid) },
    },
  };
}

/**
 * rpcd file.c rpc_file_exec_run: the program must exist (NOT_FOUND), then the `file` scope must grant
 * "exec" on its path, or on "path arg1 arg2…" (PERMISSION_DENIED). The reply is { code, stdout?, stderr? }
 * with empty streams left out. rpcd answers when the program ends; the emulator's programs end at once.
 */
function execHandler(
  o: FileOptions,
  allowed: (sid: string | undefined, path: string, perm: string) => boolean,
  a: Record<string, Json>,
  sid: string | undefined,
) {
  if (typeof a.command !== 'string') return reply(UBUS_STATUS.INVALID_ARGUMENT);
  const params = Array.isArray(a.params) ? a.params.filter((p): p is string => typeof p === 'string') : [];
  const path = ['/bin/', '/usr/bin/', '/sbin/', '/usr/sbin/'].map((d) => (a.command as string).startsWith('/') ? (a.command as string) : d + (a.command as string)).find((p) => EXECUTABLES.has(p));
  if (!path || !o.exec) return reply(UBUS_STATUS.NOT_FOUND);
  if (!allowed(sid, path, 'exec') && !(params.length > 0 && allowed(sid, [path, ...params].join(' '), 'exec'))) return reply(UBUS_STATUS.PERMISSION_DENIED);
  const r = o.exec(path, params);
  if (!r) return reply(UBUS_STATUS.NOT_FOUND);
  const data: JsonObject = { code: r.code };
  if (r.stdout) data.stdout = r.stdout;
  if (r.stderr) data.stderr = r.stderr;
  return ok(data);
}

/** Programs `file exec` can find (busybox applets the emulator implements). */
const EXECUTABLES = new Set(['/bin/ping']);

function createMd5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

export function rcObject(idFor: (n: string) => number): UbusObject {
  return {
    name: 'rc',
    id: idFor('rc'),
    methods: {
      list: {
        policy: { name: 'string', skip_running_check: 'bool' },
        handler: () => {
          const svc = (start: number, stop: number): JsonObject => ({ start, stop, enabled: true, running: true });
          return ok({ dnsmasq: svc(19, 85), dropbear: svc(19, 50), firewall: svc(19, 0), network: svc(20, 90), odhcpd: svc(35, 85), rpcd: svc(12, 0), uhttpd: svc(50, 0) });
        },
      },
      init: { policy: { name: 'string', action: 'string' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
    },
  };
}

export function rpcSysObject(idFor: (n: string) => number, reboot: () => void): UbusObject {
  const notSupported = () => reply(UBUS_STATUS.NOT_SUPPORTED);
  return {
    name: 'rpc-sys',
    id: idFor('rpc-sys'),
    methods: {
      packagelist: {
        policy: { all: 'bool' },
        handler: () =>
          ok({
            packages: { 'base-files': '1654-r32353-9e9b05130c', dropbear: '2025.87-r1', luci: '26.001.00000~0000000', netifd: '2025.12.16~e97e36f9-r1', ppp: '2.5.2-r1', 'ppp-mod-pppoe': '2.5.2-r1', rpcd: '2026.04.21~44766874-r1', uci: '2025.12.02~66127cd7-r1', uhttpd: '2026.07.24~f682ccab-r1', xl2tpd: '1.3.18-r1' },
          }),
      },
      password_set: { policy: { user: 'string', password: 'string' }, handler: notSupported },
      upgrade_test: { policy: {}, handler: notSupported },
      upgrade_start: { policy: { keep: 'bool' }, handler: notSupported },
      upgrade_clean: { policy: {}, handler: notSupported },
      factory: { policy: {}, handler: notSupported },
      reboot: {
        policy: {},
        handler: () => {
          reboot();
          return ok();
        },
      },
    },
  };
}
