// The web server's sessions: `GET /auth` → 401 with realm + challenge and a cookie under the device's
// random upper-case name, `POST /auth` checking sha256(challenge + md5(login:realm:password)),
// `DELETE /auth` (doc §2.1, §9; headers from fixture auth-get-401-challenge.http, the no-password
// answer from fixture auth-get-200-no-password.http).

import { createHash, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Syslog } from './syslog.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function randomUpper(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[randomInt(LETTERS.length)];
  return s;
}

export interface LockoutPolicy {
  threshold: number;
  durationMs: number;
  windowMs: number;
}

export interface AuthOptions {
  realm: string;
  product: string;
  adminUser: string;
  /** Empty: no admin password set, `/auth` answers 200 at once (doc §2.1 step 1, §2.4). */
  adminPassword: string;
  /** Idle lifetime of a session: "the HTTP session lasts 10 minutes" (doc §2.1). */
  sessionIdleMs: number;
  lockout(): LockoutPolicy;
  syslog: Syslog;
  /**
   * UNVERIFIED (tests of routerctl's lockout handling): a firmware that states the remaining lock time
   * in a standard `Retry-After` header on the lockout answer.
   */
  announceLockout?: boolean | undefined;
}

interface Session {
  authenticated: boolean;
  challenge?: string | undefined;
  lastSeen: number;
}

export class AuthManager {
  /** "random upper-case name per device" (doc §1), e.g. ICNYEPYFESWFL. */
  readonly cookieName = randomUpper(12 + randomInt(2));
  readonly #o: AuthOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #failures = new Map<string, number[]>();
  readonly #lockedUntil = new Map<string, number>();
  failedLogins = 0;
  logouts = 0;

  constructor(o: AuthOptions) {
    this.#o = o;
  }

  /** Authenticated sessions right now. */
  activeSessions(): number {
    const now = Date.now();
    return [...this.#sessions.values()].filter((s) => s.authenticated && now - s.lastSeen <= this.#o.sessionIdleMs).length;
  }

  dropAll(): void {
    this.#sessions.clear();
  }

  get noPassword(): boolean {
    return this.#o.adminPassword === '';
  }

  /** The request's session when it is authenticated and not expired; touches it. */
  authenticated(req: IncomingMessage): boolean {
    if (this.noPassword) return true; // doc §1: `/rci/show/version` "without [login] when no password"
    const s = this.#session(req);
    if (!s?.authenticated) return false;
    s.lastSeen = Date.now();
    return true;
  }

  handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const ip = req.socket.remoteAddress ?? '?';
    const locked = this.#locked(ip);
    if (req.method === 'DELETE') return this.#logout(req, res);
    if (locked && (req.method === 'GET' || req.method === 'POST')) {
      // UNVERIFIED: the HTTP lockout's answer is not documented; modelled as 403 without a challenge,
      // what a refused client sees (doc §2.2), for the telnet policy's duration (doc §2.3).
      res.statusCode = 403;
      if (this.#o.announceLockout) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(((this.#lockedUntil.get(ip) ?? Date.now()) - Date.now()) / 1000))));
      res.end();
      return;
    }
    if (req.method === 'GET') return this.#getAuth(req, res);
    if (req.method === 'POST') return this.#postAuth(req, res, body, ip);
    res.statusCode = 405;
    res.end();
  }

  #cookieValue(req: IncomingMessage): string | undefined {
    const header = req.headers.cookie ?? '';
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  #session(req: IncomingMessage): Session | undefined {
    const v = this.#cookieValue(req);
    if (v === undefined) return undefined;
    const s = this.#sessions.get(v);
    if (!s) return undefined;
    if (Date.now() - s.lastSeen > this.#o.sessionIdleMs) {
      this.#sessions.delete(v);
      return undefined;
    }
    return s;
  }

  /** `Set-Cookie: NAME=VALUE; Path=/; SameSite=Lax; Max-Age=300` (doc §1, fixtures). */
  #newSession(res: ServerResponse, authenticated: boolean): [string, Session] {
    const value = randomUpper(16);
    const s: Session = { authenticated, lastSeen: Date.now() };
    this.#sessions.set(value, s);
    res.setHeader('Set-Cookie', `${this.cookieName}=${value}; Path=/; SameSite=Lax; Max-Age=300`);
    return [value, s];
  }

  #getAuth(req: IncomingMessage, res: ServerResponse): void {
    let s = this.#session(req);
    let value = this.#cookieValue(req);
    if (s?.authenticated) {
      s.lastSeen = Date.now();
      res.statusCode = 200; // doc §2.1 step 4: 200 means still authenticated
      res.end();
      return;
    }
    if (!s || value === undefined) [value, s] = this.#newSession(res, this.noPassword);
    else res.setHeader('Set-Cookie', `${this.cookieName}=${value}; Path=/; SameSite=Lax; Max-Age=300`);
    if (this.noPassword) {
      // fixture auth-get-200-no-password.http (its 33-byte body is not shown in the source: ours is `{}`)
      res.setHeader('Expires', new Date(Date.now() - 1000).toUTCString());
      res.setHeader('Content-Type', 'application/json');
      res.statusCode = 200;
      res.end('{}');
      return;
    }
    const challenge = randomUpper(32);
    s.challenge = challenge;
    res.statusCode = 401;
    res.setHeader('X-Ndm-Product', this.#o.product);
    res.setHeader(
      'WWW-Authenticate',
      `x-ndw2-interactive realm="${this.#o.realm}" challenge="${challenge}" session_id="${value}" session_cookie="${this.cookieName}"`,
    );
    res.setHeader('X-NDM-Realm', this.#o.realm);
    res.setHeader('X-NDM-Challenge', challenge);
    res.end();
  }

  #postAuth(req: IncomingMessage, res: ServerResponse, body: string, ip: string): void {
    const s = this.#session(req);
    let login: unknown;
    let hash: unknown;
    try {
      const j = JSON.parse(body) as { login?: unknown; password?: unknown };
      login = j.login;
      hash = j.password;
    } catch {
      /* treated as a failed login */
    }
    const challenge = s?.challenge;
    // One challenge, one try (UNVERIFIED: the doc does not say whether a challenge can be reused).
    if (s) s.challenge = undefined;
    const expected =
      challenge !== undefined && login === this.#o.adminUser
        ? createHash('sha256')
            .update(challenge + createHash('md5').update(`${this.#o.adminUser}:${this.#o.realm}:${this.#o.adminPassword}`, 'utf8').digest('hex'))
            .digest('hex')
        : undefined;
    if (s && expected !== undefined && typeof hash === 'string' && hash.toLowerCase() === expected) {
      s.authenticated = true;
      s.lastSeen = Date.now();
      res.statusCode = 200;
      res.end();
      return;
    }
    this.failedLogins++;
    this.#recordFailure(ip, typeof login === 'string' ? login.slice(0, 32) : '?');
    // doc §2.1 step 3: 401/403 = wrong credentials; exact body UNVERIFIED (none here).
    res.statusCode = 401;
    res.end();
  }

  #logout(req: IncomingMessage, res: ServerResponse): void {
    const v = this.#cookieValue(req);
    if (v !== undefined && this.#sessions.delete(v)) this.logouts++;
    res.statusCode = 200;
    res.end();
  }

  #locked(ip: string): boolean {
    const until = this.#lockedUntil.get(ip);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.#lockedUntil.delete(ip);
    return false;
  }

  /**
   * UNVERIFIED for HTTP: the telnet lockout-policy (threshold 5 within observation-window 3 min blocks
   * for duration 15 min, fixture rci-get-ip-telnet.response.json) applied per client address.
   */
  #recordFailure(ip: string, login: string): void {
    const p = this.#o.lockout();
    const now = Date.now();
    const list = (this.#failures.get(ip) ?? []).filter((t) => now - t <= p.windowMs);
    list.push(now);
    this.#failures.set(ip, list);
    this.#o.syslog.log('Warning', 'ndm', `Http::Manager: failed login for "${login}" from ${ip}.`);
    if (list.length >= p.threshold) {
      this.#lockedUntil.set(ip, now + p.durationMs);
      this.#failures.delete(ip);
      this.#o.syslog.log('Warning', 'ndm', `Http::Manager: host ${ip} is locked out for ${Math.round(p.durationMs / 60000)} minutes.`);
    }
  }
}
