// DriverSession over RouterOS REST. RouterOS applies and persists every `set` at once (doc §5): there
// is no apply step and no automatic revert, so a change is live when `set` answers; confirm() has
// nothing left to do and rollback() writes the old values back (like the Keenetic driver).
import { NO_CHANGE, savedChange } from '../pending-change.js';
import type https from 'node:https';
import { ProtocolError, RouterctlError, UnsupportedError } from '../../src/core/errors.js';
import type { Backup, Credentials, DriverContext, DriverLogger, DriverSession, PendingChange, RouterHealth, RouterInfo, Target, WanSettings, WanStatus } from '../types.js';
import { CAPABILITIES, checkCredentialValue, FAMILY, IFACE_NAME, PPP_MENUS, type PppMenu } from './common.js';
import {
  healthOf,
  parseLog,
  parsePppClient,
  parseResource,
  parseRouterboard,
  pickWan,
  pppAddressOf,
  reasonFromLog,
  routerInfo,
  toList,
  toSingleton,
  wanSettingsOf,
  type PppClient,
} from './parse.js';
import { RestClient } from './rest-client.js';

export interface ConnectOptions {
  httpsAgent?: https.Agent | undefined;
}

function isSoft(err: unknown): boolean {
  return err instanceof RouterctlError && ['protocol', 'unsupported', 'not_found'].includes(err.code);
}

export async function connectMikrotik(target: Target, credentials: Credentials, ctx: DriverContext, opts: ConnectOptions = {}): Promise<DriverSession> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const useHttps = target.https === true && target.httpsPort !== undefined;
  const baseUrl = useHttps ? `https://${host}:${target.httpsPort}` : `http://${host}:${target.httpPort}`;
  const client = new RestClient(
    { baseUrl, timeoutMs: ctx.requestTimeoutMs, maxResponseBytes: ctx.maxResponseBytes, logger: ctx.logger, httpsAgent: opts.httpsAgent, signal: ctx.signal },
    credentials.username,
    credentials.password,
  );
  // Basic auth has no login call (doc §2.1): the first authenticated request is the login check.
  try {
    const res = parseResource(await client.getOnce('system/resource'));
    if (res.platform !== undefined && res.platform !== 'MikroTik') ctx.logger.warn('system/resource does not say platform MikroTik', { platform: res.platform.slice(0, 32) });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  return new MikrotikSession(client, ctx.logger);
}

const BACKUP_KEYS = ['menu', 'name', 'user', 'password', 'connect-to'] as const;

export class MikrotikSession implements DriverSession {
  readonly capabilities = CAPABILITIES;
  readonly #client: RestClient;
  readonly #logger: DriverLogger;
  #closed = false;
  #wanCache: PppClient | undefined;
  /** Log lines up to this id belong to dial attempts before our last reconnect. */
  #logSince = -1;

  constructor(client: RestClient, logger: DriverLogger) {
    this.#client = client;
    this.#logger = logger;
  }

  async info(): Promise<RouterInfo> {
    const res = parseResource(await this.#client.get('system/resource'));
    const rb = await this.#client.get('system/routerboard').then(parseRouterboard, (err: unknown) => this.#soft(err, 'system/routerboard'));
    const identity = await this.#client.get('system/identity').then(
      (v) => toSingleton(v, 'system/identity').name,
      (err: unknown) => this.#soft(err, 'system/identity'),
    );
    return routerInfo(res, rb, identity);
  }

  async routerHealth(): Promise<RouterHealth> {
    return healthOf(parseResource(await this.#client.get('system/resource')));
  }

  async readWan(opts: { withPassword?: boolean } = {}): Promise<WanSettings> {
    const wan = await this.#wanOrNull(true);
    if (wan) return wanSettingsOf(wan, opts.withPassword === true);
    // No PPP client: DHCP or static (doc §3); neither has a password.
    const dhcp = await this.#client.get('ip/dhcp-client').then((v) => toList(v, 'ip/dhcp-client'), (err: unknown) => this.#soft(err, 'ip/dhcp-client'));
    const lease = dhcp?.find((d) => d.disabled !== 'true');
    if (lease) return { interface: lease.interface ?? 'ether1', proto: 'dhcp', rawProto: 'dhcp-client', hasPassword: false };
    return { interface: 'ether1', proto: 'static', hasPassword: false };
  }

  async wanStatus(): Promise<WanStatus> {
    let wan = await this.#wan(false);
    let item: PppClient;
    try {
      item = parsePppClient(wan.menu, toSingleton(await this.#client.get(`interface/${wan.menu}/${wan.id}`), wan.menu));
    } catch (err) {
      if (!(err instanceof UnsupportedError)) throw err;
      wan = await this.#wan(true);
      item = wan;
    }
    if (item.disabled) return { state: 'down', reason: 'disabled' };
    if (item.running) {
      const addr = await this.#client.get('ip/address', { interface: item.name }).then(pppAddressOf, (err: unknown) => this.#soft(err, 'ip/address'));
      return { state: 'up', ipv4: addr?.ipv4, gateway: addr?.gateway };
    }
    const log = await this.#client.get('log').then(parseLog, (err: unknown) => this.#soft(err, 'log'));
    // A log whose newest id is older than our mark was cleared (reboot): every line is new again.
    if (log && log.length > 0 && Math.max(...log.map((e) => e.id)) < this.#logSince) this.#logSince = -1;
    const why = reasonFromLog(log ?? [], item.name, this.#logSince);
    if (why.reason) return { state: 'down', reason: why.reason, rawErrors: why.raw ? [why.raw] : undefined };
    return { state: 'connecting' };
  }

  async backup(): Promise<Backup> {
    const wan = await this.#wan(true);
    const settings: Record<string, unknown> = {};
    const values: Record<(typeof BACKUP_KEYS)[number], string | undefined> = { menu: wan.menu, name: wan.name, user: wan.user, password: wan.password, 'connect-to': wan.server };
    for (const k of BACKUP_KEYS) if (values[k] !== undefined) settings[k] = values[k];
    return { family: FAMILY, format: 1, settings };
  }

  async restore(backup: Backup): Promise<void> {
    if (backup.family !== FAMILY) throw new RouterctlError('restore_failed', `this backup is of a ${backup.family} router, not a MikroTik`);
    const s = backup.settings;
    const menu = s.menu;
    const name = s.name;
    if (typeof menu !== 'string' || !(PPP_MENUS as readonly string[]).includes(menu) || typeof name !== 'string' || !IFACE_NAME.test(name)) {
      throw new RouterctlError('restore_failed', 'the backup does not name a MikroTik PPP client');
    }
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const want = { user: str(s.user), password: str(s.password), server: typeof s['connect-to'] === 'string' ? s['connect-to'] : undefined };
    const list = await this.#clients(menu as PppMenu);
    const cur = list.find((c) => c.name === name);
    if (!cur) throw new RouterctlError('restore_failed', `the interface ${name} of the backup no longer exists on the router`, { interface: name });
    const change: Record<string, string> = {};
    if (cur.user !== want.user) change.user = want.user;
    if (cur.password !== want.password) change.password = want.password;
    if (want.server !== undefined && cur.server !== want.server) change['connect-to'] = want.server;
    if (Object.keys(change).length === 0) return;
    await this.#set(cur, change);
    const after = await this.#read(cur);
    if (after.user !== want.user || after.password !== want.password || (want.server !== undefined && after.server !== want.server)) {
      throw new RouterctlError('restore_failed', 'the router did not keep the restored WAN settings', { interface: name });
    }
    await this.#redial(after);
  }

  async setWanCredentials(change: { username?: string; password: string }, _opts: { confirmWindowSeconds?: number } = {}): Promise<PendingChange> {
    const password = checkCredentialValue(change.password, 'password');
    const username = change.username !== undefined ? checkCredentialValue(change.username, 'username') : undefined;
    const wan = await this.#wanOrNull(true);
    if (!wan) throw new RouterctlError('wan_no_password', 'the WAN of this router is not a PPPoE/L2TP/PPTP client and does not use a password');
    if (wan.password === password && (username === undefined || wan.user === username)) {
      return NO_CHANGE;
    }
    // The universal `set` command with a JSON body (doc §4.1): any character travels as it is.
    const body: Record<string, string> = { password };
    if (username !== undefined) body.user = username;
    await this.#set(wan, body);
    const after = await this.#read(wan);
    if (after.user !== (username ?? wan.user) || after.password !== password) {
      // An empty password on read-back is the `sensitive` policy masking it (doc §8.12).
      if (after.password === '' && after.user === (username ?? wan.user)) this.#logger.warn('the router does not show PPP passwords to this user (no sensitive policy); the change is not verified by read-back');
      else throw new ProtocolError('MikroTik: the router stored other credentials than were sent', { interface: wan.name });
    }
    this.#logger.info('new WAN credentials set on the router (RouterOS saves at once)', { interface: wan.name });
    // Whether a password change alone redials is UNVERIFIED (doc §5): force it.
    await this.#redial(after);
    return this.#pending(wan);
  }

  async reconnectWan(): Promise<void> {
    await this.#redial(await this.#wan(false));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close().catch((err: unknown) => {
      this.#logger.debug('closing the connection failed; it was dropped anyway', { code: (err as RouterctlError).code });
    });
  }

  // -------------------------------------------------------------------------------------------

  #soft(err: unknown, what: string): undefined {
    if (!isSoft(err)) throw err;
    this.#logger.debug(`${what} not available`, { code: (err as RouterctlError).code });
    return undefined;
  }

  async #clients(menu: PppMenu): Promise<PppClient[]> {
    return toList(await this.#client.get(`interface/${menu}`), menu).map((i) => parsePppClient(menu, i));
  }

  async #wanOrNull(fresh: boolean): Promise<PppClient | undefined> {
    if (!fresh && this.#wanCache) return this.#wanCache;
    const all: PppClient[] = [];
    for (const menu of PPP_MENUS) {
      // A menu whose package is missing answers 404 (doc §6): it has no clients.
      const list = await this.#clients(menu).catch((err: unknown) => {
        if (err instanceof UnsupportedError) return [];
        throw err;
      });
      all.push(...list);
    }
    this.#wanCache = pickWan(all);
    return this.#wanCache;
  }

  async #wan(fresh: boolean): Promise<PppClient> {
    const wan = await this.#wanOrNull(fresh);
    if (!wan) throw new UnsupportedError('MikroTik: the router has no PPPoE/L2TP/PPTP client');
    return wan;
  }

  async #read(c: PppClient): Promise<PppClient> {
    return parsePppClient(c.menu, toSingleton(await this.#client.get(`interface/${c.menu}/${c.id}`), c.menu));
  }

  async #set(c: PppClient, values: Record<string, string>): Promise<void> {
    await this.#client.post(`interface/${c.menu}/set`, { '.id': c.id, ...values }, true);
  }

  /** Disable, then enable (doc §5). Log lines before this belong to older attempts. */
  async #redial(c: PppClient): Promise<void> {
    const log = await this.#client.get('log').then(parseLog, (err: unknown) => this.#soft(err, 'log'));
    if (log && log.length > 0) this.#logSince = Math.max(this.#logSince, ...log.map((e) => e.id));
    await this.#client.post(`interface/${c.menu}/disable`, { numbers: c.id });
    await this.#client.post(`interface/${c.menu}/enable`, { numbers: c.id });
  }

  #pending(before: PppClient): PendingChange {
    let after = before;
    return savedChange(
      async () => {
        await this.#set(before, { user: before.user, password: before.password });
        after = await this.#read(before);
        if (after.user !== before.user || after.password !== before.password) {
          throw new RouterctlError('restore_failed', 'the router did not take the previous WAN credentials back', { interface: before.name });
        }
      },
      () => this.#redial(after),
    );
  }
}
