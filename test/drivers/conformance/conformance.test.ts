// One suite that every registered router family must pass against its own emulator (NAPALM's habit:
// one contract, one shared test suite). A family joins by its one line in drivers/index.ts: the suite
// reads the registry, starts the family's lab router through `startLabRouter`, and talks to it only
// through the driver contract.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { families, drivers, type FamilyEntry } from '../../../drivers/index.js';
import type { DialRequest, DialResult, IspUpstream, RunningEmulator } from '../../../drivers/emulator-types.js';
import type { Capability, DriverSession, Target } from '../../../drivers/types.js';
import { AuthError, LockedOutError, RouterctlError, UnsupportedError } from '../../../src/core/errors.js';
import { login } from '../../../src/core/login.js';
import { LoginBudget } from '../../../src/core/login-budget.js';
import { sameSettings } from '../../../src/core/backup-file.js';
import { fingerprintProbe } from '../../../src/discovery/discover.js';
import { planExtraRequests, probeTarget } from '../../../src/discovery/probe.js';
import { nullLogger } from '../../../src/log/logger.js';

const ADMIN = 'Conformance-Admin-1';
const SERVER = 'tp.internet.beeline.ru';
const PROTOS = ['pppoe', 'l2tp', 'pptp'] as const;
type Proto = (typeof PROTOS)[number];

export const HOSTILE_PASSWORDS = [
  `it's "q" a b$HOME;echo pwned\\x`,
  'пароль Ёё с пробелом',
  'back\\slash\\\\double',
  '`cmd` $(id) ${X} | & > <',
  'a'.repeat(40) + 'Ж'.repeat(30),
];

/** A scriptable ISP: accepts one account, or answers with the mode under test. */
class ScriptedIsp implements IspUpstream {
  mode: 'normal' | 'no_carrier' | 'silent' = 'normal';
  accountPassword = 'isp-secret-1';
  private readonly drops = new Map<string, Set<() => void>>();
  dial(req: DialRequest): DialResult {
    if (this.mode === 'no_carrier') return { ok: false, reason: 'no_carrier', message: 'no PADO' };
    if (this.mode === 'silent') return { ok: false, reason: 'server_unreachable', message: 'timeout' };
    if (req.username !== 'conf-user' || req.password !== this.accountPassword) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.7.2', gateway: '100.64.7.1', dns: ['127.0.100.1'] };
  }
  hangup(): void {}
  onDrop(routerId: string, listener: () => void): () => void {
    const set = this.drops.get(routerId) ?? new Set();
    this.drops.set(routerId, set.add(listener));
    return () => set.delete(listener);
  }
}

const ctx = { logger: nullLogger, requestTimeoutMs: 3000, maxResponseBytes: 1 << 20 };
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await pause(40);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

function conformance(entry: FamilyEntry, index: number): void {
  const { driver } = entry;
  describe(`driver conformance: ${driver.family}`, function () {
    this.timeout(20_000);
    const host = `127.0.${70 + index}.1`;
    let isp: ScriptedIsp;
    let router: RunningEmulator;
    let target: Target;
    const open: DriverSession[] = [];

    async function startRouter(proto: Proto, password = 'isp-secret-1'): Promise<void> {
      isp = new ScriptedIsp();
      router = await entry.startLabRouter({
        host,
        adminPassword: ADMIN,
        wan: { proto, username: 'conf-user', password, ...(proto === 'pppoe' ? {} : { server: SERVER }) },
        upstream: isp,
        timings: { dialMs: 30, redialMs: 60 },
        withSsh: false,
      });
      target = { host, httpPort: router.httpPort };
    }

    async function connect(): Promise<DriverSession> {
      const s = await driver.connect(target, { username: router.adminUser, password: ADMIN }, ctx);
      open.push(s);
      return s;
    }

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close().catch(() => undefined);
      await router?.close();
    });

    it('is recognised from an unauthenticated probe, ahead of every other family', async () => {
      await startRouter('pppoe');
      const probe = await probeTarget(target, { timeoutMs: 1500, maxBodyBytes: 65536, extra: planExtraRequests(drivers) });
      const { matches } = fingerprintProbe(probe, drivers);
      expect(matches[0]?.family).to.equal(driver.family);
      expect(matches[0]!.confidence).to.be.at.least(0.8);
      expect(router.failedLogins).to.equal(0);
    });

    it('logs in with the right password and refuses a wrong one with AuthError, once', async () => {
      await startRouter('pppoe');
      await connect();
      const err = await driver.connect(target, { username: router.adminUser, password: 'wrong-admin' }, ctx).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect(router.failedLogins).to.equal(1);
    });

    it('respects the attempt budget: no request once it is spent', async () => {
      await startRouter('pppoe');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-conf-'));
      try {
        const budget = new LoginBudget({ file: path.join(dir, 'ledger.json'), attempts: 2, windowMinutes: 15 });
        const wrong = { given: { username: router.adminUser, password: 'wrong-admin' }, defaults: [], onSecret: () => undefined };
        for (let i = 0; i < 2; i++) expect(await login(driver, target, wrong, budget, ctx).catch((e: unknown) => e)).to.be.instanceOf(AuthError);
        expect(await login(driver, target, wrong, budget, ctx).catch((e: unknown) => e)).to.be.instanceOf(LockedOutError);
        expect(router.failedLogins).to.equal(2);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    for (const proto of PROTOS) {
      it(`reads a ${proto.toUpperCase()} WAN without exposing the password unless asked`, async () => {
        await startRouter(proto);
        const s = await connect();
        const wan = await s.readWan();
        expect(wan).to.include({ proto, username: 'conf-user', hasPassword: true });
        expect(wan.password).to.equal(undefined);
        if (proto !== 'pppoe') expect(wan.server).to.equal(SERVER);
        expect((await s.readWan({ withPassword: true })).password).to.equal('isp-secret-1');
      });
    }

    it('reports the WAN up, connecting, auth_failed and no carrier', async () => {
      await startRouter('pppoe');
      const s = await connect();
      const up = await until('up', async () => ((await s.wanStatus()).state === 'up' ? s.wanStatus() : undefined));
      expect(up.ipv4).to.equal('100.64.7.2');

      isp.accountPassword = 'changed-in-cabinet';
      await s.reconnectWan();
      const failed = await until('auth_failed', async () => {
        const st = await s.wanStatus();
        return st.reason === 'auth_failed' ? st : undefined;
      });
      expect(failed.state).to.equal('down');

      isp.mode = 'no_carrier';
      await s.reconnectWan();
      await until('no_carrier', async () => ((await s.wanStatus()).reason === 'no_carrier' ? true : undefined));

      // Connecting: a slow dial is seen as such, not as up or down.
      await router.close();
      router = await entry.startLabRouter({ host, adminPassword: ADMIN, wan: { proto: 'pppoe', username: 'conf-user', password: 'isp-secret-1' }, upstream: isp, timings: { dialMs: 3000, redialMs: 3000 }, withSsh: false });
      target = { host, httpPort: router.httpPort };
      const slow = await connect();
      expect((await slow.wanStatus()).state).to.equal('connecting');
    });

    it('backup -> change -> restore gives identical settings', async () => {
      await startRouter('l2tp');
      const s = await connect();
      const before = await s.backup();
      expect(JSON.stringify(before)).to.equal(JSON.stringify(await s.backup()), 'two backups of the same settings are identical');
      const change = await s.setWanCredentials({ password: 'something-else', username: 'other-user' }, { confirmWindowSeconds: 30 });
      await change.confirm();
      expect(sameSettings(await s.backup(), before)).to.equal(false);
      await s.restore(before);
      expect(sameSettings(await s.backup(), before)).to.equal(true);
    });

    it('a rolled-back change leaves the settings as they were', async () => {
      await startRouter('pppoe');
      const s = await connect();
      const before = await s.backup();
      const change = await s.setWanCredentials({ password: 'rejected-one' }, { confirmWindowSeconds: 30 });
      await change.rollback();
      expect(sameSettings(await s.backup(), before)).to.equal(true);
    });

    it('hostile passwords reach the router exactly and read back byte for byte', async () => {
      await startRouter('pppoe');
      const s = await connect();
      let last = 'isp-secret-1';
      for (const password of HOSTILE_PASSWORDS) {
        // A family that declares a storage limit refuses longer values up front, and nothing changes.
        if (driver.maxCredentialBytes !== undefined && Buffer.byteLength(password, 'utf8') > driver.maxCredentialBytes) {
          const err = await s.setWanCredentials({ password }, { confirmWindowSeconds: 30 }).catch((e: unknown) => e);
          expect(err).to.be.instanceOf(RouterctlError).with.property('code', 'usage');
          expect((err as Error).message).to.not.include(password);
          expect((await s.readWan({ withPassword: true })).password).to.equal(last);
          continue;
        }
        const change = await s.setWanCredentials({ password }, { confirmWindowSeconds: 30 });
        await change.confirm();
        expect((await s.readWan({ withPassword: true })).password).to.equal(password);
        last = password;
      }
      isp.accountPassword = last;
      await s.reconnectWan();
      await until('up with the last hostile password', async () => ((await s.wanStatus()).state === 'up' ? true : undefined));
    });

    it('close() logs out, also after an error, and may be called twice', async () => {
      await startRouter('pppoe');
      const s = await connect();
      const err = await s.setWanCredentials({ password: 'x\u0000y' }, { confirmWindowSeconds: 30 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RouterctlError);
      expect(router.activeSessions()).to.equal(1);
      await s.close();
      await s.close();
      expect(router.activeSessions()).to.equal(0);
    });

    it('a capability it does not list raises UnsupportedError', async () => {
      await startRouter('pppoe');
      const s = await connect();
      const calls: Record<Exclude<Capability, 'reboot'>, () => Promise<unknown>> = {
        readWan: () => s.readWan(),
        wanStatus: () => s.wanStatus(),
        backup: () => s.backup(),
        setWanCredentials: () => s.setWanCredentials({ password: 'p' }),
        reconnectWan: () => s.reconnectWan(),
      };
      for (const [capability, call] of Object.entries(calls)) {
        if (s.capabilities.has(capability as Capability)) continue;
        expect(await call().catch((e: unknown) => e), capability).to.be.instanceOf(UnsupportedError);
      }
      // Every family so far supports the whole password-sync path; a new one must say what it lacks.
      expect([...s.capabilities]).to.include.members(['readWan', 'wanStatus', 'backup', 'setWanCredentials']);
    });
  });
}

families.forEach(conformance);
