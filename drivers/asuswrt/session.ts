// DriverSession over the Asuswrt web API (doc §3–§5). applyapp.cgi's `apply` sets the nvram values,
// commits them and runs the rc service (restart_wan_if <unit>) in one step (doc §4.1; the commit is
// UNVERIFIED per build, see README): there is no router-side revert, so confirm() has nothing left to
// do and rollback() applies the old values again and reads them back.
import { NO_CHANGE, savedChange } from '../pending-change.js';
import type https from 'node:https';
import { ProtocolError, RouterctlError, UnsupportedError } from '../../src/core/errors.js';
import type { Backup, Credentials, DriverContext, DriverLogger, DriverSession, PendingChange, RouterInfo, Target, WanSettings, WanStatus } from '../types.js';
import { AsusClient } from './client.js';
import { CAPABILITIES, checkNvramValue, FAMILY, NVRAM_PPP_MAX_BYTES, VENDOR, wanKeys } from './common.js';
import { decodeCharToAscii, nvramText, protoOf, wanSettingsOf, wanStatusOf, type RawWan } from './parse.js';

export interface ConnectOptions {
  httpsAgent?: https.Agent | undefined;
}

export async function connectAsuswrt(target: Target, credentials: Credentials, ctx: DriverContext, opts: ConnectOptions = {}): Promise<DriverSession> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const useHttps = target.https === true && target.httpsPort !== undefined;
  const baseUrl = useHttps ? `https://${host}:${target.httpsPort}` : `http://${host}:${target.httpPort}`;
  const client = new AsusClient({ baseUrl, timeoutMs: ctx.requestTimeoutMs, maxResponseBytes: ctx.maxResponseBytes, logger: ctx.logger, httpsAgent: opts.httpsAgent, signal: ctx.signal }, credentials.username, credentials.password);
  await client.login();
  return new AsuswrtSession(client, ctx.logger);
}

/** nvram_char_to_ascii(<name>,<name>) (doc §3.1): the exact value, percent-encoded. */
const exact = (name: string): string => `nvram_char_to_ascii(${name},${name})`;

const PPP = new Set(['pppoe', 'l2tp', 'pptp']);

export class AsuswrtSession implements DriverSession {
  readonly capabilities = CAPABILITIES;
  readonly #client: AsusClient;
  readonly #logger: DriverLogger;
  #closed = false;
  #lastUnit: number | undefined;

  constructor(client: AsusClient, logger: DriverLogger) {
    this.#client = client;
    this.#logger = logger;
  }

  async info(): Promise<RouterInfo> {
    const v = await this.#client.appGet(['nvram_get(productid)', 'nvram_get(odmpid)', 'nvram_get(firmver)', 'nvram_get(buildno)', 'nvram_get(extendno)', 'nvram_get(lan_hostname)']);
    const model = nvramText(v, 'odmpid') || nvramText(v, 'productid') || undefined;
    const firmver = nvramText(v, 'firmver');
    const buildno = nvramText(v, 'buildno');
    const extendno = nvramText(v, 'extendno');
    const firmware = firmver && buildno ? `${firmver}.${buildno}${extendno ? `_${extendno}` : ''}` : undefined;
    return { family: FAMILY, vendor: VENDOR, model, firmware, hostname: nvramText(v, 'lan_hostname') || undefined };
  }

  async readWan(opts: { withPassword?: boolean } = {}): Promise<WanSettings> {
    return wanSettingsOf(await this.#readRaw(), opts.withPassword === true);
  }

  async wanStatus(): Promise<WanStatus> {
    const { unit, v } = await this.#withUnit((u) => {
      const k = wanKeys(u);
      return [k.state, k.sbstate, k.auxstate, k.ipaddr, k.gateway, k.dns].map((n) => `nvram_get(${n})`);
    });
    const k = wanKeys(unit);
    return wanStatusOf({ state: nvramText(v, k.state), sbstate: nvramText(v, k.sbstate), auxstate: nvramText(v, k.auxstate), ipaddr: nvramText(v, k.ipaddr), gateway: nvramText(v, k.gateway), dns: nvramText(v, k.dns) });
  }

  async backup(): Promise<Backup> {
    const w = await this.#readRaw();
    if (!PPP.has(w.rawProto)) throw new UnsupportedError('ASUS: the WAN is not PPPoE/L2TP/PPTP; there are no credentials to back up');
    const settings: Record<string, unknown> = { unit: w.unit, proto: w.rawProto, username: w.username ?? '', password: w.password ?? '' };
    if (w.rawProto !== 'pppoe') settings.server = w.server ?? '';
    return { family: FAMILY, format: 1, settings };
  }

  async restore(backup: Backup): Promise<void> {
    if (backup.family !== FAMILY) throw new RouterctlError('restore_failed', `this backup is of a ${backup.family} router, not an ASUS`);
    const s = backup.settings;
    if (typeof s.unit !== 'number' || !Number.isInteger(s.unit) || s.unit < 0 || s.unit > 9 || typeof s.username !== 'string' || typeof s.password !== 'string') {
      throw new RouterctlError('restore_failed', 'the backup does not hold ASUS WAN credentials');
    }
    const cur = await this.#readRaw();
    if (cur.unit !== s.unit) throw new RouterctlError('restore_failed', `the backup is of WAN unit ${s.unit}, the router now uses unit ${cur.unit}`, { unit: cur.unit });
    const k = wanKeys(cur.unit);
    const want: Record<string, string> = { [k.user]: s.username, [k.passwd]: s.password };
    if (typeof s.server === 'string') want[k.server] = s.server;
    for (const v of Object.values(want)) {
      if (Buffer.byteLength(v, 'utf8') > NVRAM_PPP_MAX_BYTES) throw new RouterctlError('restore_failed', `a value of the backup is longer than the router keeps (${NVRAM_PPP_MAX_BYTES} bytes)`);
    }
    const same = cur.username === s.username && cur.password === s.password && (typeof s.server !== 'string' || cur.server === s.server);
    if (same) return;
    await this.#client.apply(`restart_wan_if ${cur.unit}`, want);
    const after = await this.#readRaw();
    if (after.username !== s.username || after.password !== s.password || (typeof s.server === 'string' && after.server !== s.server)) {
      throw new RouterctlError('restore_failed', 'the router did not keep the restored WAN settings', { unit: cur.unit });
    }
  }

  async setWanCredentials(change: { username?: string; password: string }, _opts: { confirmWindowSeconds?: number } = {}): Promise<PendingChange> {
    const password = checkNvramValue(change.password, 'password');
    const username = change.username !== undefined ? checkNvramValue(change.username, 'username') : undefined;
    const before = await this.#readRaw();
    if (!PPP.has(before.rawProto)) throw new RouterctlError('wan_no_password', 'the WAN of this router is not a PPPoE/L2TP/PPTP client and does not use a password');
    if (before.password === password && (username === undefined || before.username === username)) {
      return NO_CHANGE;
    }
    const k = wanKeys(before.unit);
    const values: Record<string, string> = { [k.passwd]: password };
    if (username !== undefined) values[k.user] = username;
    await this.#client.apply(`restart_wan_if ${before.unit}`, values);
    const after = await this.#readRaw();
    if (after.password !== password || after.username !== (username ?? before.username)) {
      throw new ProtocolError('ASUS: the router stored other credentials than were sent (nvram_check may have dropped them)', { unit: before.unit });
    }
    this.#logger.info('new WAN credentials applied on the router (applyapp.cgi saves and restarts the WAN)', { unit: before.unit });
    return this.#pending(before);
  }

  async reconnectWan(): Promise<void> {
    const unit = await this.#unit();
    await this.#client.apply(`restart_wan_if ${unit}`, {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.logout().catch((err: unknown) => {
      this.#logger.debug('logging out failed; the token expires on its own', { code: (err as RouterctlError).code });
    });
  }

  // -------------------------------------------------------------------------------------------

  /** The active WAN unit (doc §8.14: dual-WAN may use unit 1). */
  #unitOf(v: Record<string, unknown>): number {
    const u = v.get_wan_unit;
    const n = typeof u === 'number' ? u : typeof u === 'string' && /^\d$/.test(u) ? Number(u) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 9) throw new ProtocolError('ASUS: get_wan_unit() gave no usable unit', { reason: 'no_wan_unit' });
    return n;
  }

  async #unit(): Promise<number> {
    this.#lastUnit = this.#unitOf(await this.#client.appGet(['get_wan_unit()']));
    return this.#lastUnit;
  }

  /**
   * One appGet with `get_wan_unit()` and the hooks of the unit seen last (httpd is slow and
   * single-threaded: fewer requests, doc §8.10); asked again when the active unit changed (failover).
   */
  async #withUnit(hooks: (unit: number) => string[], sensitive = false): Promise<{ unit: number; v: Record<string, unknown> }> {
    const guess = this.#lastUnit ?? (await this.#unit());
    const v = await this.#client.appGet(['get_wan_unit()', ...hooks(guess)], sensitive);
    const unit = this.#unitOf(v);
    this.#lastUnit = unit;
    if (unit === guess) return { unit, v };
    return { unit, v: await this.#client.appGet(['get_wan_unit()', ...hooks(unit)], sensitive) };
  }

  async #readRaw(): Promise<RawWan> {
    // Exact values only through nvram_char_to_ascii: nvram_get escapes UTF-8 and `"&<>` (doc §8.8).
    const { unit, v } = await this.#withUnit((u) => {
      const k = wanKeys(u);
      return [`nvram_get(${k.proto})`, `nvram_get(${k.mtu})`, exact(k.user), exact(k.passwd), exact(k.server)];
    }, true);
    const k = wanKeys(unit);
    const rawProto = nvramText(v, k.proto) ?? '';
    if (rawProto === '') throw new ProtocolError(`ASUS: ${k.proto} is missing from the reply`, { reason: 'no_proto' });
    const w: RawWan = { unit, rawProto, mtu: nvramText(v, k.mtu) };
    if (!PPP.has(protoOf(rawProto))) return w;
    w.username = decodeCharToAscii(v[k.user], k.user);
    w.password = decodeCharToAscii(v[k.passwd], k.passwd);
    w.server = decodeCharToAscii(v[k.server], k.server);
    return w;
  }

  #pending(before: RawWan): PendingChange {
    return savedChange(async () => {
      const k = wanKeys(before.unit);
      await this.#client.apply(`restart_wan_if ${before.unit}`, { [k.user]: before.username ?? '', [k.passwd]: before.password ?? '' });
      const after = await this.#readRaw();
      if (after.username !== before.username || after.password !== before.password) {
        throw new RouterctlError('restore_failed', 'the router did not take the previous WAN credentials back', { unit: before.unit });
      }
    });
  }
}
