// A running watch does each cycle's router work in a child process (src/watch/cycle-process.ts).
// Against `routerctl lab` (loopback only): the child returns the real diagnosis and is gone after;
// a child past its bound is killed; a refused admin login is not retried by later children; a heal's
// new password reaches the child on stdin, never in its arguments.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RouterctlError } from '../../src/core/errors.js';
import { childCycle, childHealActions, runInWorker } from '../../src/watch/cycle-process.js';
import { changeIspPassword, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from '../e2e/cli-helpers.js';

const ADMIN_PASSWORD = 'cycle-child "adm" $1';

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('watch: cycles in a child process', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let env: NodeJS.ProcessEnv;
  let global: { config: string };
  let router: { host: string; driver: string };

  before(async () => {
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
    env = { ...sandbox.env, ROUTERCTL_PASSWORD: ADMIN_PASSWORD };
    global = { config: lab.info.configPath };
    const r = lab.info.routers.find((x) => x.family === 'openwrt')!;
    router = { host: `${r.address}:${r.httpPort}`, driver: 'openwrt' };
  });

  after(async () => {
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('returns the real light diagnosis of the lab, and the child is gone afterwards', async () => {
    let pid = 0;
    const rss: number[] = [];
    const report = await childCycle({ global, router, env, lang: 'ru', boundMs: 20_000, onSpawn: (p) => (pid = p), onChildRss: (kb) => rss.push(kb) })({
      light: true,
      signal: new AbortController().signal,
    });
    expect(report.verdict.id).to.equal('ok');
    expect(report.router?.family).to.equal('openwrt');
    expect(report.checks.find((c) => c.id === 'C05')?.status).to.equal('pass');
    expect(report.verdict.advice?.ru?.title).to.be.a('string');
    expect(pid).to.be.greaterThan(0);
    expect(gone(pid)).to.equal(true);
    expect(rss).to.have.length(1);
    expect(rss[0]).to.be.greaterThan(10_000); // KiB: a node process's peak, reported by the child
  });

  it('a child past its bound is killed and the cycle fails with a timeout', async () => {
    let pid = 0;
    const t0 = Date.now();
    const err = await runInWorker(
      { args: { ...global, ...router }, task: { kind: 'diagnose', light: false, lang: 'en', boundMs: 20_000 } },
      { env, timeoutMs: 300, onSpawn: (p) => (pid = p) },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RouterctlError);
    expect((err as RouterctlError).code).to.equal('timeout');
    expect(Date.now() - t0).to.be.lessThan(2500);
    expect(gone(pid)).to.equal(true);
  });

  it('the watch stopping (abort) ends the child at once', async () => {
    let pid = 0;
    const ac = new AbortController();
    const running = childCycle({ global, router, env, lang: 'en', boundMs: 20_000, onSpawn: (p) => (pid = p) })({ light: false, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as RouterctlError).code).to.equal('timeout');
    expect(gone(pid)).to.equal(true);
  });

  it('a refused admin login is told once, and later cycles do not log in again', async () => {
    const refusals: string[] = [];
    const cycle = childCycle({ global, router, env: { ...env, ROUTERCTL_PASSWORD: 'not the admin password' }, lang: 'en', boundMs: 20_000, onRefused: (why) => refusals.push(why) });
    const first = await cycle({ light: true, signal: new AbortController().signal });
    const second = await cycle({ light: true, signal: new AbortController().signal });
    expect(refusals).to.have.length(1);
    expect(first.checks.find((c) => c.id === 'C05')?.status).to.equal('fail');
    // The second child was told: it did not try the password again (the message says why).
    expect(JSON.stringify(second.checks.find((c) => c.id === 'C05'))).to.contain('stops logging in');
    expect(JSON.stringify(first)).not.to.contain('not the admin password');
  });

  it("a heal's new password goes to the child on stdin, never in its arguments, and the sync applies it", async () => {
    const wanUser = lab.info.routers.find((x) => x.family === 'openwrt')!.wanAccount.username;
    const newPassword = `heal-"${Date.now()}"-пароль`;
    await changeIspPassword(lab.info.ispControlUrl, wanUser, newPassword);
    const cmdlines: string[] = [];
    const heal = childHealActions({
      global,
      router,
      env,
      timeoutMs: 30_000,
      storedWanPassword: async () => newPassword,
      onSpawn: (pid) => cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
    });
    const r = await heal.syncPassword(newPassword, new AbortController().signal);
    expect(r.outcome).to.equal('applied');
    expect(cmdlines).to.have.length(1);
    expect(cmdlines[0]).to.contain('cycle-worker');
    expect(cmdlines[0]).not.to.contain(newPassword);
    expect(cmdlines[0]).not.to.contain(ADMIN_PASSWORD);
    const after = await childCycle({ global, router, env, lang: 'en', boundMs: 20_000 })({ light: true, signal: new AbortController().signal });
    expect(after.verdict.id).to.equal('ok');
  });
});
