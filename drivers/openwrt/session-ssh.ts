// DriverSession over SSH and the uci CLI (doc §4.3). The CLI has no apply-with-rollback, so the
// driver keeps the old values itself and every write is read back before it counts.

import { NO_CHANGE } from '../pending-change.js';
import { ProtocolError, RouterctlError } from '../../src/core/errors.js';
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
  checkCredentialValue,
  diffOptions,
  isEmptyDiff,
  isSoftFailure,
  requirePasswordWan,
  sectionsOfBackup,
  type OptionDiff,
} from './common.js';
import {
  parseInterfaceStatus,
  parseJsonText,
  parseSystemBoard,
  parseSystemInfo,
  pickWanSection,
  sameOptions,
  toWanSettings,
  type UciSection,
  type UciValue,
} from './parse.js';
import { parseBusyboxPing, pingArgs } from './ping.js';
import type { BatchOp, SshTransport } from './ssh-transport.js';

const PKG = 'network';

export class SshSession implements DriverSession {
  readonly capabilities = CAPABILITIES;
  readonly #ssh: SshTransport;
  readonly #logger: DriverLogger;
  #wan: string | undefined;

  constructor(ssh: SshTransport, logger: DriverLogger) {
    this.#ssh = ssh;
    this.#logger = logger;
  }

  async info(): Promise<RouterInfo> {
    const info = baseInfo();
    for (const [method, parse] of [
      ['board', parseSystemBoard],
      ['info', parseSystemInfo],
    ] as const) {
      try {
        Object.assign(info, parse(await this.#ssh.ubusCall('system', method)));
      } catch (err) {
        if (!isSoftFailure(err)) throw err;
        this.#logger.debug(`system ${method} not available over SSH`, { code: (err as RouterctlError).code });
      }
    }
    return info;
  }

  async readWan(opts: { withPassword?: boolean } = {}): Promise<WanSettings> {
    return toWanSettings(await this.#wanSection(), opts);
  }

  async wanStatus(): Promise<WanStatus> {
    const name = await this.#wanName();
    return parseInterfaceStatus(await this.#ssh.ifstatus(name));
  }

  async backup(): Promise<Backup> {
    return backupOf(await this.#wanSection());
  }

  async restore(backup: Backup): Promise<void> {
    const wanted = sectionsOfBackup(backup);
    await this.#refuseForeignStaging();
    const current = await this.#ssh.exportPackage(PKG);
    const ops: BatchOp[] = [];
    for (const [name, options] of wanted) {
      const now = current.find((s) => s.name === name);
      if (!now) throw new RouterctlError('restore_failed', `the section network.${name} of the backup no longer exists on the router`, { section: name });
      ops.push(...opsFor(name, now.options, diffOptions(now.options, options)));
    }
    if (ops.length > 0) {
      await this.#ssh.batch(PKG, ops);
      const after = await this.#ssh.exportPackage(PKG);
      const ok = [...wanted].every(([name, options]) => {
        const s = after.find((x) => x.name === name);
        return s !== undefined && sameOptions(s.options, options);
      });
      if (!ok) throw new RouterctlError('restore_failed', 'the router did not keep the restored settings');
    }
    // ifup also restarts an interface blocked by authfail or a manual ifdown.
    for (const name of wanted.keys()) {
      if (current.find((s) => s.name === name)?.type === 'interface') await this.#ssh.ifup(name);
    }
  }

  async setWanCredentials(change: { username?: string; password: string }): Promise<PendingChange> {
    const values: Record<string, string> = {};
    if (change.username !== undefined) values.username = checkCredentialValue(change.username, 'username', true);
    values.password = checkCredentialValue(change.password, 'password', true);
    await this.#refuseForeignStaging();
    const section = await this.#wanSection();
    requirePasswordWan(section);
    const before = section.options;
    const wanted: Record<string, UciValue> = { ...before, ...values };
    const diff = diffOptions(before, wanted);
    if (isEmptyDiff(diff)) return NO_CHANGE;

    const putBack = async (): Promise<void> => {
      const now = await this.#section(section.name);
      const ops = opsFor(section.name, now.options, diffOptions(now.options, before));
      if (ops.length > 0) await this.#ssh.batch(PKG, ops);
      const after = await this.#section(section.name);
      if (!sameOptions(after.options, before)) throw new RouterctlError('restore_failed', 'the router did not take the previous WAN settings back');
      await this.#ssh.ifup(section.name);
    };

    try {
      await this.#ssh.batch(PKG, opsFor(section.name, before, diff));
      const after = await this.#section(section.name);
      if (!sameOptions(after.options, wanted)) throw new ProtocolError('OpenWrt: the router stored different values than requested over SSH');
    } catch (err) {
      // Leave the router as it was, then report the first problem.
      await putBack().catch((e: unknown) => this.#logger.warn('putting the old WAN values back failed', { code: (e as RouterctlError).code }));
      throw err;
    }
    await this.#ssh.ifup(section.name);

    let state: 'pending' | 'confirmed' | 'rolled_back' = 'pending';
    return {
      // The CLI route has no router-side timer: the change stays unless rolled back.
      autoRevertSeconds: undefined,
      confirm: async () => {
        if (state === 'rolled_back') throw new RouterctlError('rolled_back', 'the change was already rolled back');
        state = 'confirmed';
      },
      rollback: async () => {
        if (state === 'rolled_back') return;
        if (state === 'confirmed') throw new RouterctlError('usage', 'the change was already confirmed; restore a backup instead');
        await putBack();
        state = 'rolled_back';
      },
    };
  }

  async reconnectWan(): Promise<void> {
    // netifd's ifup is "reload, down, up" in one (doc §4.3).
    await this.#ssh.ifup(await this.#wanName());
  }

  async wanLink(): Promise<WanLink> {
    const section = await this.#wanSection();
    const raw = await this.#ssh.ifstatus(section.name);
    const device = wanDeviceName(raw, section);
    let deviceStatus: unknown;
    if (device) {
      // The name is checked by wanDeviceName ([A-Za-z0-9_.@-]), so it is safe inside the quotes.
      const r = await this.#ssh.exec(`ubus call network.device status '{"name":"${device}"}'`);
      if (r.code === 0) deviceStatus = parseJsonText(r.stdout, 'ubus call network.device status');
    }
    return parseWanLink(deviceStatus, raw, device);
  }

  async routerHealth(): Promise<RouterHealth> {
    try {
      return parseSystemHealth(await this.#ssh.ubusCall('system', 'info'));
    } catch (err) {
      if (!isSoftFailure(err)) throw err;
      return {};
    }
  }

  async lanInfo(): Promise<LanInfo> {
    return lanSubnetsOf(await this.#ssh.exportPackage(PKG), this.#wan);
  }

  /** busybox ping, one SSH channel per host, all in parallel. The hosts are IP literals (checked), nothing else is in the line. */
  async pingFromRouter(hosts: readonly string[], opts: RouterPingOptions): Promise<RouterPingOutcome> {
    const lines = hosts.map((h) => `ping ${pingArgs(h, opts.count).join(' ')}`);
    const one = async (host: string, line: string): Promise<RouterPing> => {
      const r = await this.#ssh.exec(line);
      if (r.code === 127) throw new RouterctlError('unsupported', 'the router has no ping');
      return parseBusyboxPing(host, r.stdout, r.stderr);
    };
    try {
      return { ok: true, results: await Promise.all(hosts.map((h, i) => one(h, lines[i]!))) };
    } catch (err) {
      if (err instanceof RouterctlError && err.code === 'unsupported') return { ok: false, reason: 'the router has no ping command' };
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#ssh.close();
  }

  // -------------------------------------------------------------------------------------------

  async #wanSection(): Promise<UciSection> {
    const s = pickWanSection(await this.#ssh.exportPackage(PKG));
    this.#wan = s.name;
    return s;
  }

  /** Status polls only need the name, which a credentials change never alters. */
  async #wanName(): Promise<string> {
    return this.#wan ?? (await this.#wanSection()).name;
  }

  async #section(name: string): Promise<UciSection> {
    const s = (await this.#ssh.exportPackage(PKG)).find((x) => x.name === name);
    if (!s) throw new ProtocolError(`OpenWrt: section network.${name} disappeared`);
    return s;
  }

  /**
   * `uci commit network` would also commit whatever someone else staged with the CLI in
   * /tmp/.uci; refuse instead of applying a stranger's half-done edit.
   */
  async #refuseForeignStaging(): Promise<void> {
    const r = await this.#ssh.exec(`uci changes ${PKG}`);
    if (r.code !== 0) {
      this.#logger.debug('uci changes not available; cannot check for foreign staged changes', { exitCode: r.code });
      return;
    }
    if (r.stdout.trim() !== '') {
      throw new RouterctlError('busy', 'the router has uncommitted uci changes in network (someone is editing it); commit or revert them first', {
        stagedLines: r.stdout.trim().split('\n').length,
      });
    }
  }
}

/** Batch ops turning `current` into current+diff, lists replaced whole. */
function opsFor(section: string, current: Record<string, UciValue>, diff: OptionDiff): BatchOp[] {
  const ops: BatchOp[] = [];
  for (const [option, v] of Object.entries(diff.set)) {
    if (Array.isArray(v)) ops.push({ op: 'setList', section, option, values: v, exists: option in current });
    else ops.push({ op: 'set', section, option, value: v });
  }
  for (const option of diff.remove) ops.push({ op: 'delete', section, option });
  return ops;
}
