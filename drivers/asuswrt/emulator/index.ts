// An emulated ASUS router (Asuswrt-Merlin 388 style httpd) for tests and the lab (doc §1–§6):
// - `/` and other pages without a token: a tiny page sending the browser to /Main_Login.asp; the login
//   page with its title, form and `login_authorization` field; headers `Server: httpd/2.0`,
//   `X-Frame-Options`, `X-XSS-Protection`, `Connection: close` (doc §1);
// - `login.cgi` (app mode): `{"asus_token":…}` + Set-Cookie, or `{"error_status":"3"}`; after 5
//   failures logins are locked for 300 s with `{"error_status":"7","remaining_lock_time":"<s>"}`, also
//   for the right password (doc §2.1, §2.3);
// - `appGet.cgi` hooks nvram_get (with the `&#NN` escaping), nvram_char_to_ascii (percent-encoding),
//   get_wan_unit(); the reply's layout follows fixture appget-wan-state-rt-ax88u-merlin-388.json;
//   no/unknown token → error_status 1/2 (doc §2.2);
// - `applyapp.cgi` (JSON, also the single-quoted dict text the asusrouter library sends): sets nvram,
//   commits, runs `restart_wan_if <unit>` / `reboot`; values over 64 bytes in the PPP fields are dropped
//   silently (nvram_check, doc §8.9); the reply echoes `run_service` (doc §4.1);
// - `Logout.asp` → `{"error_status":"8"}`; `ajax_status.xml` (devicemap with a BOM, doc §5);
// - the PPP dial of the active unit against the lab ISP with state_t/sbstate_t/auxstate_t (doc §5, §6).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenHttpAndHttps, readBody } from '../../emulator-http.js';
import type { DialResult, EmulatorTimings, IspUpstream, RunningEmulator } from '../../emulator-types.js';
import { NVRAM_PPP_MAX_BYTES, wanKeys } from '../common.js';

export interface AsuswrtEmulatorOptions {
  host: string;
  httpPort?: number;
  adminUser?: string;
  adminPassword: string;
  wan: { proto: 'pppoe' | 'l2tp' | 'pptp'; username: string; password: string; server?: string | undefined };
  upstream?: IspUpstream | undefined;
  timings?: Partial<EmulatorTimings> | undefined;
  /** Seconds of the login block after 5 failures (doc §2.3: 300). */
  lockSeconds?: number | undefined;
  productid?: string | undefined;
}

export type AsuswrtFault = 'malformed_json' | null;

export interface AsuswrtEmulator extends RunningEmulator {
  /** The nvram as it runs (copy). */
  nvram(): Record<string, string>;
  /** The nvram as committed to flash (what a reboot keeps). */
  saved(): Record<string, string>;
  /** Sets a running nvram value without commit (tests: a change not yet committed). */
  setNvram(name: string, value: string): void;
  reboot(): void;
  expireSessions(): void;
  setFault(f: AsuswrtFault): void;
  /** Requests seen, method and path (no bodies: they may hold passwords). */
  requests(): string[];
}

export const DEFAULT_TIMINGS: EmulatorTimings = { dialMs: 3000, redialMs: 10000 };
const MAX_LOGIN_FAILS = 5;

const HEADERS = { Server: 'httpd/2.0', 'X-Frame-Options': 'SAMEORIGIN', 'X-XSS-Protection': '1; mode=block', Connection: 'close' };
const REDIRECT_PAGE = "<HTML><HEAD><script>top.location.href='/Main_Login.asp';</script>\n</HEAD></HTML>\n";
const LOGIN_PAGE = `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>ASUS Login</title></head>
<body><form method="post" name="form" action="login.cgi" target="">
<input type="hidden" name="group_id" value="">
<input type="hidden" name="action_mode" value="">
<input type="hidden" name="current_page" value="Main_Login.asp">
<input type="hidden" name="next_page" value="index.asp">
<input type="hidden" name="login_authorization" value="">
<script>var error_status = 0;</script>
</form></body></html>
`;

/** nvram_get's escaping (doc §3.1): `"&<>`, non-printables and bytes ≥ 0x80 as `&#<dec>` without `;`. */
export function escapeNvramGet(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    if (b === 0x22 || b === 0x26 || b === 0x3c || b === 0x3e || b < 0x20 || b >= 0x7f) out += `&#${b}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** nvram_char_to_ascii (doc §3.1): `%XX` for every byte but letters and digits. */
export function charToAscii(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** json-c accepts the library's single-quoted dict text too (doc §4.1); this reads both, leniently. */
function parseApplyBody(body: string): Record<string, unknown> | undefined {
  try {
    const j = JSON.parse(body) as unknown;
    return typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : undefined;
  } catch {
    const out: Record<string, unknown> = {};
    const re = /'((?:[^'\\]|\\.)*)'\s*:\s*'((?:[^'\\]|\\.)*)'\s*(,|\})/g;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = re.exec(body)) !== null) {
      out[m[1]!.replace(/\\(.)/g, '$1')] = m[2]!.replace(/\\(.)/g, '$1');
      any = true;
    }
    return any ? out : undefined;
  }
}

export async function startAsuswrtEmulator(opts: AsuswrtEmulatorOptions): Promise<AsuswrtEmulator> {
  const timings: EmulatorTimings = { ...DEFAULT_TIMINGS, ...(opts.timings ?? {}) };
  const adminUser = opts.adminUser ?? 'admin';
  const lockMs = (opts.lockSeconds ?? 300) * 1000;
  const k = wanKeys(0);
  const saved = new Map<string, string>([
    ['productid', opts.productid ?? 'RT-AX88U'],
    ['odmpid', ''],
    ['firmver', '3.0.0.4'],
    ['buildno', '388.4'],
    ['extendno', '0'],
    ['lan_hostname', 'RT-AX88U-EMU'],
    ['wans_dualwan', 'wan none'],
    ['wans_mode', 'fo'],
    [k.proto, opts.wan.proto],
    [k.user, opts.wan.username],
    [k.passwd, opts.wan.password],
    [k.server, opts.wan.server ?? ''],
    [k.mtu, '1492'],
    ['wan0_dhcpenable_x', '1'],
    ['wan0_ppp_echo', '1'],
    ['wan1_proto', 'dhcp'],
  ]);
  const running = new Map(saved);
  /** Runtime values (not in flash): WAN state and addresses. */
  const runtime = new Map<string, string>();
  const tokens = new Set<string>();
  let failedLogins = 0;
  let consecutiveFails = 0;
  let lockedUntil = 0;
  let fault: AsuswrtFault = null;
  const seen: string[] = [];
  let unsubscribe: () => void = () => undefined;
  let dialTimer: NodeJS.Timeout | undefined;
  let epoch = 0;
  let linkUp = false;
  let closed = false;

  const setWanRuntime = (state: number, sb: number, aux: number, ip = '0.0.0.0', gw = '0.0.0.0', dns = ''): void => {
    runtime.set(k.state, String(state));
    runtime.set(k.sbstate, String(sb));
    runtime.set(k.auxstate, String(aux));
    runtime.set(k.ipaddr, ip);
    runtime.set(k.gateway, gw);
    runtime.set(k.dns, dns);
    runtime.set('link_internet', state === 2 ? '2' : '1');
  };

  const hangup = (): void => {
    clearTimeout(dialTimer);
    dialTimer = undefined;
    epoch++;
    if (linkUp) opts.upstream?.hangup(opts.host);
    linkUp = false;
  };

  /** restart_wan_if 0 (doc §5): stop, CONNECTING, the ISP answers after dialMs; failures redial after redialMs. */
  const restartWan = (): void => {
    if (closed) return;
    hangup();
    setWanRuntime(1, 0, 0);
    const my = epoch;
    const dial = (): void => {
      if (my !== epoch || closed) return;
      const proto = running.get(k.proto);
      if (proto !== 'pppoe' && proto !== 'l2tp' && proto !== 'pptp') return setWanRuntime(2, 0, 0, '10.0.0.2', '10.0.0.1');
      const r: DialResult = opts.upstream
        ? opts.upstream.dial({ routerId: opts.host, proto, server: proto === 'pppoe' ? undefined : running.get(k.server), username: running.get(k.user) ?? '', password: running.get(k.passwd) ?? '' })
        : { ok: false, reason: 'no_carrier', message: 'no upstream' };
      if (r.ok) {
        linkUp = true;
        return setWanRuntime(2, 0, 0, r.ipv4, r.gateway, r.dns.join(' '));
      }
      // pppd's auth-fail hook: STOPPED + PPP_AUTH_FAIL; no answer: PPP_NO_RESPONSE; no cable: NOPHY (doc §5, §6).
      if (r.reason === 'auth_failed') setWanRuntime(4, 2, 0);
      else if (r.reason === 'server_unreachable') setWanRuntime(4, 1, 0);
      else setWanRuntime(4, 0, 1);
      dialTimer = setTimeout(() => {
        if (my !== epoch || closed) return;
        // pppd redials: CONNECTING again, the last reason stays until the next answer (UNVERIFIED).
        runtime.set(k.state, '1');
        dialTimer = setTimeout(dial, timings.dialMs);
        dialTimer.unref();
      }, timings.redialMs);
      dialTimer.unref();
    };
    dialTimer = setTimeout(dial, timings.dialMs);
    dialTimer.unref();
  };

  const reboot = (): void => {
    tokens.clear();
    running.clear();
    for (const [n, v] of saved) running.set(n, v);
    restartWan();
  };

  const nvramValue = (name: string): string => running.get(name) ?? runtime.get(name) ?? '';

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json;charset=UTF-8', extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache', ...extra });
    res.end(body);
  };

  const tokenOf = (req: IncomingMessage): string | undefined => /(?:^|;\s*)asus_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];

  const appGet = (hookText: string): string => {
    const lines: string[] = [];
    for (const raw of hookText.split(';')) {
      const hook = raw.trim();
      if (hook === '') continue;
      let m: RegExpExecArray | null;
      if (hook === 'get_wan_unit()') lines.push('"get_wan_unit":0');
      else if ((m = /^nvram_get\(([\w.]+)\)$/.exec(hook))) lines.push(`"${m[1]}":"${escapeNvramGet(nvramValue(m[1]!))}"`);
      // The key is the nvram name (UNVERIFIED: the real reply's key for this hook was not captured).
      else if ((m = /^nvram_char_to_ascii\(([\w.]*),\s*([\w.]+)\)$/.exec(hook))) lines.push(`"${m[2]}":"${charToAscii(nvramValue(m[2]!))}"`);
      // Unknown hooks of a feature-less build: an empty key (the malformed fixture's `{ ,` shape).
      else lines.push('');
    }
    if (fault === 'malformed_json') return `{ , ${lines.filter((l) => l !== '').join(', ')} }\n`;
    return `{\n${lines.filter((l) => l !== '').join(',\n')}\n}\n`;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://router');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    seen.push(`${method} ${path}`);
    if (seen.length > 2000) seen.splice(0, 1000);
    const token = tokenOf(req);
    const authed = token !== undefined && tokens.has(token);

    if (path === '/login.cgi' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req, 1 << 16));
      const now = Date.now();
      if (now < lockedUntil) {
        failedLogins++;
        return send(res, 200, `{"error_status":"7","remaining_lock_time":"${Math.ceil((lockedUntil - now) / 1000)}"}\n`);
      }
      const given = Buffer.from(form.get('login_authorization') ?? '', 'base64').toString('utf8');
      if (given !== `${adminUser}:${opts.adminPassword}`) {
        failedLogins++;
        consecutiveFails++;
        if (consecutiveFails >= MAX_LOGIN_FAILS) {
          consecutiveFails = 0;
          lockedUntil = now + lockMs;
          return send(res, 200, `{"error_status":"7","remaining_lock_time":"${Math.ceil(lockMs / 1000)}"}\n`);
        }
        return send(res, 200, '{"error_status":"3"}\n');
      }
      consecutiveFails = 0;
      const t = randomBytes(16).toString('hex');
      tokens.add(t);
      return send(res, 200, `{"asus_token":"${t}"}\n`, 'application/json;charset=UTF-8', { 'Set-Cookie': `asus_token=${t}; HttpOnly;` });
    }
    if (path === '/Main_Login.asp') return send(res, 200, LOGIN_PAGE, 'text/html');
    if (path === '/Logout.asp') {
      if (token !== undefined) tokens.delete(token);
      return send(res, 200, '{"error_status":"8"}\n');
    }
    if (path === '/appGet.cgi' || path === '/applyapp.cgi' || path === '/ajax_status.xml') {
      if (!authed) return send(res, 200, token === undefined ? '{"error_status":"1"}\n' : '{"error_status":"2"}\n');
      if (path === '/appGet.cgi') {
        const hooks = method === 'POST' ? new URLSearchParams(await readBody(req, 1 << 16)).get('hook') : url.searchParams.get('hook');
        return send(res, 200, appGet(hooks ?? ''));
      }
      if (path === '/ajax_status.xml') {
        const xml = `\ufeff<?xml version="1.0" ?>\n<devicemap> <wan>${nvramValue(k.state)}</wan>\n<wan>${nvramValue(k.sbstate)}</wan>\n<wan>${nvramValue(k.auxstate)}</wan>\n</devicemap>\n`;
        return send(res, 200, xml, 'text/xml');
      }
      if (method !== 'POST') return send(res, 200, '{"error_status":"4003"}\n');
      const j = parseApplyBody(await readBody(req, 1 << 16));
      if (!j) return send(res, 200, '{"error_status":"4002"}\n');
      const service = typeof j.rc_service === 'string' ? j.rc_service : '';
      let modify = 0;
      for (const [name, v] of Object.entries(j)) {
        if (name === 'action_mode' || name === 'rc_service' || typeof v !== 'string') continue;
        // Only names the defaults table knows (doc §4.1): here the ones this emulator keeps.
        if (!running.has(name)) continue;
        // nvram_check: over-long PPP values are dropped without an error (doc §8.9).
        if ([k.user, k.passwd, k.server].includes(name) && Buffer.byteLength(v, 'utf8') > NVRAM_PPP_MAX_BYTES) continue;
        if (running.get(name) !== v) modify = 1;
        running.set(name, v);
      }
      // apply commits (UNVERIFIED per build: the library sends no separate commit).
      for (const [n, v] of running) saved.set(n, v);
      const reply = `{"modify":"${modify}","run_service":"${service.replace(/["\\]/g, '')}"}\n`;
      send(res, 200, reply);
      if (service === 'reboot') setTimeout(reboot, 10).unref();
      else if (/^restart_wan(_if 0)?$/.test(service)) restartWan();
      return;
    }
    if (path === '/' || path.endsWith('.asp') || path.endsWith('.htm')) {
      if (!authed) return send(res, 200, REDIRECT_PAGE, 'text/html');
      return send(res, 200, '<html><head><title>ASUS Wireless Router</title></head><body></body></html>\n', 'text/html');
    }
    return send(res, 404, '<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H4>404 Not Found</H4></BODY></HTML>\n', 'text/html');
  }

  const listeners = await listenHttpAndHttps({
    host: opts.host,
    port: opts.httpPort ?? 0,
    keepAliveMs: 5000,
    onRequest: (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 200, '{"error_status":"4003"}\n');
      });
    },
  });
  unsubscribe = opts.upstream?.onDrop(opts.host, () => {
    if (linkUp) restartWan();
  }) ?? (() => undefined);
  restartWan();
  return {
    family: 'asuswrt',
    host: opts.host,
    httpPort: listeners.httpPort,
    sshPort: undefined,
    adminUser,
    get failedLogins() {
      return failedLogins;
    },
    activeSessions: () => tokens.size,
    nvram: () => Object.fromEntries(running),
    saved: () => Object.fromEntries(saved),
    setNvram: (name, value) => void running.set(name, value),
    reboot,
    expireSessions: () => tokens.clear(),
    setFault: (f) => void (fault = f),
    requests: () => [...seen],
    async close() {
      if (closed) return;
      closed = true;
      hangup();
      unsubscribe();
      await listeners.close();
    },
  };
}
