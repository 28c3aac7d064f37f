// DriverSession over RCI. Keenetic applies a setting to the running configuration at once and keeps it
// only after `system configuration save` (doc §6); there is no automatic revert, so a change is saved
// straight away and a rollback writes the old values back and saves again.

import { NO_CHANGE, savedChange } from '../pending-change.js';
import type https from 'node:https';
import { ProtocolError, RouterctlError } from '../../src/core/errors.js';
import type {
  Backup,
  Credentials,
  DriverContext,
  DriverLogger,
  DriverSession,
  LanInfo,
  PendingChange,
  RouterHealth,
  RouterInfo,
  Target,
  WanLink,
  WanSettings,
  WanStatus,
} from '../types.js';
import { CAPABILITIES, checkCredentialValue } from './common.js';
import {
  interfaceConfigOf,
  parseInterfaceList,
  parseInterfaceStatus,
  parseLog,
  parsePppConfig,
  parseSystem,
  parseVersion,
  pickWan,
  protoOfType,
  recordsFor,
  routerInfo,
  statusEntries,
  toWanSettings,
  wanStatusOf,
  type IfaceStatus,
  type PppConfig,
} from './parse.js';
import { RciClient } from './rci-client.js';
import { backupOf, wanOfBackup } from './settings.js';

export interface ConnectOptions {
  /** HTTPS agent (certificate pinning); the router's self-signed certificate is accepted when absent. */
  httpsAgent?: https.Agent | undefined;
}

/** How many log lines a status check reads (doc §4.3 `show log` with `once`). */
const LOG_LINES = 200;

const SAVE = { system: { configuration: { save: {} } } } as const;

function isSoft(err: unknown): boolean {
  return err instanceof RouterctlError && ['protocol', 'unsupported', 'not_found'].includes(err.code);
}

export async function connectKeenetic(target: Target, credentials: Credentials, ctx: DriverContext, opts: ConnectOptions = {}): Promise<DriverSession> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const useHttps = target.https === true && target.httpsPort !== undefined;
  const baseUrl = useHttps ? `https://${host}:${target.httpsPort}` : `http://${host}:${target.httpPort}`;
  const client = new RciClient({
    baseUrl,
    timeoutMs: ctx.requestTimeoutMs,
    maxResponseBytes: ctx.maxResponseBytes,
    logger: ctx.logger,
    httpsAgent: opts.httpsAgent,
    signal: ctx.signal,
  });
  await client.login(credentials.username, credentials.password);
  return new KeeneticSession(client, ctx.logger);
}

interface Wan {
  status: IfaceStatus;
  /** PPP interfaces that are administratively up: pppd log lines are attributed when there is one. */
  pppUp: number;
}

export class KeeneticSession implements DriverSession {
  readonly capabilities = CAPABILITIES;
  readonly #client: RciClient;
  readonly #logger: DriverLogger;
  #closed = false;
  #wanCache: Wan | undefined;

  constructor(client: RciClient, logger: DriverLogger) {
    this.#client = client;
    this.#logger = logger;
  }

  async info(): Promise<RouterInfo> {
    const version = await this.#client.get('show/version').then(parseVersion, (err: unknown) => this.#soft(err, 'show version'));
    const system = await this.#client.get('show/system').then(parseSystem, (err: unknown) => this.#soft(err, 'show system'));
    return routerInfo(version, system);
  }

  async readWan(opts: { withPassword?: boolean } = {}): Promise<WanSettings> {
    const wan = await this.#wan(true);
    const proto = protoOfType(wan.status.type);
    const cfg = proto === 'other' ? await this.#config(wan.status.id).catch((err: unknown) => this.#soft(err, 'interface configuration')) : await this.#config(wan.status.id);
    return toWanSettings(wan.status, cfg, opts);
  }

  async wanStatus(): Promise<WanStatus> {
    const wan = await this.#wan(false);
    const name = wan.status.id;
    const iface = parseInterfaceStatus(await this.#client.get('show/interface', { name }), name);
    const quick = wanStatusOf({ iface, log: [] });
    if (quick.state === 'up' || quick.reason === 'disabled') return quick;
    // Not up: the carrier's link (doc §7.3) and the log (doc §7.2) tell why.
    let carrier: IfaceStatus | undefined;
    if (iface.via !== undefined && iface.via !== name) {
      const via = iface.via;
      carrier = await this.#client.get('show/interface', { name: via }).then(
        (j) => parseInterfaceStatus(j, via),
        (err: unknown) => this.#soft(err, 'carrier status'),
      );
    }
    const log = await this.#client.get('show/log', { once: true, 'max-lines': LOG_LINES }).then(parseLog, (err: unknown) => this.#soft(err, 'show log'));
    return wanStatusOf({ iface, carrier, log: recordsFor(log ?? [], name, wan.pppUp <= 1) });
  }

  async backup(): Promise<Backup> {
    const wan = await this.#wan(true);
    const ppp = protoOfType(wan.status.type) === 'other' ? undefined : parsePppConfig(await this.#config(wan.status.id));
    return backupOf(wan.status.id, wan.status.type, ppp);
  }

  async restore(backup: Backup): Promise<void> {
    const wanted = wanOfBackup(backup);
    const name = wanted.interface;
    let status: IfaceStatus;
    try {
      status = parseInterfaceStatus(await this.#client.get('show/interface', { name }), name);
    } catch (err) {
      if (!isSoft(err)) throw err;
      throw new RouterctlError('restore_failed', `the interface ${name} of the backup no longer exists on the router`, { interface: name });
    }
    if (status.type !== wanted.type) {
      throw new RouterctlError('restore_failed', `the interface ${name} is now of type ${status.type || '?'}, the backup is of type ${wanted.type}`, {
        interface: name,
      });
    }
    if (protoOfType(wanted.type) === 'other') {
      await this.#client.post('system/configuration/save', {});
      return;
    }
    const current = parsePppConfig(await this.#config(name));
    const auth: Record<string, unknown> = {};
    if (current.identity !== wanted.identity) auth.identity = wanted.identity ?? { no: true };
    if (wanted.passwordMasked) {
      this.#logger.warn('the backup has no readable password (the router masked it); the password is left as it is', { interface: name });
    } else if (current.passwordMasked || current.password !== wanted.password) {
      auth.password = wanted.password ?? { no: true };
    }
    const change: Record<string, unknown> = { name };
    if (Object.keys(auth).length > 0) change.authentication = auth;
    if (protoOfType(wanted.type) !== 'pppoe' && current.peer !== wanted.peer) change.peer = wanted.peer ?? { no: true };
    const changed = Object.keys(change).length > 1;
    if (changed) {
      await this.#client.batch([{ interface: change }, SAVE], wanted.password ? [wanted.password] : []);
    } else {
      await this.#client.post('system/configuration/save', {});
    }
    const after = parsePppConfig(await this.#config(name));
    const same =
      after.identity === wanted.identity &&
      (wanted.passwordMasked || after.passwordMasked || after.password === wanted.password) &&
      (protoOfType(wanted.type) === 'pppoe' || after.peer === wanted.peer);
    if (!same) throw new RouterctlError('restore_failed', 'the router did not keep the restored WAN settings', { interface: name });
    if (changed) await this.#redial(name);
  }

  async setWanCredentials(change: { username?: string; password: string }, _opts: { confirmWindowSeconds?: number } = {}): Promise<PendingChange> {
    const password = checkCredentialValue(change.password, 'password');
    const username = change.username !== undefined ? checkCredentialValue(change.username, 'username') : undefined;
    const wan = await this.#wan(true);
    const name = wan.status.id;
    if (protoOfType(wan.status.type) === 'other') {
      throw new RouterctlError('wan_no_password', `the WAN interface ${name} (${wan.status.type || 'unknown type'}) does not use a password`, {
        interface: name,
        proto: wan.status.type,
      });
    }
    const before = parsePppConfig(await this.#config(name));
    if (before.password === password && (username === undefined || before.identity === username)) {
      return NO_CHANGE;
    }
    // One batch, in order: the new values, then `system configuration save` (doc §5.1). JSON carries
    // any character, so no CLI quoting is involved (doc §5.2 is avoided on purpose).
    const authentication: Record<string, string> = { password };
    if (username !== undefined) authentication.identity = username;
    const reply = await this.#client.batch([{ interface: { name, authentication } }, SAVE], [password]);
    if (statusEntries(reply[1]).length === 0) this.#logger.warn('the router did not confirm `system configuration save`', { interface: name });
    const after = parsePppConfig(await this.#config(name));
    if (after.identity !== (username ?? before.identity) || (!after.passwordMasked && after.password !== password)) {
      throw new ProtocolError('Keenetic: the router stored other credentials than were sent', { interface: name });
    }
    this.#logger.info('new WAN credentials saved on the router', { interface: name });
    // Whether a password change alone redials is UNVERIFIED (doc §6): force it.
    await this.#redial(name);
    return this.#pending(name, before);
  }

  async reconnectWan(): Promise<void> {
    await this.#redial((await this.#wan(false)).status.id);
  }

  /** The carrier (`via`) interface's link: doc §7.3. */
  async wanLink(): Promise<WanLink> {
    const wan = await this.#wan(false);
    const name = wan.status.id;
    const iface = parseInterfaceStatus(await this.#client.get('show/interface', { name }), name);
    const via = iface.via !== undefined && iface.via !== name ? iface.via : undefined;
    if (!via) return {};
    const carrier = await this.#client.get('show/interface', { name: via }).then(
      (j) => parseInterfaceStatus(j, via),
      (err: unknown) => this.#soft(err, 'carrier status'),
    );
    if (!carrier?.link) return { device: via };
    return { device: via, carrier: carrier.link === 'up' };
  }

  async routerHealth(): Promise<RouterHealth> {
    const raw = await this.#client.get('show/system').catch((err: unknown) => this.#soft(err, 'show system'));
    return healthOf(raw);
  }

  async lanInfo(): Promise<LanInfo> {
    const list = parseInterfaceList(await this.#client.get('show/interface'));
    const subnets: LanInfo['subnets'] = [];
    for (const i of list) {
      if (i.type !== 'Bridge' || !i.address) continue;
      const prefix = prefixOf(i.mask);
      if (prefix !== undefined) subnets.push({ address: i.address, prefix });
    }
    return { subnets };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.logout().catch((err: unknown) => {
      this.#logger.debug('logout failed; the session cookie was dropped anyway', { code: (err as RouterctlError).code });
    });
  }

  // -------------------------------------------------------------------------------------------

  #soft(err: unknown, what: string): undefined {
    if (!isSoft(err)) throw err;
    this.#logger.debug(`${what} not available`, { code: (err as RouterctlError).code });
    return undefined;
  }

  async #wan(fresh: boolean): Promise<Wan> {
    if (!fresh && this.#wanCache) return this.#wanCache;
    const list = parseInterfaceList(await this.#client.get('show/interface'));
    const status = pickWan(list);
    const pppUp = list.filter((i) => protoOfType(i.type) !== 'other' && i.state !== 'down').length;
    this.#wanCache = { status, pppUp };
    return this.#wanCache;
  }

  async #config(name: string): Promise<Record<string, unknown>> {
    return interfaceConfigOf(await this.#client.get('interface', { name }), name);
  }

  /** Down, then up (doc §6: `{"interface":{"PPPoE0":{"up":false}}}` then `…{"up":true}`). */
  async #redial(name: string): Promise<void> {
    await this.#client.batch([{ interface: { [name]: { up: false } } }, { interface: { [name]: { up: true } } }]);
  }

  // Keenetic has no automatic revert (doc §6: fail-safe semantics UNVERIFIED, not relied upon), and the
  // change was saved in setWanCredentials: nothing left to make permanent.
  #pending(name: string, before: PppConfig): PendingChange {
    return savedChange(
      async () => {
        if (before.passwordMasked || before.password === undefined) {
          throw new RouterctlError('restore_failed', 'the router does not show the previous password, so it cannot be written back; restore it by hand', {
            interface: name,
          });
        }
        const authentication: Record<string, unknown> = { password: before.password, identity: before.identity ?? { no: true } };
        await this.#client.batch([{ interface: { name, authentication } }, SAVE], [before.password]);
      },
      () => this.#redial(name),
    );
  }
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** `show system`: uptime (s), cpuload (%), memtotal/memfree (KiB). Unknown shapes give empty fields. */
export function healthOf(raw: unknown): RouterHealth {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const h: RouterHealth = {};
  const uptime = num(r.uptime);
  if (uptime !== undefined) h.uptimeSeconds = Math.floor(uptime);
  const cpu = num(r.cpuload);
  if (cpu !== undefined && cpu <= 100) h.cpuLoadPercent = cpu;
  // `memory: "used/total"` (KiB) counts caches as free; memfree does not, so it is only the fallback.
  const m = typeof r.memory === 'string' ? /^(\d{1,12})\/(\d{1,12})$/.exec(r.memory.trim()) : null;
  const total = m ? Number(m[2]) : num(r.memtotal);
  const free = m ? Number(m[2]) - Number(m[1]) : num(r.memfree);
  if (total !== undefined && total > 0) h.memTotalBytes = total * 1024;
  if (free !== undefined && free >= 0) h.memAvailableBytes = free * 1024;
  return h;
}

/** "255.255.255.0" → 24; also accepts a bare prefix length. */
function prefixOf(mask: string | undefined): number | undefined {
  if (!mask) return undefined;
  if (/^\d{1,2}$/.test(mask)) return Number(mask) <= 32 ? Number(mask) : undefined;
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  const zero = bits.indexOf('0');
  return zero === -1 ? 32 : zero;
}
