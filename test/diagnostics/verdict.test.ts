// The verdict engine on injected check results: every verdict of the order table, first match wins,
// the ppp_auth_failed split, secondary findings, exit codes.
import { expect } from 'chai';
import type { Facts } from '../../src/diagnostics/context.js';
import { loadIspProfiles, builtinProfileDir } from '../../src/diagnostics/isp-profile.js';
import type { CheckResult, VerdictId } from '../../src/diagnostics/types.js';
import { decide, exitCodeOf, severityOf, VERDICT_IDS, type VerdictInput } from '../../src/diagnostics/verdict.js';
import { healthyResults, patchAll } from './helpers.js';

const profiles = loadIspProfiles([builtinProfileDir()]);
const beeline = profiles.get('beeline')!;
const commands = { syncPassword: 'routerctl wan set-password', restore: 'routerctl restore /b.json' };

function verdictOf(results: CheckResult[], facts: Facts = {}, extra: Partial<VerdictInput> = {}) {
  return decide({ results, facts, profile: beeline, commands, ...extra });
}

const fail = (problems: string[] = [], values: Record<string, unknown> = {}): Partial<CheckResult> => ({ status: 'fail', problems, values: values as CheckResult['values'] });
const warn = (problems: string[] = [], values: Record<string, unknown> = {}): Partial<CheckResult> => ({ status: 'warn', problems, values: values as CheckResult['values'] });
const skip: Partial<CheckResult> = { status: 'skip', skipped_reason: 'x' };
const noInternet = { C16: fail(['no_internet_ip']), C17: fail(['system_resolver_failed']), C18: fail(['no_http']), C19: fail(['https_failed']), C21: fail(['outage']) };

/** One scenario per verdict, as the lab or a real home would show it. */
const CASES: { id: VerdictId; results: CheckResult[]; facts?: Facts }[] = [
  { id: 'host_offline', results: patchAll(healthyResults(), { C01: fail(['no_link']), ...noInternet }) },
  { id: 'host_no_dhcp', results: patchAll(healthyResults(), { C02: fail(['apipa']), ...noInternet }) },
  { id: 'router_unreachable', results: patchAll(healthyResults(), { C04: fail(['no_answer']), C05: skip, ...noInternet }) },
  { id: 'lan_wan_subnet_conflict', results: patchAll(healthyResults(), { C15: fail(['lan_wan_overlap']) }) },
  { id: 'wan_cable', results: patchAll(healthyResults(), { C06: fail(['no_carrier'], { source: 'port' }), C07: skip, C08: skip, C09: skip, ...noInternet }) },
  { id: 'router_not_configured', results: patchAll(healthyResults(), { C07: fail(['factory_defaults']), C09: skip, ...noInternet }) },
  { id: 'wrong_wan_type', results: patchAll(healthyResults(), { C07: fail(['wrong_proto']), ...noInternet }) },
  { id: 'isp_access_down', results: patchAll(healthyResults(), { C08: fail(['vpn_server_unreachable']), C09: skip, ...noInternet }) },
  {
    id: 'ppp_auth_failed.password_changed',
    results: patchAll(healthyResults(), { C09: fail(['auth_failed']), ...noInternet }),
    facts: { passwordChange: 'reported' },
  },
  { id: 'ppp_auth_failed', results: patchAll(healthyResults(), { C09: fail(['auth_failed']), ...noInternet }), facts: { passwordChange: 'none' } },
  { id: 'ppp_down', results: patchAll(healthyResults(), { C09: fail(['ppp_down', 'negotiation_failed']), ...noInternet }) },
  {
    id: 'account_blocked',
    results: patchAll(healthyResults(), { C16: fail(['no_internet_ip']), C18: fail(['portal_billing'], { portal_url: 'http://my.beeline.ru/blocked' }), C19: fail(['https_failed']) }),
  },
  { id: 'ipoe_not_authorized', results: patchAll(healthyResults(), { C18: fail(['portal_login'], { portal_url: 'http://login.beeline.ru/' }) }) },
  { id: 'portal', results: patchAll(healthyResults(), { C18: fail(['portal'], { portal_url: 'http://hotel.example/login' }) }) },
  { id: 'isp_upstream_down', results: patchAll(healthyResults(), noInternet) },
  {
    id: 'dns_failure.router',
    results: patchAll(healthyResults(), { C17: fail(['system_resolver_failed'], { failing_roles: ['router'], answering_roles: ['isp', 'public'] }) }),
  },
  {
    id: 'dns_failure.isp',
    results: patchAll(healthyResults(), { C17: fail(['system_resolver_failed'], { failing_roles: ['router', 'isp'], answering_roles: ['public'] }) }),
  },
  {
    id: 'dns_failure.all',
    results: patchAll(healthyResults(), { C17: fail(['system_resolver_failed'], { failing_roles: ['router', 'isp', 'public'], answering_roles: [] }) }),
  },
  { id: 'partial_connectivity', results: patchAll(healthyResults(), { C19: fail(['https_failed']) }) },
  { id: 'mtu_blackhole', results: patchAll(healthyResults(), { C20: fail(['large_stalls']) }) },
  { id: 'clock_wrong', results: patchAll(healthyResults(), { C13: fail(['clock_wrong'], { clock_skew_s: 200000 }), C19: fail(['https_failed', 'cert_error']) }) },
  { id: 'wan_flapping', results: patchAll(healthyResults(), { C10: fail(['wan_flapping'], { per_hour: 4 }) }) },
  { id: 'degraded.wifi', results: patchAll(healthyResults(), { C03: warn(['weak_signal'], { signal_dbm: -72 }) }) },
  { id: 'degraded.lan', results: patchAll(healthyResults(), { C04: warn(['latency'], { median_ms: 60, method: 'icmp' }) }) },
  {
    id: 'degraded.internet',
    results: patchAll(healthyResults(), { C19: warn(['high_latency'], { median_ms: 640 }), C17: warn(['slow'], { system: { median_ms: 210 }, failing_roles: [], answering_roles: ['router'] }) }),
  },
  { id: 'ok', results: healthyResults() },
];

describe('diagnostics: verdicts', () => {
  for (const c of CASES) {
    it(`${c.id}`, () => {
      const d = verdictOf(c.results, c.facts);
      expect(d.verdict.id).to.equal(c.id);
    });
  }

  it('has a scenario for every verdict but ip_conflict and degraded.isp (no check produces them yet)', () => {
    const covered = new Set(CASES.map((c) => c.id));
    expect(VERDICT_IDS.filter((id) => !covered.has(id))).to.deep.equal(['ip_conflict', 'degraded.isp']);
  });

  it('the lowest broken layer wins: no cable beats the auth failure and the DNS failure', () => {
    const r = patchAll(healthyResults(), { C06: fail(['no_carrier']), C09: fail(['auth_failed']), C17: fail(['system_resolver_failed']) });
    expect(verdictOf(r, { passwordChange: 'reported' }).verdict.id).to.equal('wan_cable');
  });

  it('the auth-failure split: reported or a saved password that differs → 8a with the sync; otherwise 8b with no heal', () => {
    const r = patchAll(healthyResults(), { C09: fail(['auth_failed']), ...noInternet });
    const a = verdictOf(r, { passwordChange: 'saved_differs' }).verdict;
    expect(a.id).to.equal('ppp_auth_failed.password_changed');
    expect(a.heal).to.deep.equal({ action: 'sync_password', command: 'routerctl wan set-password', automatic: false });
    expect(a.supportCode).to.equal('691');
    expect(a.confidence).to.equal('high');
    for (const change of ['none', 'unknown', undefined] as const) {
      const b = verdictOf(r, { passwordChange: change }).verdict;
      expect(b.id).to.equal('ppp_auth_failed');
      expect(b.heal).to.equal(undefined); // never redial or sync on a guess
    }
  });

  it('a black-holed internet (connections open, nothing answers) is the provider upstream, not DNS', () => {
    const r = patchAll(healthyResults(), { C17: fail(['system_resolver_failed'], { failing_roles: ['router', 'isp', 'public'], answering_roles: [] }), C18: fail(['no_http', 'timeout']), C19: fail(['https_failed', 'timeout']) });
    expect(verdictOf(r).verdict.id).to.equal('isp_upstream_down');
  });

  it('without the router (login failed) the confidence drops and the host-only verdict stays', () => {
    const r = patchAll(healthyResults(), { C05: fail(['auth_failed']), C06: skip, C07: skip, C08: skip, C09: skip, C11: skip, C13: skip, C14: skip, C15: skip, ...noInternet });
    const v = verdictOf(r).verdict;
    expect(v.id).to.equal('isp_upstream_down');
    expect(v.confidence).to.equal('low');
    expect(verdictOf(patchAll(healthyResults(), { C05: fail(['auth_failed']) })).verdict).to.include({ id: 'ok', confidence: 'medium' });
  });

  it('consequences of a critical verdict are not secondary findings; unrelated warnings are', () => {
    const r = patchAll(healthyResults(), { C09: fail(['auth_failed']), C13: warn(['high_load'], { load1: 5 }), C03: warn(['weak_signal'], { signal_dbm: -70 }), ...noInternet });
    const d = verdictOf(r, { passwordChange: 'reported' });
    expect(d.secondary.map((f) => f.check)).to.deep.equal(['C03', 'C13']);
    const ok = verdictOf(patchAll(healthyResults(), { C11: warn(['cgnat']) }));
    expect(ok.verdict.id).to.equal('ok');
    expect(ok.secondary.map((f) => f.message)).to.deep.equal(['finding.cgnat']);
  });

  it('severity and exit codes follow the Nagios convention', () => {
    expect(exitCodeOf(severityOf('ok'))).to.equal(0);
    expect(exitCodeOf(severityOf('degraded.internet'))).to.equal(1);
    expect(exitCodeOf(severityOf('wan_flapping'))).to.equal(1);
    for (const id of VERDICT_IDS.filter((v) => v !== 'ok' && !v.startsWith('degraded') && v !== 'wan_flapping')) expect(exitCodeOf(severityOf(id)), id).to.equal(2);
  });

  it('router_not_configured offers the restore only when there is a backup', () => {
    const r = patchAll(healthyResults(), { C07: fail(['factory_defaults']) });
    expect(verdictOf(r).verdict.heal).to.deep.equal({ action: 'restore_profile', command: 'routerctl restore /b.json', automatic: false });
    expect(verdictOf(r, {}, { commands: { syncPassword: 'x' } }).verdict.params['command']).to.equal(undefined);
  });
});
