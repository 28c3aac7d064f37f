// The login policy, in one place for every family: a wrong admin password is tried once and never
// retried; factory logins only when nothing was given, inside the same budget; what the router says
// about its own lock (time left, attempts left) is reported and respected by the next run; a person
// logged in to the router is waited for, not kicked out.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { families } from '../../drivers/index.js';
import { keeneticDriver } from '../../drivers/keenetic/index.js';
import { startKeeneticEmulator } from '../../drivers/keenetic/emulator/index.js';
import type { Driver, DriverContext, DriverSession } from '../../drivers/types.js';
import { AuthError, LockedOutError, RouterctlError } from '../../src/core/errors.js';
import { login } from '../../src/core/login.js';
import { LoginBudget } from '../../src/core/login-budget.js';
import { nullLogger } from '../../src/log/logger.js';
import { FaultProxy } from './support/fault-proxy.js';
import { TestIsp } from './support/cli.js';

const ADMIN = 'Login-policy admin 1';
const ctx: DriverContext = { logger: nullLogger, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 };

describe('safety: lockout-safe logins', function () {
  this.timeout(20_000);
  let dir: string;
  let budget: LoginBudget;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-login-'));
    budget = new LoginBudget({ file: path.join(dir, 'login-attempts.json'), attempts: 3, windowMinutes: 15 });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  families.forEach((entry, i) => {
    it(`${entry.driver.family}: a wrong admin password is tried once — no retry, no fallback to factory logins`, async () => {
      const host = `127.0.86.${i + 1}`;
      const router = await entry.startLabRouter({
        host,
        adminPassword: ADMIN,
        wan: { proto: 'pppoe', username: 'u', password: 'p' },
        upstream: new TestIsp('u', 'p'),
        timings: { dialMs: 30, redialMs: 60 },
        withSsh: false,
      });
      try {
        const target = { host, httpPort: router.httpPort };
        const err = await login(
          entry.driver,
          target,
          // The factory list even holds the right password: it must not be tried after a given one failed.
          { given: { username: router.adminUser, password: 'wrong-admin' }, defaults: [{ username: router.adminUser, password: ADMIN }], onSecret: () => undefined },
          budget,
          ctx,
        ).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(AuthError);
        expect(router.failedLogins).to.equal(1);
        expect(await budget.remaining(host)).to.equal(2);
        expect((err as AuthError).message).to.not.include('wrong-admin');
      } finally {
        await router.close();
      }
    });
  });

  it('factory logins are tried only when none were given, and stop when the budget is spent', async () => {
    const host = '127.0.86.10';
    const entry = families[0]!;
    const router = await entry.startLabRouter({ host, adminPassword: ADMIN, wan: { proto: 'pppoe', username: 'u', password: 'p' }, upstream: new TestIsp('u', 'p'), timings: { dialMs: 30, redialMs: 60 }, withSsh: false });
    try {
      const user = router.adminUser;
      const defaults = ['admin', '1234', 'password', ADMIN].map((password) => ({ username: user, password }));
      const err = await login(entry.driver, { host, httpPort: router.httpPort }, { defaults, onSecret: () => undefined }, budget, ctx).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockedOutError);
      expect(router.failedLogins).to.equal(3); // the fourth (right) one was never sent
    } finally {
      await router.close();
    }
  });

  it("reads the router's own lock time, reports it, and the next run does not knock while it lasts", async () => {
    const host = '127.0.86.20';
    const emu = await startKeeneticEmulator({
      host,
      adminPassword: ADMIN,
      wan: { proto: 'pppoe', username: 'u', password: 'p' },
      lockout: { threshold: 2, durationMs: 240_000, windowMs: 60_000 },
      announceLockout: true,
    });
    const proxy = await FaultProxy.start({ host: '127.0.86.21', upstream: { host, port: emu.httpPort }, hooks: { expireSessions: () => undefined, reboot: () => undefined }, hugeBytes: 1, dripMs: 1, rebootDownMs: 1 });
    try {
      const generous = new LoginBudget({ file: path.join(dir, 'login-attempts.json'), attempts: 10, windowMinutes: 15 });
      const target = { host: '127.0.86.21', httpPort: proxy.port };
      const attempt = (password: string): Promise<unknown> =>
        login(keeneticDriver, target, { given: { username: 'admin', password }, defaults: [], onSecret: () => undefined }, generous, ctx).catch((e: unknown) => e);
      expect(await attempt('wrong-1')).to.be.instanceOf(AuthError);
      expect(await attempt('wrong-2')).to.be.instanceOf(AuthError); // the router locks now
      const locked = (await attempt(ADMIN)) as LockedOutError;
      expect(locked).to.be.instanceOf(LockedOutError);
      expect(locked.message).to.match(/stays locked for 4 more minutes/);
      const knocks = proxy.log.length;
      const next = (await attempt(ADMIN)) as LockedOutError;
      expect(next).to.be.instanceOf(LockedOutError);
      expect(next.message).to.match(/the router said it refuses logins from this computer for 4 more minutes/);
      expect(next.details['source']).to.equal('router');
      expect(proxy.log.length).to.equal(knocks); // not one request to a locked router
    } finally {
      await proxy.close();
      await emu.close();
    }
  });

  it('stops when the router says only one attempt is left', async () => {
    let calls = 0;
    const driver: Driver = {
      ...families[0]!.driver,
      connect: async () => {
        calls++;
        throw new AuthError('refused', { attemptsLeft: 1 });
      },
    };
    const first = (await login(driver, { host: 'h1', httpPort: 1 }, { given: { username: 'a', password: 'b' }, defaults: [], onSecret: () => undefined }, budget, ctx).catch((e: unknown) => e)) as AuthError;
    expect(first.message).to.match(/1 attempt is left/);
    const second = await login(driver, { host: 'h1', httpPort: 1 }, { given: { username: 'a', password: 'c' }, defaults: [], onSecret: () => undefined }, budget, ctx).catch((e: unknown) => e);
    expect(second).to.be.instanceOf(LockedOutError);
    expect((second as LockedOutError).message).to.match(/only 1 login attempt is left/);
    expect(calls).to.equal(1);
  });

  it('a person logged in to the router is waited for (and told), never logged out; no budget is spent', async () => {
    let calls = 0;
    const session = { close: async () => undefined } as unknown as DriverSession;
    const driver: Driver = {
      ...families[0]!.driver,
      connect: async () => {
        calls++;
        if (calls < 3) throw new RouterctlError('busy', 'another administrator is logged in to the web interface', { reason: 'admin_logged_in' });
        return session;
      },
    };
    const told: string[] = [];
    const r = await login(driver, { host: 'h2', httpPort: 1 }, { given: { username: 'a', password: 'b' }, defaults: [], onSecret: () => undefined }, budget, ctx, {
      waitForOtherAdminMs: 5000,
      otherAdminPollMs: 20,
      onWait: (m) => told.push(m),
    });
    expect(r.session).to.equal(session);
    expect(calls).to.equal(3);
    expect(told).to.have.length(1);
    expect(told[0]).to.match(/someone is logged in .* does not log them out and waits/);
    expect(await budget.remaining('h2')).to.equal(3);

    calls = 0;
    const impatient = await login(driver, { host: 'h2', httpPort: 1 }, { given: { username: 'a', password: 'b' }, defaults: [], onSecret: () => undefined }, budget, ctx).catch((e: unknown) => e);
    expect(impatient).to.be.instanceOf(RouterctlError);
    expect((impatient as RouterctlError).code).to.equal('busy');
    expect(calls).to.equal(1);
  });

  it('failures recorded by parallel processes all count (the ledger is locked)', async () => {
    const file = path.join(dir, 'shared.json');
    const many = Array.from({ length: 12 }, () => new LoginBudget({ file, attempts: 100, windowMinutes: 15 }).recordFailure('h3'));
    await Promise.all(many);
    expect(await new LoginBudget({ file, attempts: 100, windowMinutes: 15 }).remaining('h3')).to.equal(88);
  });
});
