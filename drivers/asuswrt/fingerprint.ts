// ASUS Asuswrt recognition before any login (doc §1). Looked at:
// - `GET /Main_Login.asp` (extra request): the login page — a form posting to `login.cgi` with the
//   hidden field `login_authorization` (strong), `<title>ASUS Login</title>` (strong);
// - `GET /` (what discovery always asks): a tiny page sending the browser to /Main_Login.asp (supports);
// - `Server: httpd/2.0` or `httpd/3.0` (supports only: a generic name other firmwares may use too).
// Without a strong signal there is no match.
import type { FingerprintResult, FingerprintSpec, HttpProbe, Probe, ProbeRequest } from '../types.js';
import { FAMILY } from './common.js';

export const LOGIN_PAGE_REQUEST: ProbeRequest = { id: 'asuswrt-login', method: 'GET', path: '/Main_Login.asp' };

const W = { form: 0.8, title: 0.6, redirect: 0.3, server: 0.2 } as const;

const TITLE = /<title>\s*ASUS Login\s*<\/title>/i;
const FORM = /login\.cgi/i;
const FIELD = /login_authorization/;
const REDIRECT = /(location\.href\s*=\s*['"]\/?Main_Login\.asp|url=\/?Main_Login\.asp)/i;
const SERVER = /^httpd\/[23]\.0$/i;

export function matchAsuswrt(probe: Probe): FingerprintResult | null {
  const evidence: string[] = [];
  const weights: number[] = [];
  let strong = false;
  const pages: (HttpProbe | undefined)[] = [probe.extra[LOGIN_PAGE_REQUEST.id], probe.http, probe.https];
  const login = pages.find((p) => p !== undefined && p.status === 200 && FORM.test(p.body) && FIELD.test(p.body));
  if (login) {
    evidence.push('the login page posts login_authorization to login.cgi');
    weights.push(W.form);
    strong = true;
  }
  if (pages.some((p) => p !== undefined && p.status === 200 && TITLE.test(p.body))) {
    evidence.push('page title "ASUS Login"');
    weights.push(W.title);
    strong = true;
  }
  if ([probe.http, probe.https].some((p) => p !== undefined && p.status === 200 && REDIRECT.test(p.body))) {
    evidence.push('GET / sends the browser to /Main_Login.asp');
    weights.push(W.redirect);
  }
  const server = pages.map((p) => p?.headers.server).find((s) => s !== undefined && SERVER.test(s.trim()));
  if (server !== undefined) {
    evidence.push(`Server: ${server.slice(0, 20)}`);
    weights.push(W.server);
  }
  if (!strong) return null;
  const confidence = 1 - weights.reduce((acc, w) => acc * (1 - w), 1);
  return { family: FAMILY, confidence: Math.round(Math.min(confidence, 0.99) * 1000) / 1000, evidence };
}

export const asuswrtFingerprint: FingerprintSpec = { requests: [LOGIN_PAGE_REQUEST], match: matchAsuswrt };
