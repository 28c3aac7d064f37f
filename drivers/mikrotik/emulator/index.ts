// An emulated MikroTik RouterOS 7 (REST API) for tests and the lab: HTTP Basic auth on every request
// (doc §2.1), `/rest/<menu>` GET lists/items with filters and `.proplist`, the universal POST commands
// `set`/`disable`/`enable`/`monitor` and PATCH (doc §4.1, §5), string values and `*hex` ids (fixtures),
// REST error bodies (doc §6, fixtures rest-error-*.json), WebFig's `/` page (doc §1), a memory log,
// PPP clients on the lab ISP, and reboot (configuration kept: RouterOS saves at once, doc §5).
// Not emulated: HTTPS (www-ssl), SSH, the binary API, /export, scripts (README).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenHttpAndHttps, readBody } from '../../emulator-http.js';
import type { EmulatorTimings, IspUpstream, RunningEmulator } from '../../emulator-types.js';
import { PPP_MENUS, type PppMenu } from '../common.js';
import { PppManager } from './ppp.js';
import { pppoeItem, RosState, vpnItem, WRITABLE, type RosItem } from './state.js';

export interface MikrotikEmulatorOptions {
  host: string;
  httpPort?: number;
  adminUser?: string;
  adminPassword: string;
  wan: { proto: 'pppoe' | 'l2tp' | 'pptp'; username: string; password: string; server?: string | undefined };
  upstream?: IspUpstream | undefined;
  timings?: Partial<EmulatorTimings> | undefined;
  /** `version` of /system/resource; default a 7.x stable. */
  version?: string | undefined;
}

export type MikrotikFault = 'http500' | null;

export interface MikrotikEmulator extends RunningEmulator {
  /** The PPP client items as REST would show them (copies). */
  clients(): Record<PppMenu, RosItem[]>;
  /** RouterOS keeps one configuration, written at once: what runs is what a reboot keeps. */
  reboot(): void;
  /** Drops every keep-alive connection (Basic auth has no login session to expire). */
  expireSessions(): void;
  setFault(f: MikrotikFault): void;
  /** Log messages, oldest first. */
  logMessages(): string[];
  /** Requests seen, method and path (no bodies: they may hold passwords). */
  requests(): string[];
}

export const DEFAULT_TIMINGS: EmulatorTimings = { dialMs: 1500, redialMs: 5000 };

const REALM = 'RouterOS';
const WEBFIG = '<!doctype html>\n<html><head><title>RouterOS router configuration page</title></head><body><noscript>javascript is required</noscript></body></html>\n';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// Error bodies as doc §6 and the fixtures show them (key order of fixture rest-error-400-*.json).
const err400 = (res: ServerResponse, detail: string): void => send(res, 400, { detail, error: 400, message: 'Bad Request' });
const err404 = (res: ServerResponse): void => send(res, 404, { error: 404, message: 'Not Found' });
const err406 = (res: ServerResponse, detail: string): void => send(res, 406, { error: 406, message: 'Not Acceptable', detail });

/** Filters (`?name=x`, compared with the printed string) and `.proplist` (doc §3.1). */
function view(items: RosItem[], q: URLSearchParams): RosItem[] {
  let out = items;
  // A filter value `yes`/`no` matches `true`/`false` (fixture rest-get-ip-service-filtered-ros-7.19.1.json
  // was asked with `dynamic=no`).
  const norm = (v: string): string => (v === 'yes' ? 'true' : v === 'no' ? 'false' : v);
  for (const [k, v] of q) if (k !== '.proplist') out = out.filter((i) => i[k] !== undefined && (i[k] === v || i[k] === norm(v)));
  const props = q.get('.proplist')?.split(',');
  return out.map((i) => (props ? Object.fromEntries(props.filter((p) => p in i).map((p) => [p, i[p]!])) : { ...i }));
}

export async function startMikrotikEmulator(opts: MikrotikEmulatorOptions): Promise<MikrotikEmulator> {
  const timings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...(opts.timings ?? {}) };
  const adminUser = opts.adminUser ?? 'admin';
  const state = new RosState();
  // A few ids are taken by the default configuration, as on a real router.
  state.newId();
  state.addresses.push({ '.id': state.newId(), address: '192.168.88.1/24', network: '192.168.88.0', interface: 'bridge', 'actual-interface': 'bridge', invalid: 'false', dynamic: 'false', disabled: 'false' });
  if (opts.wan.proto === 'pppoe') state.clients['pppoe-client'].push(pppoeItem(state.newId(), opts.wan.username, opts.wan.password));
  else {
    const menu = opts.wan.proto === 'l2tp' ? 'l2tp-client' : 'pptp-client';
    state.clients[menu].push(vpnItem(menu, state.newId(), opts.wan.server ?? '', opts.wan.username, opts.wan.password));
  }
  let bootedAt = Date.now();
  const ppp = new PppManager({ routerId: opts.host, upstream: opts.upstream, timings, state });
  let failedLogins = 0;
  let fault: MikrotikFault = null;
  const seen: string[] = [];
  /** Sessions: keep-alive connections that carried an accepted request and are still open. */
  const sessions = new Set<Socket>();
  const expected = `Basic ${Buffer.from(`${adminUser}:${opts.adminPassword}`, 'utf8').toString('base64')}`;

  const reboot = (): void => {
    for (const s of sessions) s.destroy();
    sessions.clear();
    state.reboot();
    bootedAt = Date.now();
    ppp.reboot();
  };

  const uptime = (): string => {
    const s = Math.floor((Date.now() - bootedAt) / 1000);
    return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
  };

  const findItem = (menu: PppMenu, ref: string | undefined): RosItem | undefined =>
    ref === undefined ? undefined : state.clients[menu].find((i) => i['.id'] === ref || i.name === ref);

  async function rest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = decodeURIComponent(url.pathname).replace(/^\/rest\/?/, '').replace(/\/+$/, '');
    const parts = path.split('/');
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? '' : await readBody(req, 1 << 20);
    let json: Record<string, unknown> = {};
    if (body.trim() !== '') {
      try {
        const j = JSON.parse(body) as unknown;
        if (typeof j !== 'object' || j === null || Array.isArray(j)) return err400(res, 'json object expected');
        json = j as Record<string, unknown>;
      } catch {
        return err400(res, 'JSON parsing error');
      }
    }
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

    if (method === 'GET' && path === 'system/resource') {
      // Current v7 shape (object); fields of fixture rest-get-system-resource-docs-7.1beta4.json.
      return send(res, 200, {
        'architecture-name': 'arm64',
        'board-name': 'hAP ax^3',
        'build-time': '2025-06-10 08:30:47',
        cpu: 'ARM64',
        'cpu-count': '4',
        'cpu-frequency': '864',
        'cpu-load': '2',
        'free-hdd-space': '99672064',
        'free-memory': '848166912',
        platform: 'MikroTik',
        'total-hdd-space': '134217728',
        'total-memory': '1073741824',
        uptime: uptime(),
        version: opts.version ?? '7.19.1 (stable)',
      });
    }
    if (method === 'GET' && path === 'system/routerboard') {
      return send(res, 200, { routerboard: 'true', 'board-name': 'hAP ax^3', model: 'C53UiG+5HPaxD2HPaxD', 'serial-number': 'HF00000EMU1', 'firmware-type': 'ipq5000', 'factory-firmware': '7.10', 'current-firmware': '7.19.1', 'upgrade-firmware': '7.19.1' });
    }
    if (method === 'GET' && path === 'system/identity') return send(res, 200, { name: state.identity });
    if (method === 'GET' && path === 'log') return send(res, 200, view(state.logEntries, url.searchParams));
    if (method === 'GET' && path === 'ip/address') return send(res, 200, view(state.addresses, url.searchParams));
    if (method === 'GET' && path === 'ip/dhcp-client') return send(res, 200, []);
    if (method === 'GET' && path === 'ip/service') {
      // fixture rest-get-ip-service-filtered-ros-7.19.1.json (www-ssl), plus www.
      const services: RosItem[] = [
        { '.id': '*5', address: '', disabled: 'false', dynamic: 'false', invalid: 'false', 'max-sessions': '20', name: 'www', port: '80', proto: 'tcp', vrf: 'main' },
        { '.id': '*6', address: '', certificate: 'ssl', disabled: 'false', dynamic: 'false', invalid: 'false', 'max-sessions': '20', name: 'www-ssl', port: '443', proto: 'tcp', 'tls-version': 'only-1.2', vrf: 'main' },
      ];
      return send(res, 200, view(services, url.searchParams));
    }
    if (method === 'POST' && path === 'system/reboot') {
      // The connection drops (doc §7): no JSON answer.
      req.socket.destroy();
      setTimeout(reboot, 10).unref();
      return;
    }
    if (parts[0] === 'interface' && (PPP_MENUS as readonly string[]).includes(parts[1] ?? '')) {
      const menu = parts[1] as PppMenu;
      const list = state.clients[menu];
      if (parts.length === 2 && method === 'GET') return send(res, 200, view(list, url.searchParams));
      if (parts.length === 3 && method === 'GET') {
        const item = findItem(menu, parts[2]);
        if (!item) return err404(res);
        return send(res, 200, view([item], new URLSearchParams(url.searchParams.has('.proplist') ? { '.proplist': url.searchParams.get('.proplist')! } : {}))[0]);
      }
      const write = (item: RosItem, values: Record<string, unknown>): boolean => {
        for (const k of Object.keys(values)) {
          if (!WRITABLE[menu].has(k)) {
            err400(res, `unknown parameter ${k}`);
            return false;
          }
          if (str(values[k]) === undefined) {
            err400(res, `value of ${k} must be a string`);
            return false;
          }
        }
        const before = { ...item };
        for (const [k, v] of Object.entries(values)) {
          let s = str(v)!;
          if (k === 'disabled') s = s === 'yes' || s === 'true' ? 'true' : 'false'; // yes/no accepted, read back as true/false (doc §2.1)
          item[k] = s;
        }
        // A change of what the dial uses, or of `disabled`, restarts the client (UNVERIFIED, doc §5).
        if (['user', 'password', 'connect-to', 'disabled', 'interface'].some((k) => before[k] !== item[k])) ppp.restart(menu, item);
        return true;
      };
      if (parts.length === 3 && method === 'PATCH') {
        const item = findItem(menu, parts[2]);
        if (!item) return err404(res);
        if (!write(item, json)) return;
        return send(res, 200, { ...item });
      }
      if (parts.length === 3 && method === 'POST') {
        const cmd = parts[2]!;
        const ref = str(json['.id']) ?? str(json.numbers);
        const item = findItem(menu, ref);
        if (cmd === 'set' || cmd === 'disable' || cmd === 'enable' || cmd === 'monitor') {
          if (!item) return err400(res, 'no such item');
          if (cmd === 'set') {
            const { ['.id']: _id, numbers: _n, ...values } = json;
            if (!write(item, values)) return;
            return send(res, 200, []); // fixture rest-post-ip-service-set-reply-ros-7.19.1.json
          }
          if (cmd === 'monitor') {
            if (!('once' in json)) return err400(res, 'Session closed'); // unbounded monitor is cut (doc §2.1; fixture rest-error-400-session-closed.json)
            return send(res, 200, [ppp.monitor(menu, item)]);
          }
          if (!write(item, { disabled: cmd === 'disable' ? 'true' : 'false' })) return;
          return send(res, 200, []);
        }
        return err406(res, `no such command or directory (${cmd})`);
      }
    }
    return err404(res);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://router');
    seen.push(`${req.method ?? '?'} ${url.pathname}`);
    if (seen.length > 2000) seen.splice(0, 1000);
    if (!url.pathname.startsWith('/rest')) {
      if (url.pathname === '/' || url.pathname === '/webfig/') {
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(WEBFIG) });
        res.end(WEBFIG);
        return;
      }
      return err404(res);
    }
    const auth = req.headers.authorization;
    if (auth !== expected) {
      // A request without credentials is a probe; a wrong pair is a failed login (doc §2.1: logged).
      if (auth !== undefined) {
        failedLogins++;
        state.log('system,error,critical', `login failure for user ${/^Basic /.test(auth) ? (Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0] ?? '').slice(0, 32) : '?'} from ${req.socket.remoteAddress ?? '?'} via rest`);
      }
      return send(res, 401, { error: 401, message: 'Unauthorized' }, { 'WWW-Authenticate': `Basic realm="${REALM}"` });
    }
    if (fault === 'http500') return send(res, 500, { error: 500, message: 'Internal Server Error' });
    const socket = req.socket;
    if (/\bclose\b/i.test(req.headers.connection ?? '')) sessions.delete(socket);
    else if (!sessions.has(socket)) {
      sessions.add(socket);
      socket.once('close', () => sessions.delete(socket));
    }
    rest(req, res, url).catch(() => {
      if (!res.headersSent) send(res, 400, { detail: 'request failed', error: 400, message: 'Bad Request' });
    });
  };

  const listeners = await listenHttpAndHttps({ host: opts.host, port: opts.httpPort ?? 0, keepAliveMs: 15_000, onRequest });
  ppp.start();
  let closed = false;
  return {
    family: 'mikrotik',
    host: opts.host,
    httpPort: listeners.httpPort,
    sshPort: undefined,
    adminUser,
    get failedLogins() {
      return failedLogins;
    },
    activeSessions: () => sessions.size,
    clients: () => {
      const out = {} as Record<PppMenu, RosItem[]>;
      for (const m of PPP_MENUS) out[m] = state.clients[m].map((i) => ({ ...i }));
      return out;
    },
    reboot,
    expireSessions: () => {
      for (const s of sessions) s.destroy();
      sessions.clear();
    },
    setFault: (f) => void (fault = f),
    logMessages: () => state.logEntries.map((e) => e.message ?? ''),
    requests: () => [...seen],
    async close() {
      if (closed) return;
      closed = true;
      ppp.close();
      await listeners.close();
    },
  };
}
