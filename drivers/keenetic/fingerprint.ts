// Keenetic recognition before any login (doc §1). One extra request, `GET /auth`: its 401 with the
// `X-NDM-Realm` + `X-NDM-Challenge` pair is, per a third-party LAN scanner quoted in the doc, emitted by
// no other vendor (fixture auth-get-401-challenge.http). Weak signals (`Server: Web server`,
// `X-Ndm-Product`) only add to a match; alone they never make one.

import type { FingerprintResult, FingerprintSpec, HttpProbe, Probe, ProbeRequest } from '../types.js';
import { FAMILY } from './common.js';

export const AUTH_REQUEST: ProbeRequest = { id: 'keenetic-auth', method: 'GET', path: '/auth' };

const W = { challenge: 0.95, ndw2: 0.9, noPasswordCookie: 0.5, product: 0.3, server: 0.15 } as const;

/** Header values as text, re-decoded as UTF-8 when they arrived as latin1 bytes. */
export function headerText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (!/[\u0080-\u00ff]/.test(v) || /[^\u0000-\u00ff]/.test(v)) return v.trim();
  const utf8 = Buffer.from(v, 'latin1').toString('utf8');
  return (utf8.includes('\ufffd') ? v : utf8).trim();
}

/** The single random upper-case cookie the web server sets (doc §1 "Session cookie", doc §8). */
function hasNdmStyleCookie(p: HttpProbe): boolean {
  const c = p.headers['set-cookie'];
  return c !== undefined && /(^|,\s*)[A-Z]{8,20}=[A-Z]{8,32};/.test(c) && /Max-Age=\d+/i.test(c);
}

function hasChallenge(p: HttpProbe | undefined): boolean {
  if (!p || p.status !== 401) return false;
  const realm = p.headers['x-ndm-realm'];
  const challenge = p.headers['x-ndm-challenge'];
  return realm !== undefined && challenge !== undefined && /^[\x21-\x7e]{8,128}$/.test(challenge.trim());
}

function hasNdw2(p: HttpProbe | undefined): boolean {
  return p !== undefined && /^x-ndw2-interactive\b/i.test(p.headers['www-authenticate'] ?? '');
}

export function matchKeenetic(probe: Probe): FingerprintResult | null {
  const auth = probe.extra[AUTH_REQUEST.id];
  const evidence: string[] = [];
  const weights: number[] = [];
  let strong = false;
  let model: string | undefined;

  if (auth && hasChallenge(auth)) {
    const realm = headerText(auth.headers['x-ndm-realm']) ?? '';
    evidence.push(`GET /auth answers 401 with X-NDM-Realm (${realm.slice(0, 40)}) and X-NDM-Challenge`);
    weights.push(W.challenge);
    strong = true;
    // The realm is the device's marketing name, e.g. "Keenetic Hopper" (doc §1).
    if (realm !== '' && realm.length <= 64) model = realm;
  } else if (hasNdw2(auth)) {
    evidence.push('GET /auth asks for x-ndw2-interactive authentication');
    weights.push(W.ndw2);
    strong = true;
  } else if (auth && auth.status === 200 && hasNdmStyleCookie(auth) && auth.headers.server === 'Web server') {
    // A device whose admin password was never set answers 200 + cookie (fixture auth-get-200-no-password.http).
    evidence.push('GET /auth answers 200 with a random upper-case session cookie (no admin password set?)');
    weights.push(W.noPasswordCookie);
    strong = true;
  }

  const product = auth?.headers['x-ndm-product'] ?? probe.http?.headers['x-ndm-product'] ?? probe.https?.headers['x-ndm-product'];
  if (product !== undefined) {
    evidence.push(`X-Ndm-Product: ${product.slice(0, 32)}`);
    weights.push(W.product);
    if (model === undefined && /^[\w .-]{1,32}$/.test(product)) model = `Keenetic ${product}`;
  }
  const servers = [auth, probe.http, probe.https].map((p) => p?.headers.server);
  if (servers.includes('Web server')) {
    evidence.push('Server: Web server');
    weights.push(W.server);
  }
  if (!strong) return null;

  let confidence = 1 - weights.reduce((acc, w) => acc * (1 - w), 1);
  // Another named web server in front of /auth is odd for a Keenetic (a proxy?): lower, do not veto.
  const other = servers.find((s) => s !== undefined && s !== 'Web server');
  if (other !== undefined && !servers.includes('Web server')) confidence *= 0.8;
  return {
    family: FAMILY,
    model,
    confidence: Math.round(Math.min(confidence, 0.99) * 1000) / 1000,
    evidence,
  };
}

export const keeneticFingerprint: FingerprintSpec = {
  requests: [AUTH_REQUEST],
  match: matchKeenetic,
};
