// Who may talk to the wizard: only the browser that opened the one-time link, only through the
// loopback address and port it was given, and state changes only from the wizard's own page.
//  - Token → cookie: the link carries a random token; its first use sets an HttpOnly, SameSite=Strict
//    cookie holding a different random value and redirects to a URL without the token. The token
//    cannot be used twice, so a copy of the link (shell history, `ps`, browser history) is worthless.
//  - Host: exactly 127.0.0.1:PORT or localhost:PORT, so a DNS-rebinding page (evil.example resolving
//    to 127.0.0.1) is refused even though its requests reach the socket.
//  - Origin: a POST must come from http://127.0.0.1:PORT (or localhost); any request that names
//    another origin, or says it is cross-site (Sec-Fetch-Site), is refused. Cookies are not port-bound,
//    so another server on 127.0.0.1 counts as "same site" for SameSite: the Origin check covers it.
//  - A POST must be application/json: a cross-site HTML form can only send urlencoded, multipart or
//    text/plain, and a fetch with JSON needs a CORS preflight the wizard never grants.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { langOfLocale, type Lang } from '../i18n/index.js';

export type Refusal = { status: number; why: string };

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

/** The first of ru / uk / en in an Accept-Language header, by q-value; undefined when none of them. */
export function langFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const entries = header
    .split(',')
    .slice(0, 30)
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((e) => e.tag !== '' && Number.isFinite(e.q) && e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const e of entries) {
    const lang = langOfLocale(e.tag);
    if (lang) return lang;
  }
  return undefined;
}

export class Gate {
  readonly port: number;
  readonly cookieName: string;
  readonly origins: readonly string[];
  readonly hosts: readonly string[];
  #token: string | undefined;
  #session: string | undefined;

  constructor(port: number) {
    this.port = port;
    // Cookies are shared by every port of a host: the port in the name keeps two wizards apart.
    this.cookieName = `routerctl_ui_${port}`;
    this.hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    this.origins = this.hosts.map((h) => `http://${h}`);
    this.#token = randomBytes(32).toString('base64url');
  }

  /** The one-time token for the link; undefined once it was used. */
  get token(): string | undefined {
    return this.#token;
  }

  /** Host must name this server exactly (DNS rebinding). */
  checkHost(req: IncomingMessage): Refusal | undefined {
    const host = req.headers.host?.toLowerCase();
    if (!host || !this.hosts.includes(host)) return { status: 421, why: 'foreign Host' };
    return undefined;
  }

  /**
   * Origin and fetch metadata. `stateChanging`: the request must carry our Origin. Otherwise an Origin
   * or Sec-Fetch-Site is checked when present (a top-level navigation from the terminal has neither).
   */
  checkOrigin(req: IncomingMessage, stateChanging: boolean): Refusal | undefined {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (origin !== undefined && !this.origins.includes(origin)) return { status: 403, why: 'foreign Origin' };
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
      // A navigation the person makes (typing the link, a bookmark) is "none"; anything a page does is checked.
      return { status: 403, why: `cross-site request (${site})` };
    }
    if (stateChanging && origin === undefined) return { status: 403, why: 'no Origin on a state-changing request' };
    return undefined;
  }

  /** Exchanges the link's token for the session cookie value; undefined when wrong or used. */
  exchange(token: string | null): string | undefined {
    if (token === null || this.#token === undefined || !same(token, this.#token)) return undefined;
    this.#token = undefined;
    this.#session = randomBytes(32).toString('base64url');
    return this.#session;
  }

  cookieHeader(value: string): string {
    return `${this.cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict`;
  }

  authed(req: IncomingMessage): boolean {
    const value = parseCookies(req.headers.cookie).get(this.cookieName);
    return value !== undefined && this.#session !== undefined && same(value, this.#session);
  }
}

/** The media type of a request, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
