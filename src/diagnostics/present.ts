// The report: one versioned JSON object (REPORT_SCHEMA) for scripts, and the human view — a headline,
// 1–3 steps, the ✓ ! ✗ – chain Your device → (Wi-Fi →) Router → Provider line → Provider → Internet,
// secondary findings, and for technicians (--verbose) every check with its values and skip reason.
// Colour only when the stream is a terminal and NO_COLOR is not set.
import { styleText } from 'node:util';
import { hasKey, t, type Lang, type MsgKey } from '../i18n/index.js';
import { adviceAll, findingText, type AdviceText } from './advice.js';
import type { Facts } from './context.js';
import type { IspProfile } from './isp-profile.js';
import type { RunOutcome } from './runner.js';
import { exitCodeOf, type Decision } from './verdict.js';
import { REPORT_SCHEMA, type CheckResult, type CheckStatus, type Finding, type PhaseTiming, type RouterFacts, type Segment, type Severity } from './types.js';

export interface ChainLink {
  segment: Segment;
  status: 'pass' | 'warn' | 'fail' | 'skip';
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  started_at: string;
  duration_ms: number;
  lang: Lang;
  verdict: {
    id: string;
    severity: Severity;
    confidence: string;
    layer: string;
    segment: Segment;
    order: number;
    evidence: string[];
    support_code?: string | undefined;
    heal?: { action: string; command?: string | undefined; automatic: boolean } | undefined;
    advice: Record<Lang, AdviceText>;
  };
  secondary: { check: string; key: string; status: string; problems: string[]; text: string }[];
  chain: ChainLink[];
  checks: CheckResult[];
  phases: PhaseTiming[];
  router: RouterFacts;
  isp: { profile: string | null; source: string };
  exit_code: number;
}

const CHAIN: readonly Segment[] = ['device', 'wifi', 'router', 'line', 'provider', 'internet'];

/** The chain's badges from the checks of each segment; a critical verdict also marks its own segment ✗. */
export function chainOf(results: readonly CheckResult[], verdict?: { segment: Segment; severity: Severity }): ChainLink[] {
  const out: ChainLink[] = [];
  for (const segment of CHAIN) {
    const here = results.filter((r) => r.segment === segment);
    let status: ChainLink['status'] = 'skip';
    if (here.some((r) => r.status === 'fail' || r.status === 'error')) status = 'fail';
    else if (here.some((r) => r.status === 'warn')) status = 'warn';
    else if (here.some((r) => r.status === 'pass')) status = 'pass';
    if (verdict?.severity === 'critical' && verdict.segment === segment) status = 'fail';
    // Wi-Fi shows only when this device is on Wi-Fi.
    if (segment === 'wifi' && status === 'skip') continue;
    out.push({ segment, status });
  }
  return out;
}

export function routerFactsOf(facts: Facts): RouterFacts {
  return {
    host: facts.router?.host,
    family: facts.router?.family,
    model: facts.info?.model ?? facts.router?.model,
    firmware: facts.info?.firmware ?? facts.router?.firmware,
    wan_proto: facts.wan ? (facts.wan.rawProto ?? facts.wan.proto) : undefined,
    wan_server: facts.wan?.server,
    wan_state: facts.status?.state,
    ppp_last_error: facts.status?.rawErrors?.[0] ?? facts.status?.reason,
    ppp_uptime_s: facts.status?.uptimeSeconds,
    uptime_s: facts.info?.uptimeSeconds,
  };
}

export function buildReport(run: RunOutcome, decision: Decision, facts: Facts, lang: Lang, profile?: IspProfile): Report {
  const v = decision.verdict;
  return {
    schema: REPORT_SCHEMA,
    started_at: run.startedAt.toISOString(),
    duration_ms: run.durationMs,
    lang,
    verdict: {
      id: v.id,
      severity: v.severity,
      confidence: v.confidence,
      layer: v.layer,
      segment: v.segment,
      order: v.order,
      evidence: v.evidence,
      ...(v.supportCode ? { support_code: v.supportCode } : {}),
      ...(v.heal ? { heal: v.heal } : {}),
      advice: adviceAll(v, profile),
    },
    secondary: decision.secondary.map((f: Finding) => ({ check: f.check, key: f.key, status: f.status, problems: f.problems, text: findingText(f, lang) })),
    chain: chainOf(run.results, v),
    checks: run.results,
    phases: run.phases,
    router: JSON.parse(JSON.stringify(routerFactsOf(facts))) as RouterFacts,
    isp: { profile: profile?.name ?? null, source: facts.profile?.source ?? 'none' },
    exit_code: exitCodeOf(v.severity),
  };
}

// ------------------------------------------------------------------------------------ the human view

export interface Style {
  good(s: string): string;
  warn(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Style {
  const on = Boolean(stream.isTTY) && !env['NO_COLOR'];
  const s = (f: Parameters<typeof styleText>[0]) => (x: string): string => (on ? styleText(f, x) : x);
  return { good: s('green'), warn: s('yellow'), bad: s('red'), dim: s('dim'), bold: s('bold') };
}

export const PLAIN: Style = { good: (x) => x, warn: (x) => x, bad: (x) => x, dim: (x) => x, bold: (x) => x };

const MARK: Record<ChainLink['status'] | CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', error: '✗', skip: '–' };

function mark(status: ChainLink['status'] | CheckStatus, st: Style): string {
  const m = MARK[status];
  return status === 'pass' ? st.good(m) : status === 'warn' ? st.warn(m) : status === 'skip' ? st.dim(m) : st.bad(m);
}

function compact(values: Record<string, unknown>, max = 160): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined) continue;
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(`${k}=${text}`);
  }
  const line = parts.join(' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function renderHuman(report: Report, opts: { lang: Lang; verbose: boolean; style?: Style; facts?: Facts }): string {
  const st = opts.style ?? PLAIN;
  const lang = opts.lang;
  const adv = report.verdict.advice[lang];
  const sev = report.verdict.severity;
  const head = sev === 'ok' ? st.good(`✓ ${adv.title}`) : sev === 'warning' ? st.warn(`! ${adv.title}`) : st.bad(`✗ ${adv.title}`);
  const lines: string[] = [st.bold(head)];
  if (adv.steps.length > 0) {
    lines.push('', t(lang, 'ui.steps'));
    adv.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  }
  if (adv.support) lines.push(`  ${adv.support}`);
  if (adv.supportCode) lines.push(`  ${st.dim(adv.supportCode)}`);
  const loginError = opts.facts?.routerLoginError;
  if (loginError) {
    const key = `ui.loginError.${loginError.code}`;
    const reason = hasKey(key) ? t(lang, key) : t(lang, 'ui.loginError.other', { code: loginError.code.replace(/_/g, ' ') });
    lines.push('', t(lang, 'ui.routerSkipped', { reason }));
  }
  lines.push('', t(lang, 'ui.checked'));
  lines.push(`  ${report.chain.map((c) => `${mark(c.status, st)} ${t(lang, `seg.${c.segment}` as MsgKey)}`).join(st.dim(' → '))}`);
  if (report.secondary.length > 0) {
    lines.push('', t(lang, 'ui.also'));
    for (const f of report.secondary) lines.push(`  ${mark(f.status as CheckStatus, st)} ${f.text}`);
  }
  // "How sure" is about a cause: for "everything works" it is said only when every side was seen.
  const sure = report.verdict.id === 'ok' && report.verdict.confidence !== 'high' ? '' : `${t(lang, `ui.confidence.${report.verdict.confidence}` as MsgKey)} `;
  lines.push('', `${sure}${t(lang, 'ui.took', { count: Math.max(1, Math.round(report.duration_ms / 1000)) })}`);
  if (opts.verbose) {
    lines.push('', st.bold(t(lang, 'ui.technician')));
    for (const c of report.checks) {
      const name = t(lang, `check.${c.id}` as MsgKey);
      const detail = c.status === 'skip' ? t(lang, 'ui.notRun', { reason: c.skipped_reason ?? '' }) : compact({ problems: c.problems.length ? c.problems.join(',') : undefined, ...c.values });
      lines.push(`  ${mark(c.status, st)} ${c.id} ${c.key.padEnd(20)} ${name} ${st.dim(`(${c.duration_ms} ms)`)}`);
      if (detail) lines.push(`        ${st.dim(detail)}`);
    }
    lines.push(`  ${t(lang, 'ui.phases', { details: report.phases.map((p) => `${p.phase} ${p.duration_ms} ms${p.timed_out ? ' (bound)' : ''}`).join(', ') })}`);
    const r = report.router;
    if (r.host) lines.push(`  router: ${compact(r as Record<string, unknown>)}`);
    lines.push(`  verdict: ${report.verdict.id} (${report.verdict.severity}, ${report.verdict.confidence}), exit ${report.exit_code}`);
  }
  return `${lines.join('\n')}\n`;
}
