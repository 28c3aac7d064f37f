// `routerctl diagnose` end to end: the BUILT CLI (run `npm run build` first) against `routerctl lab`,
// every verdict the lab can produce, switched at run time through the lab's control API (one lab),
// plus one lab started with `--fault`. Checks the verdict id, the exit code (Nagios: 0/1/2), the
// advice in en/ru/uk, the JSON shape, the human view, and that no password is ever printed.
import { expect } from 'chai';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SecretStore } from '../../src/core/secrets.js';
import { changeIspPassword, eventually, makeSandbox, startLabProcess, type CliRun, type LabProcess, type Sandbox } from '../e2e/cli-helpers.js';

const ADMIN_PASSWORD = 'Diag "adm1n" $x;';
const LAB_WAN_PASSWORD = 'Spring-2026'; // the lab's default for the OpenWrt router
const NEW_WAN_PASSWORD = 'Cabinet-Nov-26';

interface Report {
  schema: string;
  started_at: string;
  duration_ms: number;
  verdict: { id: string; severity: string; confidence: string; layer: string; advice: Record<string, { title: string; steps: string[] }>; heal?: { action: string; command?: string } };
  checks: { id: string; key: string; layer: string; status: string; problems: string[]; values: Record<string, unknown>; thresholds: Record<string, unknown>; duration_ms: number; skipped_reason?: string }[];
  phases: { phase: string; duration_ms: number }[];
  router: Record<string, unknown>;
  exit_code: number;
}

function expectAdvice(r: Report): void {
  for (const lang of ['en', 'ru', 'uk']) {
    const a = r.verdict.advice[lang]!;
    expect(a.title, lang).to.be.a('string').with.length.greaterThan(5);
    expect(a.steps, lang).to.be.an('array');
    if (r.verdict.id !== 'ok') expect(a.steps.length, `${lang} steps`).to.be.greaterThan(0);
  }
  expect(r.verdict.advice['ru']!.title).to.match(/[а-я]/i);
  expect(r.verdict.advice['uk']!.title).to.match(/[а-яії]/i);
}

describe('e2e: diagnose on the lab, through the built CLI', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let config: string[];
  let first: { run: CliRun; report: Report };
  const env = { ROUTERCTL_PASSWORD: ADMIN_PASSWORD };

  const diagnoseJson = async (extra: string[] = []): Promise<{ run: CliRun; report: Report }> => {
    const run = await sandbox.run([...config, 'diagnose', '--json', ...extra], { env });
    expect(run.json, `stdout: ${run.stdout.slice(0, 300)} stderr: ${run.stderr.slice(-500)}`).to.be.an('object');
    return { run, report: run.json as unknown as Report };
  };
  const expectVerdict = async (id: string, exit: number, extra: string[] = []): Promise<Report> => {
    const { run, report } = await diagnoseJson(extra);
    expect(report.verdict.id, JSON.stringify(report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip').map((c) => [c.id, c.status, c.problems]))).to.equal(id);
    expect(run.code).to.equal(exit);
    expect(report.exit_code).to.equal(exit);
    expectAdvice(report);
    return report;
  };
  const fault = async (name: string, on: boolean): Promise<void> => {
    const res = await fetch(`${lab.info.ispControlUrl}/faults/${name}`, { method: on ? 'POST' : 'DELETE' });
    expect(res.status, await res.text()).to.equal(200);
  };

  before(async () => {
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
    config = ['--config', lab.info.configPath];
    // The lab's routers dial at start: wait for the line.
    first = await eventually('a healthy lab', async () => {
      const d = await diagnoseJson();
      return d.report.verdict.id === 'ok' ? d : undefined;
    }, 15_000);
  });

  after(async () => {
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('healthy: ok, exit 0, the versioned JSON shape with every check', () => {
    const r = first.report;
    expect(first.run.code).to.equal(0);
    expect(r.exit_code).to.equal(0);
    expectAdvice(r);
    expect(r.schema).to.equal('routerctl.diagnose/1');
    expect(Number.isNaN(Date.parse(r.started_at))).to.equal(false);
    expect(r.duration_ms).to.be.a('number').and.below(8000);
    expect(r.verdict).to.include.keys('id', 'severity', 'confidence', 'layer', 'advice');
    expect(r.checks.map((c) => c.id)).to.deep.equal(Array.from({ length: 22 }, (_, i) => `C${String(i + 1).padStart(2, '0')}`));
    for (const c of r.checks) {
      expect(c).to.include.keys('id', 'key', 'layer', 'status', 'problems', 'values', 'thresholds', 'duration_ms');
      if (c.status === 'skip') expect(c.skipped_reason, c.id).to.be.a('string');
    }
    const byId = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(byId['C04']!.values['method']).to.equal('tcp'); // the method is named on every latency
    expect(byId['C05']!.values).to.include({ family: 'openwrt', host: '127.0.1.1' });
    expect(byId['C07']!.values).to.include({ profile: 'beeline', profile_source: 'server' });
    expect(byId['C19']!.status).to.equal('pass'); // HTTPS with the lab's CA, timed per phase
    // Pings from the router itself (the lab router has LuCI's diagnostics ACL): ISP gateway, ISP DNS, 2 anchors.
    expect(byId['C12']!.status, JSON.stringify(byId['C12'])).to.equal('pass');
    expect(byId['C12']!.values).to.include({ anchors_answered: 2, anchors_total: 2, isp_answered: true });
    expect(r.phases.map((p) => p.phase)).to.deep.equal(['host', 'lan', 'router', 'internet']);
    expect(r.router).to.include({ family: 'openwrt', wan_proto: 'l2tp', wan_server: 'tp.internet.beeline.ru', wan_state: 'up' });
  });

  it('healthy, for people: the language comes from LANG, no colour into a pipe', async () => {
    const run = await sandbox.run([...config, 'diagnose'], { env: { ...env, LANG: 'ru_RU.UTF-8' } });
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('✓ Всё работает.');
    expect(run.stdout).to.match(/✓ Ваше устройство → ✓ Роутер → ✓ Линия провайдера → . Провайдер → ✓ Интернет/);
    expect(run.stdout).to.not.include('\u001b[');
  });

  it("the line dropped 3 times in the last hour, as the watch's history shows: wan_flapping, exit 1", async () => {
    // Records as `routerctl watch` writes them: each one's PPP uptime names when its session started.
    const dir = path.join(sandbox.dir, 'state', 'routerctl', 'history');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const at = (minutesAgo: number, uptimeS: number): string => JSON.stringify({ v: 1, ts: new Date(Date.now() - minutesAgo * 60_000).toISOString(), router: { wan_state: 'up', ppp_uptime_s: uptimeS } });
    const file = path.join(dir, 'history.jsonl');
    try {
      await writeFile(file, `${[at(300, 7200), at(55, 120), at(50, 420), at(35, 60), at(20, 30)].join('\n')}\n`, { mode: 0o600 });
      const r = await expectVerdict('wan_flapping', 1);
      const c10 = r.checks.find((c) => c.id === 'C10')!;
      expect(c10.status).to.equal('fail');
      expect(c10.values['per_hour']).to.be.at.least(3);
      expect(r.verdict.advice['ru']!.title).to.match(/\d/);
      // Two sessions in a day, the last one the lab's own: a steady line passes.
      await writeFile(file, `${[at(600, 100), at(300, 18_100)].join('\n')}\n`, { mode: 0o600 });
      const steady = await diagnoseJson();
      expect(steady.report.checks.find((c) => c.id === 'C10')!.status).to.equal('pass');
    } finally {
      await rm(file, { force: true });
    }
  });

  it('dns_down: dns_failure.isp, exit 2', async () => {
    await fault('dns_down', true);
    try {
      const r = await expectVerdict('dns_failure.isp', 2);
      expect(r.checks.find((c) => c.id === 'C17')!.values['failing_roles']).to.have.members(['router', 'isp']);
    } finally {
      await fault('dns_down', false);
    }
  });

  it('account_blocked: the payment page is recognised by the Beeline profile, exit 2', async () => {
    await fault('account_blocked', true);
    try {
      const r = await expectVerdict('account_blocked', 2);
      expect(r.checks.find((c) => c.id === 'C18')!.values['portal_host']).to.equal('my.beeline.ru');
      expect(r.checks.find((c) => c.id === 'C09')!.status).to.not.equal('fail'); // the line itself is up
    } finally {
      await fault('account_blocked', false);
    }
  });

  it('upstream_down: isp_upstream_down, exit 2', async () => {
    await fault('upstream_down', true);
    try {
      const r = await expectVerdict('isp_upstream_down', 2);
      const c12 = r.checks.find((c) => c.id === 'C12')!;
      expect(c12.status).to.equal('fail');
      expect(c12.problems).to.deep.equal(['upstream_down']); // the provider's gateway and DNS still answer
    } finally {
      await fault('upstream_down', false);
    }
  });

  it('slow: degraded, exit 1', async () => {
    await fault('slow', true);
    try {
      const r = await expectVerdict('degraded.internet', 1);
      expect(r.verdict.advice['en']!.title).to.match(/HTTPS \d+ ms/);
    } finally {
      await fault('slow', false);
    }
  });

  it('mtu_blackhole: large transfers stall, small ones pass', async () => {
    await fault('mtu_blackhole', true);
    try {
      const r = await expectVerdict('mtu_blackhole', 2);
      expect(r.verdict.advice['en']!.steps[0]).to.include('MTU to 1460');
    } finally {
      await fault('mtu_blackhole', false);
    }
  });

  it('blackhole: every probe target accepts and never answers; it ends within the bound and says why', async () => {
    await fault('blackhole', true);
    try {
      const started = Date.now();
      const r = await expectVerdict('isp_upstream_down', 2);
      expect(Date.now() - started).to.be.below(30_000);
      expect(r.duration_ms).to.be.below(30_000);
      const timedOut = r.checks.filter((c) => c.problems.includes('timeout')).map((c) => c.id);
      expect(timedOut).to.include.members(['C18', 'C19']);
    } finally {
      await fault('blackhole', false);
    }
  });

  it('cabinet password change: ppp_auth_failed (8b); with --password-changed or a saved password that differs: 8a with the sync', async () => {
    await changeIspPassword(lab.info.ispControlUrl, lab.info.routers[0]!.wanAccount.username, NEW_WAN_PASSWORD);
    const b = await eventually('the auth failure', async () => {
      const { report } = await diagnoseJson();
      return report.verdict.id.startsWith('ppp_auth_failed') ? report : undefined;
    });
    expect(b.verdict.id).to.equal('ppp_auth_failed');
    expect(b.verdict.heal).to.equal(undefined);
    expect(b.exit_code).to.equal(2);
    expectAdvice(b);

    const a = await expectVerdict('ppp_auth_failed.password_changed', 2, ['--password-changed']);
    expect(a.verdict.heal).to.include({ action: 'sync_password' });
    expect(a.verdict.heal!.command).to.equal(`routerctl --config ${lab.info.configPath} wan set-password`);
    expect(a.verdict.advice['ru']!.steps[0]).to.include('wan set-password');

    // routerctl remembers a WAN password (sync --save) that is not the one in the router: 8a without the flag.
    await SecretStore.inConfigDir(path.join(sandbox.env['XDG_CONFIG_HOME']!, 'routerctl')).setWanPassword('127.0.1.1', NEW_WAN_PASSWORD);
    const saved = await expectVerdict('ppp_auth_failed.password_changed', 2);
    expect(saved.checks.find((c) => c.id === 'C09')!.values['password_change']).to.equal('saved_differs');
  });

  it('router_reset: router_not_configured, exit 2', async () => {
    await fault('router_reset', true);
    const r = await eventually('the reset router', async () => {
      const { report } = await diagnoseJson();
      return report.verdict.id === 'router_not_configured' ? report : undefined;
    });
    expect(r.exit_code).to.equal(2);
    expectAdvice(r);
    expect(r.verdict.advice['en']!.steps.join(' ')).to.include('L2TP to tp.internet.beeline.ru, MTU 1460');
  });

  it('router_down: router_unreachable, exit 2, router checks skipped with the reason', async () => {
    await fault('router_down', true);
    const r = await expectVerdict('router_unreachable', 2);
    expect(r.checks.find((c) => c.id === 'C05')!.skipped_reason).to.equal('lan.gateway failed');
  });

  it('never prints a password (admin or WAN) in anything it wrote', () => {
    const all = sandbox.transcript.join('\n');
    for (const secret of [ADMIN_PASSWORD, LAB_WAN_PASSWORD, NEW_WAN_PASSWORD]) expect(all).to.not.include(secret);
  });
});

describe('e2e: a lab started with --fault wan_cable', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let lab: LabProcess;

  before(async () => {
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile, '--fault', 'wan_cable']);
  });
  after(async () => {
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('wan_cable: no carrier on the Internet port, exit 2, advice in three languages', async () => {
    const run = await eventually('no carrier', async () => {
      const r = await sandbox.run(['--config', lab.info.configPath, 'diagnose', '--json'], { env: { ROUTERCTL_PASSWORD: ADMIN_PASSWORD } });
      return (r.json as unknown as Report | undefined)?.verdict.id === 'wan_cable' ? r : undefined;
    });
    const r = run.json as unknown as Report;
    expect(run.code).to.equal(2);
    expectAdvice(r);
    expect(r.checks.find((c) => c.id === 'C06')).to.deep.include({ status: 'fail', problems: ['no_carrier'] });
    expect(r.checks.find((c) => c.id === 'C07')!.skipped_reason).to.equal('wan.link failed');
  });
});
