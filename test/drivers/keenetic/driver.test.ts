// The Keenetic driver end to end against its emulator. Passwords never go into test titles or
// output: failures show labels only.
import { expect } from 'chai';
import http from 'node:http';
import { keeneticDriver } from '../../../drivers/keenetic/index.js';
import { AUTH_REQUEST } from '../../../drivers/keenetic/fingerprint.js';
import { startKeeneticEmulator, type KeeneticEmulator } from '../../../drivers/keenetic/emulator/index.js';
import {
  AuthError,
  LockedOutError,
  ProtocolError,
  RouterctlError,
  TimeoutError,
  UnreachableError,
} from '../../../src/core/errors.js';
import type { DriverContext, DriverSession, HttpProbe, Probe, WanStatus } from '../../../drivers/types.js';
import { FakeIsp } from './fake-isp.js';
import { silent } from './fixtures.js';

const ADMIN_PW = 'Adm1n "pw" $x;';
const HOSTILE: Array<[string, string]> = [
  ['shell metacharacters and both quotes', 'it\'s "q" a b$HOME;echo pwned\\x'],
  ['Cyrillic with spaces', 'пароль Ёё'],
  ['70 characters', 'A1b2C3d4E5f6G7h8I9j0-_.~!@#%^&*()=+[]{}|:,<>?/'.padEnd(70, 'z')],
  ['backslashes and a JSON-looking value', 'a\\b\\\\c"}]},{"x":"'],
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(session: DriverSession, ok: (s: WanStatus) => boolean, ms = 3000): Promise<WanStatus> {
  const until = Date.now() + ms;
  let last: WanStatus | undefined;
  while (Date.now() < until) {
    last = await session.wanStatus();
    if (ok(last)) return last;
    await sleep(30);
  }
  throw new Error(`WAN status not reached; last: ${JSON.stringify(last)}`);
}

/** What discovery would have seen: a plain GET /auth, no cookie. */
function probeAuth(host: string, port: number): Promise<HttpProbe> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: AUTH_REQUEST.path, method: AUTH_REQUEST.method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ port, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('keenetic driver end to end', function () {
  this.timeout(8000);
  let emu: KeeneticEmulator;
  let isp: FakeIsp;
  let session: DriverSession | undefined;
  let ctx: DriverContext;

  const start = async (proto: 'pppoe' | 'l2tp' | 'pptp' = 'pppoe', extra: { sessionIdleMs?: number; dialMs?: number } = {}): Promise<void> => {
    isp = new FakeIsp();
    emu = await startKeeneticEmulator({
      host: '127.0.10.40',
      adminPassword: ADMIN_PW,
      wan: { proto, username: FakeIsp.USER, password: FakeIsp.PASS, server: proto === 'pppoe' ? undefined : FakeIsp.VPN },
      upstream: isp,
      timings: { dialMs: extra.dialMs ?? 15, redialMs: 30 },
      sessionIdleMs: extra.sessionIdleMs,
    });
  };
  const connect = async (password = ADMIN_PW): Promise<DriverSession> =>
    keeneticDriver.connect({ host: emu.host, httpPort: emu.httpPort }, { username: 'admin', password }, ctx);

  beforeEach(async () => {
    ctx = { logger: silent, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 };
    await start();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    await emu.close();
  });

  it('fingerprints the emulator from a real GET /auth', async () => {
    const probe: Probe = { host: emu.host, extra: { [AUTH_REQUEST.id]: await probeAuth(emu.host, emu.httpPort) } };
    const r = keeneticDriver.fingerprint.match(probe);
    expect(r).to.deep.include({ family: 'keenetic', model: 'Keenetic Hopper' });
    expect(r!.confidence).to.be.greaterThan(0.95);
  });

  it('logs in; info names the model and firmware', async () => {
    session = await connect();
    expect(await session.info()).to.deep.include({ family: 'keenetic', vendor: 'Keenetic', model: 'Keenetic Hopper (KN-3810)', firmware: '4.3.6.3-0', hostname: 'Keenetic-1575' });
    expect([...session.capabilities]).to.include.members(['readWan', 'wanStatus', 'backup', 'setWanCredentials', 'reconnectWan']);
  });

  it('a wrong admin password is exactly one attempt and an AuthError', async () => {
    const err = await connect('wrong').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect(emu.failedLogins).to.equal(1);
  });

  it('after 5 failures the router locks this computer out: LockedOutError, even with the right password', async () => {
    for (let i = 0; i < 5; i++) expect(await connect(`wrong${i}`).catch((e: unknown) => e)).to.be.instanceOf(AuthError);
    const err = await connect().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockedOutError);
    expect((err as LockedOutError).details).to.deep.include({ httpStatus: 403 });
    expect(emu.failedLogins).to.equal(5);
  });

  for (const proto of ['pppoe', 'l2tp', 'pptp'] as const) {
    it(`readWan finds the ${proto} interface`, async () => {
      await emu.close();
      await start(proto);
      session = await connect();
      const wan = await session.readWan();
      const name = { pppoe: 'PPPoE0', l2tp: 'L2TP0', pptp: 'PPTP0' }[proto];
      expect(wan).to.deep.include({ interface: name, proto, username: FakeIsp.USER, hasPassword: true, server: proto === 'pppoe' ? undefined : FakeIsp.VPN });
      expect(wan.password).to.equal(undefined);
      expect((await session.readWan({ withPassword: true })).password === FakeIsp.PASS).to.equal(true);
      expect(await waitFor(session, (s) => s.state === 'up')).to.deep.include({ ipv4: '100.64.12.34', gateway: '100.64.0.1' });
    });
  }

  it('wanStatus: connecting while dialling, then up', async () => {
    await emu.close();
    await start('pppoe', { dialMs: 400 });
    session = await connect();
    expect(await session.wanStatus()).to.deep.equal({ state: 'connecting' });
    await waitFor(session, (s) => s.state === 'up');
  });

  it('wanStatus: the ISP rejecting the password reads as down/auth_failed (doc §7)', async () => {
    session = await connect();
    await waitFor(session, (s) => s.state === 'up');
    isp.accounts.set(FakeIsp.USER, 'changed-in-cabinet');
    isp.drop(emu.host);
    const s = await waitFor(session, (x) => x.reason === 'auth_failed');
    expect(s.state).to.equal('down');
    expect(s.rawErrors).to.include('PAP authentication failed');
  });

  it('wanStatus: no carrier, and the VPN server unreachable', async () => {
    session = await connect();
    await waitFor(session, (s) => s.state === 'up');
    isp.noCarrier = true;
    isp.drop(emu.host);
    expect(await waitFor(session, (x) => x.reason === 'no_carrier')).to.deep.include({ state: 'down', reason: 'no_carrier' });
    isp.noCarrier = false;
    await waitFor(session, (s) => s.state === 'up');
    await session.close();
    await emu.close();
    await start('l2tp');
    const cfg = emu.running() as { interface: { L2TP0: Record<string, unknown> } };
    expect(cfg.interface.L2TP0.peer).to.equal(FakeIsp.VPN);
    session = await connect();
    // Point the tunnel somewhere the ISP does not answer, the way a user typo would.
    const raw = (await import('../../../drivers/keenetic/rci-client.js')).RciClient;
    const c = new raw({ baseUrl: `http://${emu.host}:${emu.httpPort}`, timeoutMs: 2000, maxResponseBytes: 1 << 20 });
    await c.login('admin', ADMIN_PW);
    await c.batch([{ interface: { name: 'L2TP0', peer: 'vpn.nowhere.example' } }, { interface: { L2TP0: { up: false } } }, { interface: { L2TP0: { up: true } } }]);
    await c.logout();
    expect(await waitFor(session, (x) => x.reason === 'server_unreachable')).to.deep.include({ state: 'down' });
  });

  it('backup → set → restore gives identical settings, saved', async () => {
    session = await connect();
    const before = await session.backup();
    expect(JSON.stringify(await session.backup())).to.equal(JSON.stringify(before));
    await session.setWanCredentials({ password: 'new-pass', username: 'other-user' });
    const changed = await session.backup();
    expect(JSON.stringify(changed)).to.not.equal(JSON.stringify(before));
    await session.restore(before);
    expect(JSON.stringify(await session.backup())).to.equal(JSON.stringify(before));
    const saved = emu.saved() as { interface: { PPPoE0: { authentication: unknown } } };
    expect(saved.interface.PPPoE0.authentication).to.deep.equal({ identity: FakeIsp.USER, password: FakeIsp.PASS });
    await waitFor(session, (s) => s.state === 'up');
  });

  for (const [label, pw] of HOSTILE) {
    it(`setWanCredentials keeps a hostile password exactly: ${label}`, async () => {
      session = await connect();
      isp.accounts.set(FakeIsp.USER, pw);
      const pending = await session.setWanCredentials({ password: pw });
      expect(pending.autoRevertSeconds).to.equal(undefined);
      expect((await session.readWan({ withPassword: true })).password === pw, 'read back').to.equal(true);
      const saved = emu.saved() as { interface: { PPPoE0: { authentication: { password: string } } } };
      expect(saved.interface.PPPoE0.authentication.password === pw, 'saved').to.equal(true);
      await waitFor(session, (s) => s.state === 'up');
      expect(isp.lastPassword === pw, 'dialled with').to.equal(true);
      await pending.confirm();
    });
  }

  it('the change survives a reboot: it was saved', async () => {
    session = await connect();
    isp.accounts.set(FakeIsp.USER, 'after-reboot');
    await session.setWanCredentials({ password: 'after-reboot' });
    await session.close();
    emu.reboot();
    session = await connect();
    expect((await session.readWan({ withPassword: true })).password === 'after-reboot').to.equal(true);
    await waitFor(session, (s) => s.state === 'up');
  });

  it('a rollback leaves the saved configuration as before and redials with the old password', async () => {
    session = await connect();
    await waitFor(session, (s) => s.state === 'up');
    const savedBefore = JSON.stringify(emu.saved());
    const pending = await session.setWanCredentials({ password: 'rejected-by-isp' });
    expect(JSON.stringify(emu.saved())).to.not.equal(savedBefore);
    await waitFor(session, (s) => s.reason === 'auth_failed');
    await pending.rollback();
    await pending.rollback(); // idempotent
    expect(JSON.stringify(emu.saved())).to.equal(savedBefore);
    await waitFor(session, (s) => s.state === 'up');
    expect(await pending.confirm().catch((e: unknown) => e)).to.be.instanceOf(RouterctlError);
  });

  it('the same password again changes nothing', async () => {
    session = await connect();
    const saves = emu.saves;
    const pending = await session.setWanCredentials({ password: FakeIsp.PASS });
    await pending.rollback();
    expect(emu.saves).to.equal(saves);
  });

  it('refuses values the router cannot store, naming no value', async () => {
    session = await connect();
    for (const bad of ['', 'line\nbreak', 'nul\u0000']) {
      const err = (await session.setWanCredentials({ password: bad }).catch((e: unknown) => e)) as RouterctlError;
      expect(err).to.be.instanceOf(RouterctlError);
      expect(err.code).to.equal('usage');
    }
    expect(emu.saves).to.equal(0);
  });

  it('reconnectWan redials', async () => {
    session = await connect();
    await waitFor(session, (s) => s.state === 'up');
    const dials = isp.dials.length;
    await session.reconnectWan();
    expect(isp.hangups).to.equal(1);
    await waitFor(session, (s) => s.state === 'up' && isp.dials.length > dials);
  });

  it('an expired session logs in again once, transparently', async () => {
    await emu.close();
    await start('pppoe', { sessionIdleMs: 100 });
    session = await connect();
    await sleep(200);
    expect((await session.readWan()).interface).to.equal('PPPoE0');
    expect(emu.failedLogins).to.equal(0);
  });

  it('close logs out, also after an error, and is idempotent', async () => {
    session = await connect();
    expect(emu.activeSessions()).to.equal(1);
    emu.setFault('garbage');
    expect(await session.readWan().catch((e: unknown) => e)).to.be.instanceOf(ProtocolError);
    emu.setFault(null);
    expect(await session.restore({ family: 'keenetic', format: 1, settings: {} }).catch((e: unknown) => e)).to.be.instanceOf(RouterctlError);
    await session.close();
    await session.close();
    expect(emu.logouts).to.equal(1);
    expect(emu.activeSessions()).to.equal(0);
    // Closing when the router is gone does not throw either.
    const s2 = await connect();
    emu.setFault('drop');
    await s2.close();
  });

  it('faults give typed errors', async () => {
    ctx = { ...ctx, requestTimeoutMs: 300 };
    session = await connect();
    const cases: Array<[Parameters<KeeneticEmulator['setFault']>[0], new (...a: never[]) => RouterctlError]> = [
      ['http_500', ProtocolError],
      ['garbage', ProtocolError],
      ['hang', TimeoutError],
      ['drop', UnreachableError],
    ];
    for (const [fault, type] of cases) {
      emu.setFault(fault);
      const err = await session.wanStatus().catch((e: unknown) => e);
      expect(err, String(fault)).to.be.instanceOf(type);
    }
    emu.setFault(null);
    expect((await session.wanStatus()).state).to.be.oneOf(['up', 'connecting']);
  });
});
