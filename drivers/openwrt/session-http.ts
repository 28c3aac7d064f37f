// DriverSession over uhttpd /ubus: rpcd uci with per-session staging, and `uci apply` with
// rollback + confirm as the native safety net (doc §4.1, §4.2).

import { NO_CHANGE } from '../pending-change.js';
import { NotFoundError, ProtocolError, RouterctlError } from '../../src/core/errors.js';
import type {
  Backup,
  DriverLogger,
  DriverSession,
  LanInfo,
  PendingChange,
  RouterHealth,
  RouterInfo,
  RouterPing,
  RouterPingOptions,
  RouterPingOutcome,
  WanLink,
  WanSettings,
  WanStatus,
} from '../types.js';
import { lanSubnetsOf, parseSystemHealth, parseWanLink, wanDeviceName } from './diag-parse.js';
import {
  CAPABILITIES,
  backupOf,
  baseInfo,
  checkConfirmWindow,
  checkCredentialValue,
  diffOptions,
  isEmptyDiff,
  isSoftFailure,
  requirePasswordWan,
  sectionsOfBackup,
} from './common.js';
import {
  findInDump,
  needsExplicitUp,
  parseInterfaceStatus,
  parseSystemBoard,
  parseSystemInfo,
  parseUciChanges,
  parseUciPackage,
  pickWanSection,
  sameOptions,
  toWanSettings,
  type UciSection,
} from './parse.js';
import { parseBusyboxPing, pingArgs } from './ping.js';
import { UBUS, type UbusClient } from './ubus-client.js';

const PKG = 'network';
/** Rollback window for restore: it only has to outlive our own read-back. */
const RESTORE_WINDOW_S = 60;

/** Where OpenWrt's busybox has ping, and the path LuCI's diagnostics ACL names. */
const PING_PATH = '/bin/ping';

type StatusRoute = 'status' | 'dump' | 'object';

function ubusStatusOf(err: unknown): unknown {
  return err instanceof RouterctlError ? err.details.ubusStatus : undefined;
}

export class HttpSession implements DriverSession {
  readonly capabilities = CAPABILITIES;
  readonly #client: UbusClient;
  readonly #logger: DriverLogger;
  /** The status call that worked last time (LuCI-style ACLs only grant `dump`, doc pitfall 13). */
  #statusRoute: StatusRoute = 'status';
  /** An apply with rollback was sent and not yet confirmed or rolled back (only ours is ever undone). */
  #applySent = false;
  #closed = false;
  #wan: string | undefined;

  constructor(client: UbusClient, logger: DriverLogger) {
    this.#client = client;
    this.#logger = logger;
  }

  async info(): Promise<RouterInfo> {
    const info = baseInfo();
    try {
      Object.assign(info, parseSystemBoard(await this.#client.call('system', 'board')));
    } catch (err) {
      if (!isSoftFailure(err)) throw err;
      this.#logger.debug('system board not available', { code: (err as RouterctlError).code });
    }
    try {
      Object.assign(info, parseSystemInfo(await this.#client.call('system', 'info')));
    } catch (err) {
      if (!isSoftFailure(err)) throw err;
    }
    return info;
  }

  async readWan(opts: { withPassword?: boolean } = {}): Promise<WanSettings> {
    return toWanSettings(await this.#wanSection(), opts);
  }

  async wanStatus(): Promise<WanStatus> {
    const name = await this.#wanName();
    return parseInterfaceStatus(await this.#rawStatus(name));
  }

  async backup(): Promise<Backup> {
    return backupOf(await this.#wanSection());
  }

  async restore(backup: Backup): Promise<void> {
    const wanted = sectionsOfBackup(backup);
    // An apply of ours whose answer was lost (reset, timeout) may still wait for its confirmation:
    // undo it first, or the restore's own apply would be refused until the timer runs out.
    if (this.#applySent) await this.#rollbackApply().catch(() => undefined);
    await this.#dropOwnStaging();
    const current = await this.#sections();
    const diffs = [...wanted].map(([name, options]) => {
      const now = current.find((s) => s.name === name);
      if (!now) throw new RouterctlError('restore_failed', `the section network.${name} of the backup no longer exists on the router`, { section: name });
      return { name, diff: diffOptions(now.options, options) };
    });
    const todo = diffs.filter((d) => !isEmptyDiff(d.diff));
    if (todo.length > 0) {
      for (const { name, diff } of todo) {
        if (Object.keys(diff.set).length > 0) await this.#client.call('uci', 'set', { config: PKG, section: name, values: diff.set });
        if (diff.remove.length > 0) await this.#client.call('uci', 'delete', { config: PKG, section: name, options: diff.remove });
      }
      await this.#applyWithRollback(RESTORE_WINDOW_S);
      // Reading back through the same session also proves the management plane survived the reload.
      const after = await this.#sections();
      const ok = [...wanted].every(([name, options]) => {
        const s = after.find((x) => x.name === name);
        return s !== undefined && sameOptions(s.options, options);
      });
      if (!ok) {
        await this.#rollbackApply().catch(() => undefined);
        throw new RouterctlError('restore_failed', 'the router did not keep the restored settings; its previous state was rolled back');
      }
      await this.#client.call('uci', 'confirm');
      this.#applySent = false;
    }
    for (const name of wanted.keys()) {
      if (current.find((s) => s.name === name)?.type === 'interface') await this.#ensureUp(name);
    }
  }

  async setWanCredentials(
    change: { username?: string; password: string },
    opts: { confirmWindowSeconds?: number } = {},
  ): Promise<PendingChange> {
    const values: Record<string, string> = {};
    if (change.username !== undefined) values.username = checkCredentialValue(change.username, 'username', false);
    values.password = checkCredentialValue(change.password, 'password', false);
    const window = checkConfirmWindow(opts.confirmWindowSeconds);
    // The session must outlive the confirm window even if nobody polls (sliding expiry, doc §4.2).
    await this.#client.ensureSessionTimeout(window + 60);
    await this.#dropOwnStaging();
    const section = await this.#wanSection();
    requirePasswordWan(section);

    await this.#client.call('uci', 'set', { config: PKG, section: section.name, values });
    const staged = parseUciChanges(await this.#client.call('uci', 'changes', { config: PKG }));
    if (!this.#isExactlyOurChange(staged, section, values)) {
      await this.#client.call('uci', 'revert', { config: PKG }).catch(() => undefined);
      throw new ProtocolError('OpenWrt: the router staged something other than the requested change; nothing was applied', {
        staged: staged.map((e) => `${e[0]} ${e[1] ?? ''}.${e[2] ?? ''}`),
      });
    }
    if (staged.length === 0) {
      // Same values as before: nothing to apply, nothing to confirm.
      return NO_CHANGE;
    }
    await this.#applyWithRollback(window);
    await this.#ensureUp(section.name).catch((err: unknown) => {
      this.#logger.warn('could not start the WAN interface after apply', { code: (err as RouterctlError).code });
    });
    return this.#pending(window, section.name, values);
  }

  async reconnectWan(): Promise<void> {
    const name = await this.#wanName();
    await this.#ifaceAction(name, 'down');
    await this.#ifaceAction(name, 'up');
  }

  async wanLink(): Promise<WanLink> {
    const section = await this.#wanSection();
    const raw = await this.#rawStatus(section.name);
    const device = wanDeviceName(raw, section);
    let deviceStatus: unknown;
    if (device) {
      try {
        deviceStatus = await this.#client.call('network.device', 'status', { name: device });
      } catch (err) {
        if (!isSoftFailure(err)) throw err;
      }
    }
    return parseWanLink(deviceStatus, raw, device);
  }

  async routerHealth(): Promise<RouterHealth> {
    try {
      return parseSystemHealth(await this.#client.call('system', 'info'));
    } catch (err) {
      if (!isSoftFailure(err)) throw err;
      return {};
    }
  }

  async lanInfo(): Promise<LanInfo> {
    return lanSubnetsOf(await this.#sections(), this.#wan);
  }

  /**
   * busybox ping through rpcd's `file exec` (README "Pings"): allowed only when the login's ACL grants
   * ubus file/exec and the file scope grants exec on /bin/ping (LuCI's diagnostics page grants both).
   * A denial is "this login cannot ping", not a failure.
   */
  async pingFromRouter(hosts: readonly string[], opts: RouterPingOptions): Promise<RouterPingOutcome> {
    const argvs = hosts.map((h) => pingArgs(h, opts.count)); // validates every host before anything is sent
    let denied: string | undefined;
    const one = async (host: string, params: string[]): Promise<RouterPing> => {
      try {
        const r = await this.#client.call('file', 'exec', { command: PING_PATH, params });
        return parseBusyboxPing(host, typeof r?.stdout === 'string' ? r.stdout : '', typeof r?.stderr === 'string' ? r.stderr : '');
      } catch (err) {
        const e = err instanceof RouterctlError ? err : undefined;
        if (e?.details.acl === true || e?.details.rpcCode === -32002 || e?.details.ubusStatus === UBUS.PERMISSION_DENIED) {
          denied = `this login may not run ${PING_PATH} on the router (rpcd ACL: file exec)`;
        } else if (e?.details.ubusStatus === UBUS.NOT_FOUND) {
          denied = `the router has no ${PING_PATH}`;
        } else if (e?.code === 'timeout') {
          // rpcd ends a program that runs too long (its exec timeout): nothing answered in time.
          return { host, sent: opts.count, received: 0, error: 'timed out' };
        } else throw err;
        return { host, sent: 0, received: 0 };
      }
    };
    const results = await Promise.all(hosts.map((h, i) => one(h, argvs[i]!)));
    if (denied) return { ok: false, reason: denied };
    return { ok: true, results };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.logout().catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------

  async #sections(): Promise<UciSection[]> {
    return parseUciPackage(await this.#client.call('uci', 'get', { config: PKG }));
  }

  async #wanSection(): Promise<UciSection> {
    const s = pickWanSection(await this.#sections());
    this.#wan = s.name;
    return s;
  }

  /** Status polls only need the name, which a credentials change never alters. */
  async #wanName(): Promise<string> {
    return this.#wan ?? (await this.#wanSection()).name;
  }

  /**
   * Leftovers in this session's staging would be committed by our apply: a timed-out or explicit
   * rollback puts the change back as staged (doc §4.2). Only revert when there is something,
   * because LuCI-style ACLs do not grant `revert`.
   */
  async #dropOwnStaging(): Promise<void> {
    const staged = parseUciChanges(await this.#client.call('uci', 'changes', { config: PKG }));
    if (staged.length > 0) await this.#client.call('uci', 'revert', { config: PKG });
  }

  /** Every staged entry is one of ours, and every value that really changes is staged. */
  #isExactlyOurChange(staged: string[][], section: UciSection, values: Record<string, string>): boolean {
    const expected = new Set(Object.entries(values).map(([k, v]) => JSON.stringify(['set', section.name, k, v])));
    if (!staged.every((e) => expected.has(JSON.stringify(e)))) return false;
    const got = new Set(staged.map((e) => JSON.stringify(e)));
    return Object.entries(values).every(([k, v]) => section.options[k] === v || got.has(JSON.stringify(['set', section.name, k, v])));
  }

  async #applyWithRollback(timeout: number): Promise<void> {
    this.#applySent = true;
    try {
      await this.#client.call('uci', 'apply', { rollback: true, timeout });
    } catch (err) {
      if (ubusStatusOf(err) === UBUS.PERMISSION_DENIED) this.#applySent = false;
      await this.#client.call('uci', 'revert', { config: PKG }).catch(() => undefined);
      if (ubusStatusOf(err) === UBUS.PERMISSION_DENIED) {
        throw new RouterctlError('busy', 'another change is waiting for confirmation on the router; try again in a few minutes', {
          ubusStatus: UBUS.PERMISSION_DENIED,
        });
      }
      throw err;
    }
  }

  /** `uci rollback`, then drop the change it puts back into staging. Nothing pending = already undone. */
  async #rollbackApply(): Promise<void> {
    try {
      await this.#client.call('uci', 'rollback');
    } catch (err) {
      if (ubusStatusOf(err) !== UBUS.NO_DATA) throw err;
    }
    this.#applySent = false;
    await this.#dropOwnStaging();
  }

  #pending(window: number, iface: string, values: Record<string, string>): PendingChange {
    let state: 'pending' | 'confirmed' | 'rolled_back' = 'pending';
    return {
      autoRevertSeconds: window,
      // Must be the sid that applied (doc pitfall 10); a re-login during a pending apply gets that same sid back.
      confirm: async () => {
        if (state === 'confirmed') return;
        if (state === 'rolled_back') throw new RouterctlError('rolled_back', 'the change was already rolled back');
        try {
          await this.#client.call('uci', 'confirm');
          this.#applySent = false;
        } catch (err) {
          if (ubusStatusOf(err) === UBUS.NO_DATA) {
            // Nothing waits for confirmation: either the timer undid the change, or it is no longer
            // pending because an earlier confirm went through unanswered or the router restarted
            // (a restart forgets the rollback and keeps /etc/config). The settings tell which.
            // After a timer revert rpcd hands the change back as staged in this session, and `uci get`
            // shows staged values: only an empty staging area makes the values read the committed ones.
            const staged = parseUciChanges(await this.#client.call('uci', 'changes', { config: PKG }));
            const section = staged.length === 0 ? (await this.#sections()).find((x) => x.name === iface) : undefined;
            if (section && Object.entries(values).every(([k, v]) => section.options[k] === v)) {
              state = 'confirmed';
              this.#applySent = false;
              this.#logger.info('no change was waiting for confirmation, but the router has the new settings: they stay', { interface: iface });
              return;
            }
            state = 'rolled_back';
            throw new RouterctlError('rolled_back', `the router had already undone the change: the ${window} s confirm window passed`);
          }
          if (ubusStatusOf(err) === UBUS.PERMISSION_DENIED) {
            // rpcd takes a confirm only from the session that applied; that one has ended (expired, or the router's rpcd restarted).
            throw new RouterctlError('busy', `OpenWrt: the change waits for a confirmation from a login session that has ended; the router undoes it by itself within ${window} s`, {
              ubusStatus: UBUS.PERMISSION_DENIED,
            });
          }
          throw err;
        }
        state = 'confirmed';
      },
      rollback: async () => {
        if (state === 'rolled_back') return;
        if (state === 'confirmed') throw new RouterctlError('usage', 'the change was already confirmed; restore a backup instead');
        await this.#rollbackApply();
        state = 'rolled_back';
        await this.#ensureUp(iface).catch(() => undefined);
      },
    };
  }

  /** The interface's raw status object, via whichever route this router's ACL allows. */
  async #rawStatus(iface: string): Promise<unknown> {
    const routes: StatusRoute[] = ['status', 'dump', 'object'];
    const order = [this.#statusRoute, ...routes.filter((r) => r !== this.#statusRoute)];
    let first: unknown;
    for (const route of order) {
      try {
        const data = await this.#statusVia(route, iface);
        this.#statusRoute = route;
        return data;
      } catch (err) {
        if (!isSoftFailure(err)) throw err;
        first ??= err;
      }
    }
    throw first instanceof RouterctlError ? first : new NotFoundError(`OpenWrt: no status for interface ${iface}`);
  }

  async #statusVia(route: StatusRoute, iface: string): Promise<unknown> {
    if (route === 'status') return this.#client.call('network.interface', 'status', { interface: iface });
    if (route === 'dump') return findInDump(await this.#client.call('network.interface', 'dump'), iface);
    return this.#client.call(`network.interface.${iface}`, 'status');
  }

  /** netifd keeps an interface down after ifdown or an authfail block, even across a config change (doc §5.1). */
  async #ensureUp(iface: string): Promise<void> {
    if (needsExplicitUp(await this.#rawStatus(iface))) await this.#ifaceAction(iface, 'up');
  }

  async #ifaceAction(iface: string, action: 'up' | 'down'): Promise<void> {
    try {
      await this.#client.call('network.interface', action, { interface: iface });
    } catch (err) {
      if (!isSoftFailure(err)) throw err;
      await this.#client.call(`network.interface.${iface}`, action);
    }
  }
}
