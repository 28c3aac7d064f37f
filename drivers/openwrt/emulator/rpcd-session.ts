// Why: rpcd's session object (session.c): logins from /etc/config/rpcd, ACL groups merged into the map shape of
// fixture 01/05/10, 32-hex sids with sliding expiry, and the "re-login returns the pending apply's sid" rule.
import { randomBytes } from 'node:crypto';
import { md5cryptVerify } from './md5crypt.js';
import type { UciStore } from './uci-store.js';
import { ok, reply, UBUS_STATUS, type Json, type JsonObject, type UbusObject } from './ubus.js';

export const NULL_SID = '00000000000000000000000000000000';

type Perm = 'read' | 'write';
interface AclSection {
  ubus?: Record<string, string[]>;
  uci?: string[];
  file?: Record<string, string[]>;
}
export type AclGroup = Partial<Record<Perm, AclSection>>;

/**
 * /usr/share/rpcd/acl.d of the capture (README "How the instance was set up"): rpcd's own
 * unauthenticated.json plus the lab groups lab-admin and lab-viewer. Sorted by name like the glob.
 */
export const ACL_GROUPS: [string, AclGroup][] = [
  [
    'lab-admin',
    {
      read: {
        ubus: {
          session: ['access', 'login', 'destroy'],
          uci: ['*'],
          'rpc-sys': ['*'],
          file: ['*'],
          network: ['*'],
          'network.interface': ['*'],
          'network.interface.*': ['*'],
          service: ['*'],
          luci: ['*'],
          system: ['board', 'info'],
        },
        uci: ['*'],
        file: { '/etc/config/*': ['read'] },
      },
      write: {
        ubus: { uci: ['*'], session: ['set', 'get', 'grant', 'revoke'] },
        uci: ['*'],
      },
    },
  ],
  [
    'lab-viewer',
    {
      read: {
        ubus: { session: ['access', 'login', 'destroy'], uci: ['get', 'changes', 'configs'] },
        uci: ['network'],
      },
    },
  ],
  ['unauthenticated', { read: { ubus: { session: ['access', 'login'] } } }],
];

/**
 * LuCI's luci-mod-network-diagnostics group (openwrt/luci modules/luci-mod-network/root/usr/share/rpcd/acl.d/
 * luci-mod-network.json), the part the ping tools need: installed with LuCI, absent from the capture.
 */
export const LUCI_DIAGNOSTICS_GROUP: [string, AclGroup] = [
  'luci-mod-network-diagnostics',
  { read: { file: { '/bin/ping': ['exec'], '/bin/ping6': ['exec', 'list'], '/bin/traceroute': ['exec'], '/usr/bin/nslookup': ['exec'] }, ubus: { file: ['exec', 'stat'] } } },
];

/** scope -> object -> functions, insertion ordered; dumped with sorted keys like rpcd's avl trees. */
type AclMap = Map<string, Map<string, string[]>>;

export interface Session {
  id: string;
  timeout: number;
  deadline: number;
  acls: AclMap;
  data: Map<string, Json>;
}

/** fnmatch(3) without flags: `*`, `?`, `[...]`. */
export function fnmatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(s);
}

function grant(acls: AclMap, scope: string, object: string, fn: string): void {
  let objs = acls.get(scope);
  if (!objs) acls.set(scope, (objs = new Map()));
  let fns = objs.get(object);
  if (!fns) objs.set(object, (fns = []));
  if (!fns.includes(fn)) fns.push(fn);
}

export interface SessionOptions {
  store: UciStore;
  /** /etc/shadow: user -> plain password ('' = no password set: any password is accepted). */
  shadow(user: string): string | undefined;
  /** sid of a pending `uci apply` with rollback, if any. */
  applySid(): string | undefined;
  /** Called when a session disappears (destroy/expiry): its uci deltas are purged. */
  onDestroy(sid: string): void;
  onLoginFailed(): void;
  /** RPC_DEFAULT_SESSION_TIMEOUT (300 s) unless configured. */
  defaultTimeout: number;
  /** ACL groups installed on top of the capture's (e.g. LuCI's diagnostics group). */
  extraGroups?: [string, AclGroup][] | undefined;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly o: SessionOptions) {
    const anon: Session = { id: NULL_SID, timeout: 0, deadline: Infinity, acls: new Map(), data: new Map() };
    this.setupAcls(anon, undefined);
    this.sessions.set(NULL_SID, anon);
  }

  /** rpc_session_get: finds a live session and slides its expiry. */
  get(sid: string, touch = true): Session | undefined {
    const s = this.sessions.get(sid);
    if (!s) return undefined;
    if (Date.now() >= s.deadline) {
      this.destroy(sid);
      return undefined;
    }
    if (touch && s.timeout > 0) s.deadline = Date.now() + s.timeout * 1000;
    return s;
  }

  exists(sid: string): boolean {
    return this.get(sid, false) !== undefined;
  }

  destroy(sid: string): void {
    if (sid === NULL_SID) return;
    if (this.sessions.delete(sid)) this.o.onDestroy(sid);
  }

  /** Live authenticated sessions (the null session does not count); expired ones are not live. */
  liveCount(): number {
    return [...this.sessions.keys()].filter((sid) => sid !== NULL_SID && this.exists(sid)).length;
  }

  /** Drops every session (rpcd restart / reboot). */
  clear(): void {
    for (const sid of [...this.sessions.keys()]) this.destroy(sid);
  }

  /** rpc_session_acl_allowed. */
  allowed(sid: string, scope: string, object: string, fn: string): boolean {
    const s = this.get(sid);
    if (!s) return false;
    return aclAllows(s, scope, object, fn);
  }

  private setupAcls(s: Session, login: { read: string[]; write: string[] } | undefined): void {
    const groups = [...ACL_GROUPS, ...(this.o.extraGroups ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [group, def] of groups) {
      for (const perm of ['read', 'write'] as const) {
        const section = def[perm];
        if (!section) continue;
        const patterns = login ? login[perm] : group === 'unauthenticated' && perm === 'read' ? ['unauthenticated'] : [];
        if (!patterns.some((p) => fnmatch(p, group))) continue;
        grant(s.acls, 'access-group', group, perm);
        for (const [obj, fns] of Object.entries(section.ubus ?? {})) for (const fn of fns) grant(s.acls, 'ubus', obj, fn);
        for (const cfg of section.uci ?? []) grant(s.acls, 'uci', cfg, perm);
        for (const [path, fns] of Object.entries(section.file ?? {})) for (const fn of fns) grant(s.acls, 'file', path, fn);
      }
    }
  }

  /** rpc_login_test_login over `config login` sections of /etc/config/rpcd. */
  private findLogin(username: string, password: string): { read: string[]; write: string[] } | undefined {
    const rpcd = this.o.store.committed('rpcd');
    for (const s of rpcd?.sections ?? []) {
      if (s.type !== 'login') continue;
      const opt = (n: string): string | string[] | undefined => s.options.find((o) => o.name === n)?.value;
      if (opt('username') !== username) continue;
      const stored = opt('password');
      if (typeof stored !== 'string') continue;
      let good: boolean;
      if (stored.startsWith('$p$')) {
        // '$p$<user>': the user's /etc/shadow entry; an empty one accepts any password (openwrt.md §2.2)
        const shadow = this.o.shadow(stored.slice(3));
        good = shadow !== undefined && (shadow === '' || shadow === password);
      } else {
        good = md5cryptVerify(password, stored);
      }
      if (!good) continue;
      const list = (n: string): string[] => {
        const v = opt(n);
        return v === undefined ? [] : Array.isArray(v) ? v : [v];
      };
      return { read: list('read'), write: list('write') };
    }
    return undefined;
  }

  private dump(s: Session): JsonObject {
    return {
      ubus_rpc_session: s.id,
      timeout: s.timeout,
      expires: Math.max(0, Math.ceil((s.deadline - Date.now()) / 1000)),
      acls: dumpAcls(s),
      data: Object.fromEntries(s.data),
    };
  }

  login(username: string, password: string, timeout: number): { status: number; data?: JsonObject } {
    const login = this.findLogin(username, password);
    if (!login) {
      this.o.onLoginFailed();
      return { status: UBUS_STATUS.PERMISSION_DENIED };
    }
    // reclaim a pending apply session of the same user (fixture 45-07)
    let s: Session | undefined;
    const applySid = this.o.applySid();
    if (applySid) {
      const pending = this.get(applySid);
      if (pending && pending.data.get('username') === username) s = pending;
    }
    if (!s) {
      s = { id: randomBytes(16).toString('hex'), timeout, deadline: Date.now() + timeout * 1000, acls: new Map(), data: new Map() };
      this.sessions.set(s.id, s);
    }
    this.setupAcls(s, login);
    s.data.set('username', username);
    return { status: 0, data: this.dump(s) };
  }

  ubusObject(id: number): UbusObject {
    const sidOf = (ctxSid: string | undefined, args: Record<string, Json>): string | undefined =>
      typeof args.ubus_rpc_session === 'string' ? args.ubus_rpc_session : ctxSid;
    return {
      name: 'session',
      id,
      methods: {
        create: { policy: { timeout: 'int32' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
        list: {
          policy: { ubus_rpc_session: 'string' },
          handler: (args, ctx) => {
            const sid = sidOf(ctx.sid, args);
            const s = sid ? this.get(sid) : undefined;
            if (sid && !s) return reply(UBUS_STATUS.NOT_FOUND);
            return ok(s ? this.dump(s) : undefined);
          },
        },
        grant: { policy: { ubus_rpc_session: 'string', scope: 'string', objects: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
        revoke: { policy: { ubus_rpc_session: 'string', scope: 'string', objects: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
        access: {
          policy: { ubus_rpc_session: 'string', scope: 'string', object: 'string', function: 'string' },
          handler: (args, ctx) => {
            const sid = sidOf(ctx.sid, args);
            if (!sid) return reply(UBUS_STATUS.INVALID_ARGUMENT);
            const s = this.get(sid);
            if (!s) return reply(UBUS_STATUS.NOT_FOUND);
            if (typeof args.object === 'string' && typeof args.function === 'string') {
              const scope = typeof args.scope === 'string' ? args.scope : 'ubus';
              return ok({ access: aclAllows(s, scope, args.object, args.function) });
            }
            return ok(dumpAcls(s));
          },
        },
        set: {
          policy: { ubus_rpc_session: 'string', values: 'table' },
          handler: (args, ctx) => {
            const s = this.get(sidOf(ctx.sid, args) ?? '');
            if (!s) return reply(UBUS_STATUS.NOT_FOUND);
            if (!args.values || typeof args.values !== 'object') return reply(UBUS_STATUS.INVALID_ARGUMENT);
            for (const [k, v] of Object.entries(args.values as JsonObject)) s.data.set(k, v);
            return ok();
          },
        },
        get: {
          policy: { ubus_rpc_session: 'string', keys: 'array' },
          handler: (args, ctx) => {
            const s = this.get(sidOf(ctx.sid, args) ?? '');
            if (!s) return reply(UBUS_STATUS.NOT_FOUND);
            const keys = Array.isArray(args.keys) ? args.keys.filter((k): k is string => typeof k === 'string') : [...s.data.keys()];
            const values: JsonObject = {};
            for (const k of keys) if (s.data.has(k)) values[k] = s.data.get(k)!;
            return ok({ values });
          },
        },
        unset: { policy: { ubus_rpc_session: 'string', keys: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
        destroy: {
          policy: { ubus_rpc_session: 'string' },
          handler: (args, ctx) => {
            const sid = sidOf(ctx.sid, args);
            if (!sid) return reply(UBUS_STATUS.INVALID_ARGUMENT);
            if (sid === NULL_SID) return reply(UBUS_STATUS.PERMISSION_DENIED);
            if (!this.get(sid, false)) return reply(UBUS_STATUS.NOT_FOUND);
            this.destroy(sid);
            return ok();
          },
        },
        login: {
          policy: { username: 'string', password: 'string', timeout: 'int32' },
          handler: (args) => {
            if (typeof args.username !== 'string' || typeof args.password !== 'string') return reply(UBUS_STATUS.INVALID_ARGUMENT);
            const timeout = typeof args.timeout === 'number' ? args.timeout : this.o.defaultTimeout;
            const r = this.login(args.username, args.password, timeout);
            return reply(r.status, r.data);
          },
        },
      },
    };
  }
}

function aclAllows(s: Session, scope: string, object: string, fn: string): boolean {
  const objs = s.acls.get(scope);
  if (!objs) return false;
  for (const [pattern, fns] of objs) {
    if (!fnmatch(pattern, object)) continue;
    if (fns.some((f) => fnmatch(f, fn))) return true;
  }
  return false;
}

function sortedKeys<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function dumpAcls(s: Session): JsonObject {
  const out: JsonObject = {};
  for (const scope of sortedKeys(s.acls)) {
    const objs = s.acls.get(scope)!;
    const o: JsonObject = {};
    for (const obj of sortedKeys(objs)) o[obj] = [...objs.get(obj)!];
    out[scope] = o;
  }
  return out;
}
