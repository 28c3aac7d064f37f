// MikroTik RouterOS recognition before any login (doc §1). Two places are looked at:
// - `GET /` (WebFig, service `www`): the page title "RouterOS router configuration page" (doc §1,
//   UNVERIFIED for every 7.x build) — strong;
// - `GET /rest/system/resource` without credentials (extra request): 401 with a `WWW-Authenticate:
//   Basic` challenge (doc §1) — strong only together with a RouterOS-shaped JSON error body
//   (`{"error":401,"message":"Unauthorized"}`, body UNVERIFIED) or a RouterOS realm; a bare Basic
//   challenge under /rest is common on other devices and only supports a match.
import type { FingerprintResult, FingerprintSpec, HttpProbe, Probe, ProbeRequest } from '../types.js';
import { FAMILY } from './common.js';
import { restErrorOf } from './parse.js';

export const REST_REQUEST: ProbeRequest = { id: 'mikrotik-rest', method: 'GET', path: '/rest/system/resource' };

const W = { title: 0.85, restJson401: 0.8, basic: 0.3, realm: 0.3, noServer: 0.05 } as const;

const TITLE = /<title>\s*RouterOS router configuration page\s*<\/title>/i;

function basicChallenge(p: HttpProbe | undefined): string | undefined {
  if (!p || p.status !== 401) return undefined;
  const h = p.headers['www-authenticate'] ?? '';
  return /^basic\b/i.test(h.trim()) ? h.trim() : undefined;
}

export function matchMikrotik(probe: Probe): FingerprintResult | null {
  const evidence: string[] = [];
  const weights: number[] = [];
  let strong = false;
  let firmware: string | undefined;

  const page = [probe.http, probe.https].find((p) => p !== undefined && p.status === 200 && TITLE.test(p.body));
  if (page) {
    evidence.push('GET / is the WebFig page ("RouterOS router configuration page")');
    weights.push(W.title);
    strong = true;
    // WebFig pages of some builds carry the version in a `<h1>RouterOS v7.x</h1>` heading (UNVERIFIED).
    const v = /RouterOS v(\d+\.\d+(?:\.\d+)?(?:beta\d+|rc\d+)?)/.exec(page.body);
    if (v) firmware = v[1];
  }

  const rest = probe.extra[REST_REQUEST.id];
  const challenge = basicChallenge(rest);
  if (challenge !== undefined) {
    const err = restErrorOf(rest!.body);
    if (err?.error === 401) {
      evidence.push('GET /rest/system/resource answers 401 Basic with a RouterOS-style JSON error body');
      weights.push(W.restJson401);
      strong = true;
    } else {
      evidence.push('GET /rest/system/resource asks for HTTP Basic authentication');
      weights.push(W.basic);
    }
    if (/realm="?(routeros|mikrotik)/i.test(challenge)) {
      evidence.push(`realm ${challenge.slice(0, 60)}`);
      weights.push(W.realm);
      strong = true;
    }
  }
  if (!strong) return null;
  // WebFig sends no Server header (doc §1, UNVERIFIED); a named server lowers the match a little.
  const servers = [probe.http, probe.https, rest].map((p) => p?.headers.server).filter((s): s is string => s !== undefined);
  let confidence = 1 - weights.reduce((acc, w) => acc * (1 - w), 1);
  if (servers.length > 0) confidence *= 0.9;
  return {
    family: FAMILY,
    firmware,
    confidence: Math.round(Math.min(confidence, 0.99) * 1000) / 1000,
    evidence,
  };
}

export const mikrotikFingerprint: FingerprintSpec = { requests: [REST_REQUEST], match: matchMikrotik };
