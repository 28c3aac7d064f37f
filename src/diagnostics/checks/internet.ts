// C16–C22: the internet seen from this device. Every endpoint comes from config (diagnostics.probes,
// diagnostics.dns); several operators per family of probe, decided by majority, never by one host.
import net from 'node:net';
import { PASSWORD_PROTOS } from '../../../drivers/types.js';
import type { DiagContext } from '../context.js';
import { hostMatches } from '../isp-profile.js';
import { caresLookup, queryA, randomLabel, serverAddress, type DnsResult } from '../net/dns.js';
import { httpProbe, type HttpResult } from '../net/http.js';
import { tcpConnect } from '../net/tcp.js';
import { median, r1 } from '../stats.js';
import type { CheckOutcome, Json } from '../types.js';
import { adminPortOf } from './lan.js';
import { echoTrain, fitCount, type TrainResult } from './train.js';

/** `{gateway}` in a probe URL is the router's address (the lab models "through this router" with it). */
export function probeUrl(ctx: DiagContext, template: string): string {
  const gw = ctx.facts.router?.host ?? ctx.facts.gateway ?? '';
  return template.replaceAll('{gateway}', encodeURIComponent(gw));
}

/** Probes resolve names through the same resolvers as the system, with c-ares (time-boxed, cancellable). */
export function probeLookup(ctx: DiagContext, timeoutMs: number, signal: AbortSignal): ReturnType<typeof caresLookup> {
  const servers = ctx.facts.systemResolvers ?? ctx.cfg.host.resolvers ?? [];
  return caresLookup(servers, Math.max(200, Math.min(timeoutMs, ctx.cfg.dns.timeoutMs)), signal);
}

/** A URL for reports: no query string or credentials (a portal's Location may carry account ids). */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------ C16 inet.ip
/** A probe's own timeout, shortened to fit the time the check has. */
function fit(timeoutMs: number, budgetMs: number, reserveMs = 250): number {
  return Math.max(100, Math.min(timeoutMs, budgetMs - reserveMs));
}

export async function internetIpCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const anchors = ctx.cfg.probes.ipAnchors;
  if (anchors.length === 0) return { status: 'skip', skippedReason: 'no diagnostics.probes.ipAnchors configured' };
  const timeout = fit(Math.min(3000, ctx.cfg.probes.timeoutMs), budgetMs);
  const results = await Promise.all(
    anchors.map(async (a) => ({ name: a.name, host: a.host, port: a.port, method: 'tcp', ...(await tcpConnect(a.host, a.port, timeout, signal)) })),
  );
  const ok = results.filter((r) => r.ok).length;
  const values = { anchors: results as unknown as Json, answered: ok, total: results.length };
  const thresholds = { pass_ratio: 2 / 3, timeout_ms: timeout };
  if (ok === 0) return { status: 'fail', problems: ['no_internet_ip'], values, thresholds };
  if (ok / results.length < 2 / 3 - 1e-9) return { status: 'warn', problems: ['anchors_partial'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C17 inet.dns
interface ResolverEntry {
  name: string;
  role: 'router' | 'isp' | 'public';
  server: string;
}

function directResolvers(ctx: DiagContext): ResolverEntry[] {
  const port = ctx.cfg.dns.port;
  const out: ResolverEntry[] = [];
  const seen = new Set<string>();
  const add = (e: ResolverEntry): void => {
    if (seen.has(e.server) || out.length >= 8) return;
    seen.add(e.server);
    out.push(e);
  };
  const routerHost = ctx.facts.router?.host ?? ctx.facts.gateway ?? undefined;
  if (routerHost && net.isIP(routerHost)) add({ name: 'router', role: 'router', server: serverAddress(routerHost, port) });
  (ctx.facts.status?.dns ?? []).filter((d) => net.isIP(d)).slice(0, 2).forEach((d, i) => add({ name: `isp${i + 1}`, role: 'isp', server: serverAddress(d, port) }));
  for (const r of ctx.cfg.dns.publicResolvers) add({ name: r.name, role: 'public', server: serverAddress(r.address, port) });
  return out;
}

export async function dnsCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const { tries, randomCount, randomTemplate, knownName } = ctx.cfg.dns;
  // Two servers at most are tried per question, each `tries` times: all of it inside the budget.
  const timeoutMs = Math.floor(fit(ctx.cfg.dns.timeoutMs * tries * 2, budgetMs, 400) / (tries * 2));
  const system = ctx.facts.systemResolvers ?? ctx.cfg.host.resolvers ?? ctx.host.resolvers();
  const names = Array.from({ length: randomCount }, () => randomTemplate.replaceAll('{random}', randomLabel(10)));
  const direct = directResolvers(ctx);
  const [sys, each] = await Promise.all([
    system.length > 0 ? Promise.all(names.map((n) => queryA(system, n, { timeoutMs, tries, signal }))) : Promise.resolve([] as DnsResult[]),
    Promise.all(direct.map(async (d) => ({ ...d, ...(await queryA(d.server, knownName, { timeoutMs, tries, signal })) }))),
  ]);
  const answered = sys.filter((r) => r.ok);
  const sysMedian = r1(median(answered.map((r) => r.ms!)));
  const failingRoles = [...new Set(each.filter((r) => !r.ok).map((r) => r.role))];
  const okRoles = [...new Set(each.filter((r) => r.ok).map((r) => r.role))];
  const th = ctx.cfg.thresholds.dns;
  const values: Record<string, Json | undefined> = {
    system: { servers: system, asked: sys.length, answered: answered.length, median_ms: sysMedian ?? null, outcomes: sys.map((r) => r.outcome) },
    resolvers: each.map((r) => ({ name: r.name, role: r.role, server: r.server, outcome: r.outcome, ms: r.ms ?? null })),
    failing_roles: failingRoles,
    answering_roles: okRoles,
  };
  const thresholds = { pass_ms: th.passMs, warn_ms: th.warnMs, fail_ms: th.failMs, max_failure_ratio: 0.2 };
  if (system.length === 0) return { status: 'fail', problems: ['no_dns_servers'], values, thresholds };
  const failures = sys.length - answered.length;
  if (failures / sys.length > 0.2) return { status: 'fail', problems: ['system_resolver_failed'], values, thresholds };
  if (sysMedian !== undefined && sysMedian > th.failMs) return { status: 'fail', problems: ['very_slow'], values, thresholds };
  const problems: string[] = [];
  if (sysMedian !== undefined && sysMedian > th.passMs) problems.push('slow');
  if (failingRoles.length > 0) problems.push('resolver_failed');
  return { status: problems.length ? 'warn' : 'pass', problems, values, thresholds };
}

// ------------------------------------------------------------------------------------ C18 inet.portal
export type HttpKind = 'ok' | 'inconclusive' | 'portal_billing' | 'portal_login' | 'portal_router' | 'portal' | 'portal_suspected' | 'error' | 'dns_error' | 'unexpected';

export function classifyHttp(ctx: DiagContext, r: HttpResult, expect: 204 | string): { kind: HttpKind; portalHost?: string | undefined } {
  const profile = ctx.facts.profile?.profile;
  if (!r.ok || r.status === undefined) return { kind: r.error === 'ENOTFOUND' || r.error === 'EAI_AGAIN' ? 'dns_error' : 'error' };
  const s = r.status;
  if (expect === 204 && s === 204) return { kind: 'ok' };
  if (typeof expect === 'string' && s === 200 && r.sample.trimStart().startsWith(expect)) return { kind: 'ok' };
  if (s >= 300 && s < 400) {
    if (!r.location) return { kind: 'unexpected' };
    let host: string;
    try {
      host = new URL(r.location, r.url).hostname;
    } catch {
      return { kind: 'unexpected' };
    }
    if (profile && hostMatches(host, profile.portal.loginHosts)) return { kind: 'portal_login', portalHost: host };
    if (profile && hostMatches(host, profile.portal.billingHosts)) return { kind: 'portal_billing', portalHost: host };
    const routerHosts = [ctx.facts.router?.host, ctx.facts.gateway].filter((x): x is string => Boolean(x));
    if (routerHosts.includes(host)) return { kind: 'portal_router', portalHost: host };
    return { kind: 'portal', portalHost: host };
  }
  if (s === 200) {
    if (r.bytes <= 4) return { kind: 'inconclusive' };
    const body = r.sample.toLowerCase();
    if (profile && profile.portal.markers.some((m) => body.includes(m.toLowerCase()))) return { kind: 'portal_billing' };
    return { kind: 'portal_suspected' };
  }
  return { kind: 'unexpected' };
}

export async function portalCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const probes = ctx.cfg.probes.http;
  if (probes.length === 0) return { status: 'skip', skippedReason: 'no diagnostics.probes.http configured' };
  const timeoutMs = fit(ctx.cfg.probes.timeoutMs, budgetMs);
  const results = await Promise.all(
    probes.map(async (p) => {
      const url = probeUrl(ctx, p.url);
      const r = await httpProbe(url, { timeoutMs, signal, maxBytes: 16 * 1024, lookup: probeLookup(ctx, timeoutMs, signal) });
      const c = classifyHttp(ctx, r, p.expect);
      return { name: p.name, r, ...c };
    }),
  );
  const portalOf = (kind: HttpKind): (typeof results)[number] | undefined => results.find((x) => x.kind === kind);
  const values: Record<string, Json | undefined> = {
    probes: results.map((x) => ({
      name: x.name,
      url: safeUrl(x.r.url) ?? null,
      kind: x.kind,
      status: x.r.status ?? null,
      location: safeUrl(x.r.location) ?? null,
      bytes: x.r.bytes,
      ms: x.r.ms ?? null,
      method: 'http',
      error: x.r.error ?? null,
    })),
  };
  const thresholds = { timeout_ms: ctx.cfg.probes.timeoutMs, follow_redirects: false, min_ok: Math.min(2, probes.length) };
  for (const kind of ['portal_billing', 'portal_login', 'portal_router', 'portal', 'portal_suspected'] as const) {
    const hit = portalOf(kind);
    if (hit) {
      values['portal_host'] = hit.portalHost ?? null;
      values['portal_url'] = safeUrl(hit.r.location ? new URL(hit.r.location, hit.r.url).toString() : hit.r.url) ?? null;
      const problems = kind === 'portal_router' || kind === 'portal_suspected' ? ['portal', kind] : [kind];
      return { status: 'fail', problems, values, thresholds };
    }
  }
  const ok = results.filter((x) => x.kind === 'ok').length;
  if (ok >= Math.min(2, probes.length)) return { status: 'pass', values, thresholds };
  if (ok > 0) return { status: 'warn', problems: ['some_failed'], values, thresholds };
  if (results.some((x) => x.kind === 'inconclusive')) return { status: 'warn', problems: ['inconclusive'], values, thresholds };
  const allDns = results.every((x) => x.kind === 'dns_error');
  const allTimeouts = results.every((x) => x.r.error === 'timeout' || x.r.error === 'stalled');
  return { status: 'fail', problems: ['no_http', ...(allDns ? ['dns_error'] : []), ...(allTimeouts ? ['timeout'] : [])], values, thresholds };
}

// ------------------------------------------------------------------------------------ C19 inet.https
export async function httpsCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const probes = ctx.cfg.probes.https;
  if (probes.length === 0) return { status: 'skip', skippedReason: 'no diagnostics.probes.https configured' };
  const timeoutMs = fit(ctx.cfg.probes.timeoutMs, budgetMs);
  const results = await Promise.all(
    probes.map(async (p) => ({ name: p.name, r: await httpProbe(probeUrl(ctx, p.url), { timeoutMs, signal, ca: ctx.caPem, maxBytes: 16 * 1024, lookup: probeLookup(ctx, timeoutMs, signal) }) })),
  );
  const okOnes = results.filter((x) => x.r.status !== undefined);
  const med = r1(median(okOnes.map((x) => x.r.ms!)));
  const th = ctx.cfg.thresholds.https;
  const certErrors = results.filter((x) => x.r.certError);
  const values: Record<string, Json | undefined> = {
    probes: results.map((x) => ({
      name: x.name,
      url: safeUrl(x.r.url) ?? null,
      status: x.r.status ?? null,
      ms: x.r.ms ?? null,
      method: 'https',
      phases_ms: x.r.timings as unknown as Json,
      error: x.r.error ?? null,
    })),
    median_ms: med ?? null,
    ok: okOnes.length,
    total: results.length,
  };
  const thresholds = { high_ms: th.highMs, very_high_ms: th.veryHighMs, timeout_ms: ctx.cfg.probes.timeoutMs };
  const failed = results.length - okOnes.length;
  const cert = certErrors.length > 0 ? ['cert_error'] : [];
  const allTimeouts = failed === results.length && results.every((x) => x.r.error === 'timeout' || x.r.error === 'stalled');
  if (failed / results.length >= 2 / 3 - 1e-9) return { status: 'fail', problems: ['https_failed', ...cert, ...(allTimeouts ? ['timeout'] : [])], values, thresholds };
  if (med !== undefined && med > th.veryHighMs) return { status: 'fail', problems: ['very_high_latency', ...cert], values, thresholds };
  if (failed > 0) return { status: 'warn', problems: ['some_failed', ...cert], values, thresholds };
  if (med !== undefined && med > th.highMs) return { status: 'warn', problems: ['high_latency'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C20 inet.pmtu
const DF_SIZES = [1500, 1492, 1460, 1400];

export async function pmtuCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const wan = ctx.facts.wan;
  if (wan && !PASSWORD_PROTOS.has(wan.proto)) return { status: 'skip', skippedReason: `the WAN is ${wan.rawProto ?? wan.proto}: no tunnel overhead` };
  const values: Record<string, Json | undefined> = {};
  const problems: string[] = [];
  const expectedMtu = ctx.facts.profile?.profile?.wan.mtu;
  // (a) DF pings, where ICMP works (Linux iputils): the largest size that passes unfragmented.
  const anchor = ctx.cfg.probes.ipAnchors[0];
  const dfJob = (async () => {
    if (!anchor || ctx.cfg.ping.mode === 'tcp' || ctx.facts.pingMethod === 'tcp' || process.platform !== 'linux') {
      values['df_probe'] = 'not run: ICMP not used here';
      return;
    }
    const passed: number[] = [];
    for (const size of DF_SIZES) {
      if (signal.aborted) break;
      const r = await ctx.host.ping(anchor.host, { count: 1, intervalMs: 200, timeoutMs: ctx.cfg.ping.timeoutMs, size: size - 28, dontFragment: true, signal });
      if (!r.available) break;
      if (r.replies.length > 0) passed.push(size);
    }
    values['df_probe'] = { target: anchor.name, method: 'icmp', passed_sizes: passed };
    if (passed.length === 0) values['df_probe_inconclusive'] = true;
    else if (expectedMtu && Math.max(...passed) < expectedMtu) problems.push('pmtu_low');
  })();
  // (b) a large body must keep flowing while small answers work (TLS handshakes and small pages pass).
  let largeAnswered = false;
  const largeJob = (async () => {
    const url = ctx.cfg.probes.largeUrl;
    if (!url) return;
    const stallMs = Math.min(5000, ctx.cfg.probes.timeoutMs, Math.max(100, budgetMs / 2 - 200));
    const timeoutMs = fit(ctx.cfg.probes.timeoutMs * 2, budgetMs);
    const r = await httpProbe(probeUrl(ctx, url), { timeoutMs, stallMs, signal, ca: ctx.caPem, maxBytes: 256 * 1024, sampleBytes: 0, lookup: probeLookup(ctx, timeoutMs, signal) });
    values['large'] = { url: safeUrl(r.url) ?? null, status: r.status ?? null, bytes: r.bytes, ms: r.ms ?? null, error: r.error ?? null, stall_ms: stallMs };
    largeAnswered = r.status !== undefined;
    if (r.status !== undefined && (r.error === 'stalled' || r.error === 'timeout') && r.bytes < 64 * 1024) problems.push('large_stalls');
  })();
  await Promise.all([dfJob, largeJob]);
  const dfUsable = typeof values['df_probe'] === 'object' && !values['df_probe_inconclusive'];
  if (!dfUsable && !largeAnswered && problems.length === 0) {
    const why = ctx.cfg.probes.largeUrl ? 'the large object got no answer at all (nothing to compare)' : 'no diagnostics.probes.largeUrl configured';
    return { status: 'skip', skippedReason: `inconclusive: ${why}; no usable ICMP probe`, values };
  }
  const thresholds = { expected_mtu: expectedMtu ?? null, large_min_bytes: 64 * 1024 };
  if (problems.includes('large_stalls')) return { status: 'fail', problems, values, thresholds };
  if (problems.length > 0) return { status: 'warn', problems, values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C21 inet.quality
export async function qualityCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const { intervalMs } = ctx.cfg.quality;
  const count = fitCount(ctx.cfg.quality.count, intervalMs, ctx.cfg.ping.timeoutMs, budgetMs);
  const targets = [
    ...(ctx.facts.gateway ? [{ name: 'gateway', host: ctx.facts.gateway, tcpPort: adminPortOf(ctx, ctx.facts.gateway) }] : []),
    ...ctx.cfg.probes.ipAnchors.slice(0, 2).map((a) => ({ name: a.name, host: a.host, tcpPort: a.port })),
  ];
  if (targets.length === 0) return { status: 'skip', skippedReason: 'no gateway and no anchors' };
  const trains = await Promise.all(targets.map((t) => echoTrain(ctx, t, count, intervalMs, signal)));
  const th = ctx.cfg.thresholds.quality;
  const gwTh = ctx.cfg.thresholds.gateway;
  const gateway = trains.find((t) => t.target === 'gateway');
  const anchors = trains.filter((t) => t.target !== 'gateway');
  const grade = (t: TrainResult, warnMs: number, failMs: number): { level: 0 | 1 | 2; problems: string[] } => {
    const problems: string[] = [];
    let level: 0 | 1 | 2 = 0;
    const bump = (l: 1 | 2, p: string): void => {
      problems.push(p);
      if (l > level) level = l;
    };
    if (t.loss_pct >= 50) bump(2, 'outage');
    else if (t.loss_pct > th.failLossPct) bump(2, 'loss');
    else if (t.loss_pct > th.warnLossPct) bump(1, 'loss');
    if (t.median_ms !== undefined) {
      if (t.median_ms > failMs) bump(2, 'latency');
      else if (t.median_ms > warnMs) bump(1, 'latency');
    }
    if (t.jitter_ms !== undefined) {
      if (t.jitter_ms > th.failJitterMs) bump(2, 'jitter');
      else if (t.jitter_ms > th.warnJitterMs) bump(1, 'jitter');
    }
    return { level, problems };
  };
  const gw = gateway ? grade(gateway, ctx.facts.onWifi ? gwTh.wifiMs : gwTh.wiredMs, gwTh.warnMs) : { level: 0 as const, problems: [] };
  const an = anchors.map((a) => grade(a, th.warnMs, th.failMs));
  // mtr's rule: loss that starts at a hop and persists to the destination is real; loss only at the
  // router (which may rate-limit its own replies) is not.
  const anchorLevel = an.length ? (Math.min(...an.map((g) => g.level)) as 0 | 1 | 2) : 0;
  let segment: 'lan' | 'internet' | undefined;
  let level: 0 | 1 | 2 = 0;
  if (anchorLevel > 0) {
    level = anchorLevel;
    segment = gw.level > 0 ? 'lan' : 'internet';
  }
  const problems = level > 0 ? [...new Set([...(segment === 'lan' ? gw.problems : []), ...an.flatMap((g) => g.problems)])] : [];
  const values: Record<string, Json | undefined> = { trains: trains as unknown as Json, segment: segment ?? null, ignored_gateway_only: gw.level > 0 && anchorLevel === 0 };
  const thresholds = {
    warn_loss_pct: th.warnLossPct,
    fail_loss_pct: th.failLossPct,
    warn_ms: th.warnMs,
    fail_ms: th.failMs,
    warn_jitter_ms: th.warnJitterMs,
    fail_jitter_ms: th.failJitterMs,
  };
  return { status: level === 2 ? 'fail' : level === 1 ? 'warn' : 'pass', problems, values, thresholds };
}

// ------------------------------------------------------------------------------------ C22 inet.throughput
export async function throughputCheck(ctx: DiagContext, signal: AbortSignal): Promise<CheckOutcome> {
  if (!ctx.flags.throughput) return { status: 'skip', skippedReason: 'on request only (diagnose --throughput)' };
  const url = ctx.cfg.probes.throughputUrl;
  if (!url) return { status: 'skip', skippedReason: 'no diagnostics.probes.throughputUrl configured' };
  const seconds = ctx.cfg.throughput.seconds;
  const started = performance.now();
  const r = await httpProbe(probeUrl(ctx, url), { timeoutMs: seconds * 1000, signal, ca: ctx.caPem, maxBytes: 2 ** 40, sampleBytes: 0, stallMs: 5000, lookup: probeLookup(ctx, 5000, signal) });
  const secs = Math.max(0.001, (performance.now() - started) / 1000 - (r.timings.processing ?? 0) / 1000);
  const mbps = Math.round(((r.bytes * 8) / secs / 1e6) * 10) / 10;
  const tariff = ctx.facts.profile?.profile?.tariff.downMbps ?? null;
  const th = ctx.cfg.thresholds.throughput;
  const values = { direction: 'download', mbps, bytes: r.bytes, seconds: Math.round(secs * 10) / 10, tariff_mbps: tariff, error: r.error === 'timeout' ? null : (r.error ?? null) };
  const thresholds = { pass_ratio: th.passRatio, warn_ratio: th.warnRatio };
  if (r.status === undefined) return { status: 'fail', problems: ['no_transfer'], values, thresholds };
  if (tariff === null) return { status: 'pass', values, thresholds };
  const ratio = mbps / tariff;
  if (ratio < th.warnRatio) return { status: 'fail', problems: ['throughput_low'], values, thresholds };
  if (ratio < th.passRatio) return { status: 'warn', problems: ['throughput_low'], values, thresholds };
  return { status: 'pass', values, thresholds };
}
