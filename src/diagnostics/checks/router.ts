// C06–C15: the router's own view of the line, read through the driver contract in the one session the
// runner opened. A family that cannot answer a question makes its check `skip` with the reason.
import net from 'node:net';
import { PASSWORD_PROTOS, type WanStatus } from '../../../drivers/types.js';
import type { DiagContext, RouterReads } from '../context.js';
import { chooseProfile } from '../isp-profile.js';
import { addressClass, inSubnet } from '../stats.js';
import type { CheckOutcome, Json } from '../types.js';
import { reconnects, type WanSample } from '../stability.js';

function reads(ctx: DiagContext): RouterReads {
  if (!ctx.router) throw new Error('router checks run only inside the router session');
  return ctx.router;
}

function statusValues(s: WanStatus): Record<string, Json | undefined> {
  return {
    state: s.state,
    reason: s.reason,
    raw_errors: s.rawErrors ?? undefined,
    uptime_s: s.uptimeSeconds,
  };
}

// ------------------------------------------------------------------------------------ C06 wan.link
export async function wanLinkCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const r = reads(ctx);
  const link = await r.link();
  const status = await r.status();
  ctx.facts.status = status;
  ctx.facts.wan ??= await r.wan().catch(() => undefined);
  if (link?.carrier !== undefined) {
    const values = { source: 'port', device: link.device, carrier: link.carrier, speed_mbps: link.speedMbps, full_duplex: link.fullDuplex };
    if (!link.carrier) return { status: 'fail', problems: ['no_carrier'], values };
    if ((link.speedMbps !== undefined && link.speedMbps > 0 && link.speedMbps < 100) || link.fullDuplex === false) {
      return { status: 'warn', problems: ['bad_cable'], values, thresholds: { min_speed_mbps: 100, full_duplex: true } };
    }
    return { status: 'pass', values };
  }
  // No port data: the WAN state still tells "no carrier" apart from a line that works.
  const values = { source: 'wan_status', device: link?.device, ...statusValues(status) };
  if (status.reason === 'no_carrier') return { status: 'fail', problems: ['no_carrier'], values };
  if (status.state === 'up') return { status: 'pass', values };
  return { status: 'skip', skippedReason: 'the router does not report the Internet port link', values };
}

// ------------------------------------------------------------------------------------ C07 wan.profile
export async function wanProfileCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const r = reads(ctx);
  const wan = await r.wan();
  ctx.facts.wan = wan;
  const choice = chooseProfile(ctx.profiles, { flag: ctx.flags.isp, configured: ctx.cfg.isp, wan });
  ctx.facts.profile = choice;
  const values: Record<string, Json | undefined> = {
    proto: wan.rawProto ?? wan.proto,
    server: wan.server,
    login_set: Boolean(wan.username),
    password_set: wan.hasPassword,
    mtu: wan.mtu,
    profile: choice.profile?.name,
    profile_source: choice.source,
  };
  const factoryLogin = r.access.loginSource === 'default';
  const p = choice.profile;
  if (!p) {
    if (factoryLogin && wan.proto === 'dhcp' && !wan.username) return { status: 'warn', problems: ['factory_defaults_suspected'], values };
    return { status: 'skip', skippedReason: 'no ISP profile matches this WAN (use --isp NAME or diagnostics.isp)', values };
  }
  const expected = p.wan.proto === 'ipoe' ? 'dhcp' : p.wan.proto;
  const thresholds = { proto: expected, server: p.wan.server, mtu_max: p.wan.mtu };
  const isPpp = PASSWORD_PROTOS.has(wan.proto);
  if (wan.proto !== expected) {
    // A reset router dials nothing: DHCP (or nothing) and no PPP login.
    const factory = (wan.proto === 'dhcp' || wan.proto === 'other') && !wan.username && (PASSWORD_PROTOS as ReadonlySet<string>).has(expected);
    return { status: 'fail', problems: [factory || factoryLogin ? 'factory_defaults' : 'wrong_proto'], values, thresholds };
  }
  if (isPpp && !wan.username) return { status: 'fail', problems: ['no_username'], values, thresholds };
  if ((wan.proto === 'l2tp' || wan.proto === 'pptp') && p.wan.server) {
    const wanted = [p.wan.server, ...p.wan.altServers].map((s) => s.toLowerCase());
    if (!wan.server || !wanted.includes(wan.server.replace(/:\d+$/, '').toLowerCase())) {
      return { status: 'fail', problems: ['wrong_server'], values, thresholds };
    }
  }
  if (wan.mtu !== undefined && wan.mtu > p.wan.mtu) return { status: 'warn', problems: ['mtu_high'], values, thresholds };
  if (factoryLogin) return { status: 'warn', problems: ['default_admin_password'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C08 wan.underlay
export async function wanUnderlayCheck(ctx: DiagContext, signal: AbortSignal): Promise<CheckOutcome> {
  const r = reads(ctx);
  const wan = await r.wan();
  ctx.facts.wan = wan;
  const { status, waitedMs } = await r.settledStatus(ctx.cfg.ppp.waitMs, ctx.cfg.ppp.pollMs, signal);
  ctx.facts.status = status;
  const values = { proto: wan.proto, evidence: 'wan_status', waited_ms: waitedMs, ...statusValues(status) };
  if (wan.proto === 'l2tp' || wan.proto === 'pptp') {
    if (status.reason === 'server_unreachable') return { status: 'fail', problems: ['vpn_server_unreachable'], values };
    // The tunnel is up before PPP authenticates: an auth failure proves the server answered.
    if (status.state === 'up' || status.reason === 'auth_failed' || status.reason === 'negotiation_failed') return { status: 'pass', values };
  } else if (wan.proto === 'pppoe') {
    if (status.reason === 'server_unreachable') return { status: 'fail', problems: ['no_pado'], values };
    if (status.state === 'up' || status.reason === 'auth_failed' || status.reason === 'negotiation_failed') return { status: 'pass', values };
  } else if (wan.proto === 'dhcp') {
    if (status.state === 'up' && status.ipv4) return { status: 'pass', values };
    if (status.state !== 'up' && status.reason !== 'no_carrier' && status.reason !== 'disabled') return { status: 'fail', problems: ['no_lease'], values };
  } else if (status.state === 'up') {
    return { status: 'pass', values };
  }
  return { status: 'skip', skippedReason: 'the router does not show the access network apart from the connection itself', values };
}

// ------------------------------------------------------------------------------------ C09 wan.ppp
async function passwordChangeEvidence(ctx: DiagContext): Promise<'reported' | 'saved_differs' | 'none' | 'unknown'> {
  if (ctx.flags.passwordChanged) return 'reported';
  const r = reads(ctx);
  const saved = await r.access.savedWanPassword?.().catch(() => undefined);
  if (saved === undefined) return 'none';
  ctx.logger.addSecret?.(saved);
  try {
    const withPassword = await r.access.session.readWan({ withPassword: true });
    if (withPassword.password === undefined) return 'unknown';
    ctx.logger.addSecret?.(withPassword.password);
    return withPassword.password !== saved ? 'saved_differs' : 'none';
  } catch {
    return 'unknown';
  }
}

export async function wanPppCheck(ctx: DiagContext, signal: AbortSignal): Promise<CheckOutcome> {
  const r = reads(ctx);
  const wan = await r.wan();
  if (!PASSWORD_PROTOS.has(wan.proto)) return { status: 'skip', skippedReason: `the WAN is ${wan.rawProto ?? wan.proto}, not PPP` };
  const { status, waitedMs, polls } = await r.settledStatus(ctx.cfg.ppp.waitMs, ctx.cfg.ppp.pollMs, signal);
  ctx.facts.status = status;
  const values: Record<string, Json | undefined> = { proto: wan.proto, waited_ms: waitedMs, polls, ...statusValues(status) };
  const thresholds = { wait_ms: ctx.cfg.ppp.waitMs, just_up_s: ctx.cfg.ppp.justUpSeconds };
  if (status.state === 'up') {
    if (status.uptimeSeconds !== undefined && status.uptimeSeconds < ctx.cfg.ppp.justUpSeconds) {
      return { status: 'warn', problems: ['just_reconnected'], values, thresholds };
    }
    return { status: 'pass', values, thresholds };
  }
  if (status.reason === 'auth_failed') {
    const evidence = await passwordChangeEvidence(ctx);
    ctx.facts.passwordChange = evidence;
    values['password_change'] = evidence;
    return { status: 'fail', problems: ['auth_failed'], values, thresholds };
  }
  if (status.state === 'connecting') return { status: 'fail', problems: ['ppp_down', 'still_connecting'], values, thresholds };
  return { status: 'fail', problems: ['ppp_down', status.reason ?? 'unknown'], values, thresholds };
}

// ------------------------------------------------------------------------------------ C10 wan.stability
/**
 * Reconnects in the last 24 hours, from the watch's history of the PPP session's uptime plus the
 * uptime the router reports now (stability.ts). diagnostics.md C10: ≤ 1 a day passes, ≥ 3 a day is a
 * warning, ≥ 3 in the last hour fails (wan_flapping).
 */
export async function wanStabilityCheck(ctx: DiagContext): Promise<CheckOutcome> {
  if (!ctx.wanHistory) return { status: 'skip', skippedReason: 'no reconnect history: `routerctl watch` keeps one' };
  const now = ctx.now();
  const samples = await ctx.wanHistory().catch(() => [] as WanSample[]);
  const status = ctx.router ? (ctx.facts.status ?? (await reads(ctx).status().catch(() => undefined))) : undefined;
  if (status?.state === 'up' && status.uptimeSeconds !== undefined) samples.push({ tMs: now, uptimeS: status.uptimeSeconds });
  const r = reconnects(samples, now);
  if (r.samples < 2) return { status: 'skip', skippedReason: 'too little watch history in the last 24 hours to count reconnects' };
  const values: Record<string, Json | undefined> = { per_day: r.perDay, per_hour: r.perHour, covered_s: r.coveredS, samples: r.samples };
  const thresholds = { warn_per_day: 3, fail_per_hour: 3 };
  if (r.perHour >= 3) return { status: 'fail', problems: ['flapping'], values, thresholds };
  if (r.perDay >= 3) return { status: 'warn', problems: ['reconnects'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C11 wan.address
export async function wanAddressCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const status = ctx.facts.status ?? (await reads(ctx).status());
  if (status.state !== 'up') return { status: 'skip', skippedReason: 'the WAN is not up' };
  const values: Record<string, Json | undefined> = { ipv4: status.ipv4, gateway: status.gateway, dns: status.dns ?? [] };
  if (!status.ipv4) return { status: 'fail', problems: ['no_address'], values };
  const cls = addressClass(status.ipv4);
  values['class'] = cls;
  if (cls === 'cgnat') return { status: 'warn', problems: ['cgnat'], values };
  if (cls === 'private') return { status: 'warn', problems: ['double_nat'], values };
  return { status: 'pass', values };
}

// ------------------------------------------------------------------------------------ C12 router.egress
type EgressRole = 'gateway' | 'isp_dns' | 'anchor';

/**
 * diagnostics.md C12: pings from the router to the PPP peer / WAN gateway, the first ISP resolver and two
 * public anchors (the first two IP literals of diagnostics.probes.ipAnchors, as C16 uses them). Pass:
 * ≥ 1 anchor answers and loss ≤ 1 %. Warn: more loss among the targets that answer at all. Fail:
 * no anchor answers (`upstream_down` when the provider's own gateway or resolver still answers,
 * `no_egress` when nothing does) — the "PPP up, C12 fail" of verdict rule 13.
 */
export async function routerEgressCheck(ctx: DiagContext, signal: AbortSignal, budgetMs = Infinity): Promise<CheckOutcome> {
  const r = reads(ctx);
  const session = r.access.session;
  if (!session.pingFromRouter) return { status: 'skip', skippedReason: 'this router family cannot run pings on the router; the host-side checks cover the path' };
  const status = ctx.facts.status ?? (await r.status());
  if (status.state !== 'up') return { status: 'skip', skippedReason: 'the WAN is not up' };
  const targets: { role: EgressRole; name: string; host: string }[] = [];
  const add = (role: EgressRole, name: string, host: string | undefined): void => {
    if (host && net.isIP(host) && !targets.some((t) => t.host === host)) targets.push({ role, name, host });
  };
  add('gateway', 'gateway', status.gateway);
  add('isp_dns', 'isp_dns', status.dns?.[0]);
  let anchors = 0;
  for (const a of ctx.cfg.probes.ipAnchors) {
    if (anchors >= 2 || !net.isIP(a.host) || targets.some((t) => t.host === a.host)) continue;
    add('anchor', a.name, a.host);
    anchors++;
  }
  if (anchors === 0) return { status: 'skip', skippedReason: 'no IP literal among diagnostics.probes.ipAnchors to ping from the router' };
  // One echo a second plus busybox's last wait (-W 1), and the request around it: fit the count into the time left.
  const overheadMs = 1500;
  const count = Math.min(ctx.cfg.ping.routerCount, Math.floor((budgetMs - overheadMs) / 1000));
  if (count < 1) return { status: 'skip', skippedReason: 'too little time left in the router phase to ping from the router' };
  const outcome = await session.pingFromRouter(
    targets.map((t) => t.host),
    { count, timeoutMs: Number.isFinite(budgetMs) ? budgetMs : count * 1000 + overheadMs, signal },
  );
  if (!outcome.ok) return { status: 'skip', skippedReason: outcome.reason };
  const rows = targets.map((t) => {
    const p = outcome.results.find((x) => x.host === t.host);
    const sent = p?.sent ?? 0;
    const received = p?.received ?? 0;
    return {
      name: t.name,
      role: t.role,
      host: t.host,
      sent,
      received,
      loss_pct: sent > 0 ? Math.round(((sent - received) / sent) * 1000) / 10 : 100,
      ...(p?.rttAvgMs !== undefined ? { rtt_avg_ms: p.rttAvgMs } : {}),
      ...(p?.error ? { error: p.error } : {}),
    };
  });
  const answering = rows.filter((x) => x.received > 0);
  const anchorsAnswered = rows.filter((x) => x.role === 'anchor' && x.received > 0).length;
  const ispAnswered = rows.some((x) => x.role !== 'anchor' && x.received > 0);
  const sentAll = answering.reduce((n, x) => n + x.sent, 0);
  const lossPct = sentAll > 0 ? Math.round((answering.reduce((n, x) => n + x.sent - x.received, 0) / sentAll) * 1000) / 10 : 100;
  const values: Record<string, Json | undefined> = {
    method: 'icmp_router',
    count,
    targets: rows as unknown as Json,
    anchors_answered: anchorsAnswered,
    anchors_total: anchors,
    isp_answered: ispAnswered,
    loss_pct: lossPct,
  };
  // diagnostics.md names 1–20 % a warning and no fail for loss: more than 20 % is still a warning here.
  const thresholds = { min_anchors: 1, pass_loss_pct: 1 };
  if (anchorsAnswered === 0) return { status: 'fail', problems: [ispAnswered ? 'upstream_down' : 'no_egress'], values, thresholds };
  if (lossPct > 1) return { status: 'warn', problems: ['egress_loss'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C13 router.health
function formatSkew(seconds: number): number {
  return Math.round(seconds);
}

export async function routerHealthCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const r = reads(ctx);
  const health = await r.health();
  const info = await r.info().catch(() => undefined);
  ctx.facts.info = info;
  const uptime = health?.uptimeSeconds ?? info?.uptimeSeconds;
  if (!health && uptime === undefined) return { status: 'skip', skippedReason: 'the router does not report its health' };
  const th = ctx.cfg.thresholds.clock;
  const values: Record<string, Json | undefined> = {
    uptime_s: uptime,
    load1: health?.load1,
    cpu_load_pct: health?.cpuLoadPercent,
    mem_total_bytes: health?.memTotalBytes,
    mem_available_bytes: health?.memAvailableBytes,
    firmware: info?.firmware,
    model: info?.model,
  };
  const problems: string[] = [];
  let status: CheckOutcome['status'] = 'pass';
  if (uptime !== undefined && uptime < 600) problems.push('just_rebooted'); // a note, not a warning
  if (health?.clockSeconds !== undefined) {
    let skew = health.clockSeconds - ctx.now() / 1000;
    // OpenWrt reports local time: a whole quarter-hour offset within ±14 h is the time zone, not skew.
    if (health.clockIsLocal && Math.abs(skew) <= 14 * 3600 + 60) skew -= Math.round(skew / 900) * 900;
    values['clock_skew_s'] = formatSkew(skew);
    if (Math.abs(skew) > th.failSeconds) {
      problems.push('clock_wrong');
      status = 'fail';
    } else if (Math.abs(skew) > th.warnSeconds) {
      problems.push('clock_skew');
      status = 'warn';
    }
  }
  if (health?.load1 !== undefined && health.load1 > 2 * (health.cpuCount ?? 1)) {
    problems.push('high_load');
    if (status === 'pass') status = 'warn';
  }
  if (health?.cpuLoadPercent !== undefined && health.cpuLoadPercent > 90) {
    problems.push('high_load');
    if (status === 'pass') status = 'warn';
  }
  if (health?.memTotalBytes && health.memAvailableBytes !== undefined && health.memAvailableBytes / health.memTotalBytes < 0.1) {
    problems.push('low_memory');
    if (status === 'pass') status = 'warn';
  }
  return { status, problems, values, thresholds: { clock_warn_s: th.warnSeconds, clock_fail_s: th.failSeconds, load_per_cpu: 2, mem_free_min_ratio: 0.1, just_rebooted_s: 600 } };
}

// ------------------------------------------------------------------------------------ C14 router.mtu
const MTU_LIMIT: Record<string, number> = { pppoe: 1492, l2tp: 1460, pptp: 1400 };

export async function routerMtuCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const wan = await reads(ctx).wan();
  if (!PASSWORD_PROTOS.has(wan.proto)) return { status: 'skip', skippedReason: `the WAN is ${wan.rawProto ?? wan.proto}: no tunnel overhead` };
  const limit = ctx.facts.profile?.profile?.wan.mtu ?? MTU_LIMIT[wan.proto] ?? 1500;
  const thresholds = { mtu_max: limit };
  if (wan.mtu === undefined) return { status: 'skip', skippedReason: 'the router uses its default MTU and does not say which', thresholds };
  const values = { mtu: wan.mtu, proto: wan.proto, mss_clamp: 'unknown' };
  if (wan.mtu > limit) return { status: 'fail', problems: ['mtu_high'], values, thresholds };
  return { status: 'pass', values, thresholds };
}

// ------------------------------------------------------------------------------------ C15 router.lan_conflict
export async function lanConflictCheck(ctx: DiagContext): Promise<CheckOutcome> {
  const r = reads(ctx);
  const lan = await r.lan();
  if (!lan) return { status: 'skip', skippedReason: 'the router does not report its home network' };
  const status = ctx.facts.status ?? (await r.status());
  const wanAddrs = [status.ipv4, status.gateway].filter((x): x is string => typeof x === 'string');
  const values = { lan: lan.subnets.map((s) => `${s.address}/${s.prefix}`), wan: wanAddrs };
  if (wanAddrs.length === 0) return { status: 'skip', skippedReason: 'the WAN has no address to compare', values };
  const clash = lan.subnets.some((s) => wanAddrs.some((a) => inSubnet(a, s.address, s.prefix)));
  return clash ? { status: 'fail', problems: ['lan_wan_overlap'], values } : { status: 'pass', values };
}
