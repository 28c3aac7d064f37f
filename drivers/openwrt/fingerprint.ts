// OpenWrt recognition from what discovery saw before any login (doc §1). Signals are weighted and
// combined as independent evidence; weak signals alone (no Server header, dropbear) never match,
// because plenty of other firmware shares them.

import type { FingerprintResult, FingerprintSpec, HttpProbe, Probe, ProbeRequest } from '../types.js';

export const UBUS_LIST_REQUEST: ProbeRequest = {
  id: 'openwrt-ubus-list',
  method: 'POST',
  path: '/ubus',
  body: '{"jsonrpc":"2.0","id":1,"method":"list"}',
  contentType: 'application/json',
};

export const LUCI_REQUEST: ProbeRequest = { id: 'openwrt-luci', method: 'GET', path: '/cgi-bin/luci/' };

const W = { ubus: 0.9, landing: 0.6, luciLogin: 0.6, noServer: 0.1, dropbear: 0.15 } as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** uhttpd's answer to `list`: object names (array), or names → signatures (object) with a path. */
function ubusObjects(p: HttpProbe | undefined): string[] {
  if (!p || p.status !== 200) return [];
  let body: unknown;
  try {
    body = JSON.parse(p.body);
  } catch {
    return [];
  }
  if (!isRecord(body) || body.jsonrpc !== '2.0') return [];
  const r = body.result;
  if (Array.isArray(r)) return r.filter((x): x is string => typeof x === 'string');
  if (isRecord(r)) return Object.keys(r);
  return [];
}

/** luci-base's www/index.html: a meta refresh to cgi-bin/luci/ and the "LuCI - Lua Configuration Interface" link. */
function isLuciLanding(p: HttpProbe | undefined): boolean {
  if (!p || p.status < 200 || p.status >= 400) return false;
  const b = p.body;
  const refreshToLuci = /http-equiv=["']?refresh["']?[^>]*cgi-bin\/luci/i.test(b) || /href=["'][^"']*cgi-bin\/luci\/?["']/i.test(b);
  // Case-sensitive on purpose: "LuCI" is the project's spelling; other firmware that reuses the
  // cgi-bin/luci path (e.g. TP-Link Archer's stok URLs) does not brand its pages with it.
  return refreshToLuci && /\bLuCI\b/.test(b) && !/;stok=/i.test(b);
}

/** LuCI's login answer for /cgi-bin/luci/: 403 with X-LuCI-Login-Required, or a form with luci_username. */
function isLuciLogin(p: HttpProbe | undefined): boolean {
  if (!p) return false;
  if (p.headers['x-luci-login-required'] !== undefined) return true;
  return (p.status === 200 || p.status === 403) && /name=["']luci_username["']/.test(p.body) && /name=["']luci_password["']/.test(p.body);
}

export function matchOpenWrt(probe: Probe): FingerprintResult | null {
  const evidence: string[] = [];
  const weights: number[] = [];
  let strong = false;

  const objects = ubusObjects(probe.extra[UBUS_LIST_REQUEST.id]);
  if (objects.includes('session') && objects.includes('uci')) {
    evidence.push(`POST /ubus list names ubus objects (${objects.slice(0, 8).join(', ')})`);
    weights.push(W.ubus);
    strong = true;
  }

  const web = probe.http ?? probe.https;
  if (isLuciLanding(probe.http) || isLuciLanding(probe.https)) {
    evidence.push('GET / is the LuCI landing page (refresh to cgi-bin/luci)');
    weights.push(W.landing);
    strong = true;
  }
  if (isLuciLogin(probe.extra[LUCI_REQUEST.id])) {
    evidence.push('GET /cgi-bin/luci/ answers with the LuCI login');
    weights.push(W.luciLogin);
    strong = true;
  }

  // Weak signals only add to a match, never make one.
  if (web && web.headers.server === undefined) {
    evidence.push('no Server header (uhttpd sends none)');
    weights.push(W.noServer);
  }
  if (probe.ssh && /dropbear/i.test(probe.ssh.banner)) {
    evidence.push(`SSH banner ${probe.ssh.banner.slice(0, 40)}`);
    weights.push(W.dropbear);
  }
  if (!strong) return null;

  // A Server header naming another web server is not what uhttpd sends; lower, do not veto (a
  // reverse proxy may sit in front).
  let confidence = 1 - weights.reduce((acc, w) => acc * (1 - w), 1);
  if (web?.headers.server !== undefined && !objects.length) confidence *= 0.7;
  // Model and firmware need a login (system board), so they stay empty here.
  return { family: 'openwrt', confidence: Math.round(Math.min(confidence, 0.99) * 1000) / 1000, evidence };
}

export const openwrtFingerprint: FingerprintSpec = {
  requests: [UBUS_LIST_REQUEST, LUCI_REQUEST],
  match: matchOpenWrt,
};
