// Why: rpcd's `uci` object (uci.c @4476687): get/set/add/delete/changes/revert/commit with per-session deltas,
// and the apply/confirm/rollback snapshot machine of openwrt.md §4.2 and fixtures 45–48.
import type { SessionManager } from './rpcd-session.js';
import type { Timers } from './timers.js';
import {
  lookup,
  rpcChange,
  uciAddList,
  uciAddSection,
  uciDelete,
  uciRename,
  uciReorder,
  uciSet,
  UciError,
  validateName,
  type Delta,
  type UciOption,
  type UciPackage,
  type UciPtr,
  type UciSection,
} from './uci-model.js';
import type { DeltaOwner, UciStore } from './uci-store.js';
import { ok, reply, UBUS_STATUS, type CallContext, type Json, type JsonObject, type UbusObject, type UbusReply } from './ubus.js';

const S = UBUS_STATUS;

export interface RpcdUciOptions {
  store: UciStore;
  sessions: () => SessionManager;
  timers: Timers;
  /** rpc_uci_trigger_event: procd turns config.change into service reloads (network -> netifd reload). */
  configChanged(pkg: string): void;
}

interface ApplyState {
  sid: string;
  timer: NodeJS.Timeout | undefined;
  files: Map<string, string>;
  deltas: Map<string, Delta[]>;
}

/** rpc_uci_verify_str */
function verifyStr(name: string, extended: boolean, type: boolean): boolean {
  if (!name) return false;
  if (extended && !name.startsWith('@')) extended = false;
  let i = extended ? 1 : 0;
  for (; i < name.length; i++) {
    const c = name[i]!;
    if (!/[A-Za-z0-9_]/.test(c) && ((!type && !extended) || c !== '-')) break;
  }
  if (extended) {
    if (name[i] !== '[') return false;
    const m = /^\[([+-]?\d+)\]$/.exec(name.slice(i));
    return !!m;
  }
  return i === name.length;
}
const verifyName = (s: string): boolean => verifyStr(s, false, false);
const verifyType = (s: string): boolean => verifyStr(s, false, true);
const verifySection = (s: string): boolean => verifyStr(s, true, false);

/** rpc_uci_format_blob: strings, integers and booleans become strings. */
function formatBlob(v: Json): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' && Number.isInteger(v)) return v >= 0 ? String(v) : String(v >>> 0);
  return undefined;
}

function dumpOption(o: UciOption): Json {
  return Array.isArray(o.value) ? [...o.value] : o.value;
}

function dumpSection(s: UciSection, index: number): JsonObject {
  const out: JsonObject = { '.anonymous': s.anonymous, '.type': s.type, '.name': s.name };
  if (index >= 0) out['.index'] = index;
  for (const o of s.options) out[o.name] = dumpOption(o);
  return out;
}

/** rpc_uci_match_option / rpc_uci_match_section */
function matchSection(s: UciSection, type: Json | undefined, match: Json | undefined): boolean {
  if (typeof type === 'string' && s.type !== type) return false;
  if (!match || typeof match !== 'object' || Array.isArray(match)) return true;
  let matched = false;
  let empty = true;
  for (const [k, v] of Object.entries(match)) {
    const cmp = formatBlob(v);
    if (cmp === undefined) continue;
    for (const o of s.options) {
      if (o.name !== k) continue;
      const ok = Array.isArray(o.value) ? o.value.includes(cmp) : o.value.split(/[ \t]+/).includes(cmp);
      if (!ok) return false;
      matched = true;
    }
    empty = false;
  }
  return empty || matched;
}

export class RpcdUci {
  private apply: ApplyState | undefined;

  constructor(private readonly o: RpcdUciOptions) {}

  /** The sid of a pending apply with rollback (session.login reclaims it). */
  pendingApplySid(): string | undefined {
    return this.apply?.sid;
  }

  /** Drops a pending apply without restoring (rpcd restart / reboot: /var/run is gone). */
  forgetApply(): void {
    if (this.apply) this.o.timers.clear(this.apply.timer);
    this.apply = undefined;
  }

  private owner(ctx: CallContext): DeltaOwner {
    return ctx.sid ? `session:${ctx.sid}` : 'cli';
  }

  private access(ctx: CallContext, config: string, perm: 'read' | 'write'): boolean {
    if (!ctx.sid) return true;
    return this.o.sessions().allowed(ctx.sid, 'uci', config, perm);
  }

  /** Runs mutations on the owner's view and appends the recorded deltas (uci_save). */
  private mutate(owner: DeltaOwner, pkg: UciPackage, records: Delta[]): void {
    this.o.store.append(owner, pkg.name, records);
  }

  private getCommon(args: Record<string, Json>, ctx: CallContext, state: boolean): UbusReply {
    if (typeof args.config !== 'string') return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'read')) return reply(S.PERMISSION_DENIED);
    // `uci state` reads /var/state instead of the session delta (empty on this emulator)
    const loaded = this.o.store.load(args.config, state ? null : this.owner(ctx));
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const ptr: UciPtr = { package: p.name };
    if (typeof args.section === 'string') {
      ptr.section = args.section;
      if (ptr.section.startsWith('@')) ptr.extended = true;
      if (typeof args.option === 'string') ptr.option = args.option;
    }
    let l;
    try {
      l = lookup(p, ptr);
    } catch (e) {
      return reply(e instanceof UciError && e.code === 'INVAL' ? S.INVALID_ARGUMENT : S.UNKNOWN_ERROR);
    }
    if (!l.complete) return ok();
    if (l.o) return ok({ value: dumpOption(l.o) });
    if (l.s) return ok({ values: dumpSection(l.s, -1) });
    const values: JsonObject = {};
    p.sections.forEach((s, i) => {
      if (matchSection(s, args.type, args.match)) values[s.name] = dumpSection(s, i);
    });
    return ok({ values });
  }

  /** rpc_uci_merge_set */
  private mergeSet(p: UciPackage, section: string, name: string, value: Json, rec: Delta[]): number {
    if (!verifyName(name)) return S.INVALID_ARGUMENT;
    const ptr: UciPtr = { package: p.name, section, option: name, extended: section.startsWith('@') || undefined };
    let l;
    try {
      l = lookup(p, ptr);
    } catch {
      return S.NOT_FOUND;
    }
    if (!l.s) return S.NOT_FOUND;
    const real: UciPtr = { package: p.name, section: l.s.name, option: name };
    try {
      if (Array.isArray(value)) {
        if (l.o) uciDelete(p, real, rec);
        let rv: number = S.INVALID_ARGUMENT;
        for (const item of value) {
          const v = formatBlob(item);
          if (v === undefined) continue;
          uciAddList(p, { ...real, value: v }, rec);
          rv = 0;
        }
        return rv;
      }
      if (l.o && Array.isArray(l.o.value)) {
        uciDelete(p, real, rec);
        const v = formatBlob(value);
        if (v === undefined) return S.INVALID_ARGUMENT;
        uciSet(p, { ...real, value: v }, rec);
        return 0;
      }
      const v = formatBlob(value);
      if (v === undefined) return S.INVALID_ARGUMENT;
      if (!l.o || l.o.value !== v) uciSet(p, { ...real, value: v }, rec);
    } catch {
      // libuci errors inside merge_set are not reported by rpcd
    }
    return 0;
  }

  private set(args: Record<string, Json>, ctx: CallContext): UbusReply {
    if (typeof args.config !== 'string' || !args.values || (args.section === undefined && args.type === undefined && args.match === undefined))
      return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    if (typeof args.section === 'string' && !verifySection(args.section)) return reply(S.INVALID_ARGUMENT);
    const owner = this.owner(ctx);
    const loaded = this.o.store.load(args.config, owner);
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const rec: Delta[] = [];
    let err = 0;
    let anySection = false;
    const values = Object.entries(args.values as JsonObject);
    if (typeof args.section === 'string') {
      for (const [k, v] of values) {
        const rv = this.mergeSet(p, args.section, k, v, rec);
        if (rv) err = rv;
      }
      anySection = values.length > 0; // rpcd: ptr.s stays NULL when there was nothing to set
    } else {
      for (const s of [...p.sections]) {
        if (!matchSection(s, args.type, args.match)) continue;
        anySection = true;
        for (const [k, v] of values) {
          const rv = this.mergeSet(p, s.name, k, v, rec);
          if (rv) err = rv;
        }
      }
    }
    if (!err && !anySection) err = S.NOT_FOUND;
    if (err) return reply(err);
    this.mutate(owner, p, rec);
    return ok();
  }

  private add(args: Record<string, Json>, ctx: CallContext): UbusReply {
    if (typeof args.config !== 'string' || typeof args.type !== 'string') return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    if (!verifyType(args.type)) return reply(S.INVALID_ARGUMENT);
    if (typeof args.name === 'string' && !verifyName(args.name)) return reply(S.INVALID_ARGUMENT);
    const owner = this.owner(ctx);
    const loaded = this.o.store.load(args.config, owner);
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const rec: Delta[] = [];
    let section: string;
    try {
      if (typeof args.name === 'string') {
        uciSet(p, { package: p.name, section: args.name, value: args.type }, rec);
        section = args.name;
      } else {
        section = uciAddSection(p, args.type, rec);
      }
    } catch (e) {
      return reply(e instanceof UciError && e.code === 'NOTFOUND' ? S.NOT_FOUND : S.INVALID_ARGUMENT);
    }
    let err = 0;
    if (args.values && typeof args.values === 'object' && !Array.isArray(args.values)) {
      for (const [k, v] of Object.entries(args.values)) {
        if (!verifyName(k)) {
          if (!err) err = S.INVALID_ARGUMENT;
          continue;
        }
        const ptr: UciPtr = { package: p.name, section, option: k };
        try {
          if (Array.isArray(v)) {
            for (const item of v) {
              const s = formatBlob(item);
              if (s === undefined) {
                if (!err) err = S.INVALID_ARGUMENT;
                continue;
              }
              uciAddList(p, { ...ptr, value: s }, rec);
            }
          } else {
            const s = formatBlob(v);
            if (s === undefined) {
              if (!err) err = S.INVALID_ARGUMENT;
            } else uciSet(p, { ...ptr, value: s }, rec);
          }
        } catch {
          /* ignored like rpcd */
        }
      }
    }
    if (err) return reply(err);
    this.mutate(owner, p, rec);
    return ok({ section });
  }

  /** rpc_uci_merge_delete */
  private mergeDelete(p: UciPackage, section: string, opt: Json | undefined, rec: Delta[]): number {
    const base: UciPtr = { package: p.name, section, extended: section.startsWith('@') || undefined };
    let l;
    try {
      l = lookup(p, base);
    } catch {
      return S.NOT_FOUND;
    }
    if (!l.s) return S.NOT_FOUND;
    const real = l.s.name;
    const del = (option?: string): boolean => {
      if (option !== undefined && !l.s!.options.some((o) => o.name === option)) return false;
      try {
        uciDelete(p, { package: p.name, section: real, option }, rec);
      } catch {
        return false;
      }
      return true;
    };
    if (opt === undefined) {
      del();
      return 0;
    }
    if (Array.isArray(opt)) {
      let rv: number = S.NOT_FOUND;
      for (const o of opt) if (typeof o === 'string' && del(o)) rv = 0;
      return rv;
    }
    if (typeof opt === 'string') return del(opt) ? 0 : S.NOT_FOUND;
    return S.INVALID_ARGUMENT;
  }

  private delete(args: Record<string, Json>, ctx: CallContext): UbusReply {
    if (typeof args.config !== 'string' || (args.section === undefined && args.type === undefined && args.match === undefined))
      return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    if (typeof args.type === 'string' && !verifyType(args.type)) return reply(S.INVALID_ARGUMENT);
    if (typeof args.section === 'string' && !verifySection(args.section)) return reply(S.INVALID_ARGUMENT);
    const owner = this.owner(ctx);
    const loaded = this.o.store.load(args.config, owner);
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const rec: Delta[] = [];
    const opt = args.options ?? args.option;
    let err = 0;
    if (typeof args.section === 'string') err = this.mergeDelete(p, args.section, opt, rec);
    else {
      for (const s of [...p.sections]) {
        if (!matchSection(s, args.type, args.match)) continue;
        err = this.mergeDelete(p, s.name, opt, rec);
      }
    }
    if (err) return reply(err);
    this.mutate(owner, p, rec);
    return ok();
  }

  private rename(args: Record<string, Json>, ctx: CallContext): UbusReply {
    if (typeof args.config !== 'string' || typeof args.section !== 'string' || typeof args.name !== 'string') return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    if (!verifyName(args.name)) return reply(S.INVALID_ARGUMENT);
    const owner = this.owner(ctx);
    const loaded = this.o.store.load(args.config, owner);
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const rec: Delta[] = [];
    const ptr: UciPtr = {
      package: p.name,
      section: args.section,
      option: typeof args.option === 'string' ? args.option : undefined,
      value: args.name,
      extended: !validateName(args.section) || undefined,
    };
    try {
      const l = lookup(p, ptr);
      if ((ptr.option !== undefined && !l.o) || !l.s) return reply(S.NOT_FOUND);
      uciRename(p, { ...ptr, section: l.s.name, extended: undefined }, rec);
    } catch (e) {
      return reply(e instanceof UciError && e.code === 'NOTFOUND' ? S.NOT_FOUND : S.INVALID_ARGUMENT);
    }
    this.mutate(owner, p, rec);
    return ok();
  }

  private order(args: Record<string, Json>, ctx: CallContext): UbusReply {
    if (typeof args.config !== 'string' || !Array.isArray(args.sections)) return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    const owner = this.owner(ctx);
    const loaded = this.o.store.load(args.config, owner);
    if (!loaded) return reply(S.NOT_FOUND);
    const p = loaded.pkg;
    const rec: Delta[] = [];
    let err = 0;
    let i = 0;
    for (const name of args.sections) {
      if (typeof name !== 'string') {
        if (!err) err = S.INVALID_ARGUMENT;
        continue;
      }
      let s: UciSection | undefined;
      try {
        s = lookup(p, { package: p.name, section: name, extended: !validateName(name) || undefined }).s;
      } catch {
        s = undefined;
      }
      if (!s) {
        if (!err) err = S.NOT_FOUND;
        continue;
      }
      uciReorder(p, s, i++, rec);
    }
    if (err) return reply(err);
    this.mutate(owner, p, rec);
    return ok();
  }

  private changes(args: Record<string, Json>, ctx: CallContext): UbusReply {
    const owner = this.owner(ctx);
    if (typeof args.config === 'string') {
      if (!this.access(ctx, args.config, 'read')) return reply(S.PERMISSION_DENIED);
      if (!this.o.store.has(args.config)) return reply(S.NOT_FOUND);
      return ok({ changes: this.o.store.changes(owner, args.config).map(rpcChange) });
    }
    const changes: JsonObject = {};
    for (const cfg of this.o.store.configs()) {
      if (ctx.sid && !this.o.sessions().allowed(ctx.sid, 'uci', cfg, 'read')) continue;
      const list = this.o.store.changes(owner, cfg);
      if (list.length) changes[cfg] = list.map(rpcChange);
    }
    return ok({ changes });
  }

  private revertCommit(args: Record<string, Json>, ctx: CallContext, commit: boolean): UbusReply {
    if (this.apply) return reply(S.PERMISSION_DENIED);
    if (typeof args.config !== 'string') return reply(S.INVALID_ARGUMENT);
    if (!this.access(ctx, args.config, 'write')) return reply(S.PERMISSION_DENIED);
    if (!this.o.store.has(args.config)) return reply(S.NOT_FOUND);
    const owner = this.owner(ctx);
    if (commit) {
      this.o.store.commit(owner, args.config);
      this.o.configChanged(args.config);
    } else {
      this.o.store.revert(owner, args.config);
    }
    return ok();
  }

  private doApply(args: Record<string, Json>, ctx: CallContext): UbusReply {
    const rollback = args.rollback === true;
    if (this.apply && rollback) return reply(S.PERMISSION_DENIED);
    if (!ctx.sid) return reply(S.INVALID_ARGUMENT);
    const timeout = typeof args.timeout === 'number' ? args.timeout >>> 0 : 60; // RPC_APPLY_TIMEOUT
    // a plain apply while a rollback is pending returns [0] and does nothing (openwrt.md §4.2; rpcd's source
    // also purges the snapshot dirs on this path, which the doc does not describe: not reproduced)
    if (this.apply) return ok();
    const sid = ctx.sid;
    const owner: DeltaOwner = `session:${sid}`;
    const staged = this.o.store.stagedPackages(owner);
    if (staged.length === 0) return reply(S.NO_DATA);
    for (const cfg of staged) if (!this.o.sessions().allowed(sid, 'uci', cfg, 'write')) return reply(S.PERMISSION_DENIED);
    const state: ApplyState = { sid, timer: undefined, files: new Map(), deltas: new Map() };
    for (const cfg of staged) {
      state.files.set(cfg, this.o.store.fileText(cfg)!);
      state.deltas.set(cfg, this.o.store.changes(owner, cfg));
      this.o.store.commit(owner, cfg);
      this.o.configChanged(cfg);
    }
    if (rollback) {
      this.apply = state;
      state.timer = this.o.timers.set(timeout * 1000, () => this.doRollback());
    }
    return ok();
  }

  /**
   * rpc_uci_do_rollback: restores files, reloads, and gives the change back to a still-living initiator —
   * after a timer expiry too (fixture 46-05), not only after an explicit rollback (47-04).
   */
  private doRollback(): void {
    const state = this.apply;
    if (!state) return;
    this.o.timers.clear(state.timer);
    this.apply = undefined;
    const sessions = this.o.sessions();
    const alive = sessions.exists(state.sid) && [...state.files.keys()].every((cfg) => sessions.allowed(state.sid, 'uci', cfg, 'write'));
    for (const [cfg, text] of state.files) {
      this.o.store.setFileText(cfg, text);
      this.o.configChanged(cfg);
      if (alive) this.o.store.setDeltas(`session:${state.sid}`, cfg, state.deltas.get(cfg) ?? []);
    }
  }

  object(id: number): UbusObject {
    const cfg = { config: 'string', ubus_rpc_session: 'string' } as const;
    const get = { config: 'string', section: 'string', option: 'string', type: 'string', match: 'table', ubus_rpc_session: 'string' } as const;
    return {
      name: 'uci',
      id,
      methods: {
        configs: { policy: {}, handler: () => ok({ configs: this.o.store.configs() }) },
        get: { policy: get, handler: (a, c) => this.getCommon(a, c, false) },
        state: { policy: get, handler: (a, c) => this.getCommon(a, c, true) },
        add: { policy: { config: 'string', type: 'string', name: 'string', values: 'table', ubus_rpc_session: 'string' }, handler: (a, c) => this.add(a, c) },
        set: {
          policy: { config: 'string', section: 'string', type: 'string', match: 'table', values: 'table', ubus_rpc_session: 'string' },
          handler: (a, c) => this.set(a, c),
        },
        delete: {
          policy: { config: 'string', section: 'string', type: 'string', match: 'table', option: 'string', options: 'array', ubus_rpc_session: 'string' },
          handler: (a, c) => this.delete(a, c),
        },
        rename: {
          policy: { config: 'string', section: 'string', option: 'string', name: 'string', ubus_rpc_session: 'string' },
          handler: (a, c) => this.rename(a, c),
        },
        order: { policy: { config: 'string', sections: 'array', ubus_rpc_session: 'string' }, handler: (a, c) => this.order(a, c) },
        changes: { policy: cfg, handler: (a, c) => this.changes(a, c) },
        revert: { policy: cfg, handler: (a, c) => this.revertCommit(a, c, false) },
        commit: { policy: cfg, handler: (a, c) => this.revertCommit(a, c, true) },
        apply: { policy: { rollback: 'bool', timeout: 'int32', ubus_rpc_session: 'string' }, handler: (a, c) => this.doApply(a, c) },
        confirm: {
          policy: { ubus_rpc_session: 'string' },
          handler: (_a, c) => {
            if (!c.sid) return reply(S.INVALID_ARGUMENT);
            if (!this.apply) return reply(S.NO_DATA);
            if (this.apply.sid !== c.sid) return reply(S.PERMISSION_DENIED);
            this.o.timers.clear(this.apply.timer);
            this.apply = undefined;
            return ok();
          },
        },
        rollback: {
          policy: { ubus_rpc_session: 'string' },
          handler: (_a, c) => {
            if (!this.apply) return reply(S.NO_DATA);
            if (!c.sid) return reply(S.INVALID_ARGUMENT);
            if (this.apply.sid !== c.sid) return reply(S.PERMISSION_DENIED);
            this.doRollback();
            return ok();
          },
        },
        reload_config: {
          policy: {},
          handler: () => {
            // rpcd forks /sbin/reload_config after 2 s; procd then reloads changed services
            this.o.timers.set(2000, () => {
              for (const c of this.o.store.configs()) this.o.configChanged(c);
            });
            return ok();
          },
        },
      },
    };
  }
}
