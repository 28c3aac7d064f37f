// The ASUS driver end to end against its emulator. Passwords never go into test titles or output:
// failures show labels only.
import { expect } from 'chai';
import { asuswrtDriver } from '../../../drivers/asuswrt/index.js';
import { startAsuswrtEmulator, type AsuswrtEmulator } from '../../../drivers/asuswrt/emulator/index.js';
import type { DriverSession, Target } from '../../../drivers/types.js';
import { AuthError, LockedOutError, RouterctlError } from '../../../src/core/errors.js';
import { OneAccountIsp, recordingCtx, waitFor } from './support.js';

const ADMIN_PW = 'Adm1n "pw" $x;\\`y`+/=';
const HOSTILE: Array<[string, string]> = [
  ['shell metacharacters and both quotes', `it's "q" a b$HOME;echo pwned\\x`],
  ['Cyrillic with spaces', 'пароль Ёё с пробелом'],
  ['64 bytes exactly', 'A1b2C3d4E5f6G7h8I9j0-_.~!@#%^&*()=+[]{}|:,<>?/'.padEnd(64, 'z')],
  ['backticks, $() and ${}', '`cmd` $(id) ${X} | & > <'],
  ['backslashes and a JSON-looking value', 'a\\b\\\\c"}]},{"x":"'],
  ['form-encoding characters', 'a&b=c%20d+e;f'],
];

describe('asuswrt driver end to end', function () {
  this.timeout(10_000);
  const host = '127.0.88.1';
  let emu: AsuswrtEmulator;
  let isp: OneAccountIsp;
  let target: Target;
  const open: DriverSession[] = [];

  async function start(proto: 'pppoe' | 'l2tp' = 'pppoe', lockSeconds?: number): Promise<void> {
    isp = new OneAccountIsp();
    emu = await startAsuswrtEmulator({
      host,
      adminPassword: ADMIN_PW,
      wan: { proto, username: isp.user, password: isp.password, ...(proto === 'l2tp' ? { server: 'vpn.isp.example' } : {}) },
      upstream: isp,
      timings: { dialMs: 20, redialMs: 40 },
      lockSeconds,
    });
    target = { host, httpPort: emu.httpPort };
  }

  async function connect(ctx = recordingCtx().ctx, password = ADMIN_PW): Promise<DriverSession> {
    const s = await asuswrtDriver.connect(target, { username: 'admin', password }, ctx);
    open.push(s);
    return s;
  }

  const logins = (): number => emu.requests().filter((r) => r === 'POST /login.cgi').length;
  const applies = (): number => emu.requests().filter((r) => r === 'POST /applyapp.cgi').length;

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
    await emu?.close();
  });

  it('logs in (token) and reads model and firmware from nvram; close() logs out', async () => {
    await start();
    const { ctx, rec } = recordingCtx();
    const s = await connect(ctx);
    expect(await s.info()).to.include({ family: 'asuswrt', vendor: 'ASUS', model: 'RT-AX88U', firmware: '3.0.0.4.388.4_0', hostname: 'RT-AX88U-EMU' });
    expect(emu.activeSessions()).to.equal(1);
    await s.close();
    expect(emu.activeSessions()).to.equal(0);
    expect(emu.requests()).to.include('GET /Logout.asp');
    expect(rec.lines.join('\n')).to.not.include(ADMIN_PW);
  });

  it('a wrong admin password is one login.cgi request and an AuthError', async () => {
    await start();
    const err = await connect(recordingCtx().ctx, 'wrong').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect((err as Error).message).to.not.include('wrong');
    expect(emu.failedLogins).to.equal(1);
    expect(logins()).to.equal(1);
  });

  it('the lockout answer is a LockedOutError with the wait the router states, also for the right password', async () => {
    await start('pppoe', 120);
    for (let i = 1; i <= 4; i++) expect(await connect(recordingCtx().ctx, `wrong-${i}`).catch((e: unknown) => e)).to.be.instanceOf(AuthError);
    const fifth = await connect(recordingCtx().ctx, 'wrong-5').catch((e: unknown) => e);
    expect(fifth).to.be.instanceOf(LockedOutError);
    expect((fifth as LockedOutError).details.retryAfterSeconds).to.equal(120);
    const right = await connect().catch((e: unknown) => e);
    expect(right).to.be.instanceOf(LockedOutError);
    expect((right as LockedOutError).details.retryAfterSeconds).to.be.within(118, 120);
    expect(logins()).to.equal(6, 'no retries');
  });

  it('reads a PPPoE WAN; the password only when asked', async () => {
    await start();
    const s = await connect();
    const wan = await s.readWan();
    expect(wan).to.deep.include({ interface: 'wan0', proto: 'pppoe', username: 'asus-user', mtu: 1492, hasPassword: true });
    expect(wan.password).to.equal(undefined);
    expect((await s.readWan({ withPassword: true })).password).to.equal('isp-pass-1');
    expect((await waitFor(s, (st) => st.state === 'up')).ipv4).to.equal('100.64.88.2');
  });

  for (const [label, value] of HOSTILE) {
    it(`sets a hostile password exactly (${label}): nvram running = saved, read back and dialled byte for byte`, async () => {
      await start();
      const { ctx, rec } = recordingCtx();
      const s = await connect(ctx);
      isp.password = value;
      const change = await s.setWanCredentials({ password: value });
      expect(change.autoRevertSeconds).to.equal(undefined);
      await change.confirm();
      expect(emu.nvram().wan0_pppoe_passwd === value, 'running').to.equal(true);
      expect(emu.saved().wan0_pppoe_passwd === value, 'saved').to.equal(true);
      expect((await s.readWan({ withPassword: true })).password === value, 'read back').to.equal(true);
      await waitFor(s, (st) => st.state === 'up');
      expect(isp.lastPassword === value, 'dialled').to.equal(true);
      expect(rec.lines.join('\n').includes(value), 'logged').to.equal(false);
    });
  }

  it('refuses a value the router would drop (over 64 bytes) before sending anything', async () => {
    await start();
    const s = await connect();
    const long = 'a'.repeat(40) + 'Ж'.repeat(30);
    const err = await s.setWanCredentials({ password: long }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RouterctlError).with.property('code', 'usage');
    expect((err as Error).message).to.match(/64 bytes/).and.not.include(long);
    expect(applies()).to.equal(0);
    expect(emu.nvram().wan0_pppoe_passwd).to.equal('isp-pass-1');
  });

  it('L2TP: reads the VPN server, sets user and password, redials with them', async () => {
    await start('l2tp');
    const s = await connect();
    expect(await s.readWan()).to.deep.include({ proto: 'l2tp', username: 'asus-user', server: 'vpn.isp.example', hasPassword: true });
    isp.user = 'новый-user';
    isp.password = 'l2tp "new" pw';
    await (await s.setWanCredentials({ username: isp.user, password: isp.password })).confirm();
    expect(await s.readWan({ withPassword: true })).to.deep.include({ username: 'новый-user', password: 'l2tp "new" pw', server: 'vpn.isp.example' });
    await waitFor(s, (st) => st.state === 'up');
    expect(isp.lastServer).to.equal('vpn.isp.example');
  });

  it('rollback writes the old values back, applied and saved; the ISP rejecting the new one shows as auth_failed', async () => {
    await start();
    const s = await connect();
    const before = await s.backup();
    const change = await s.setWanCredentials({ password: 'not-the-isp-one' });
    const failed = await waitFor(s, (st) => st.reason === 'auth_failed');
    expect(failed.state).to.equal('down');
    expect(failed.rawErrors?.join(' ')).to.include('PPP_AUTH_FAIL');
    await change.rollback();
    expect(await s.backup()).to.deep.equal(before);
    expect(emu.saved().wan0_pppoe_passwd).to.equal('isp-pass-1');
    await waitFor(s, (st) => st.state === 'up');
    expect(await change.confirm().catch((e: unknown) => e)).to.be.instanceOf(RouterctlError).with.property('code', 'rolled_back');
  });

  it('reconnectWan restarts the WAN (restart_wan_if 0); no carrier is reported as such', async () => {
    await start();
    const s = await connect();
    await waitFor(s, (st) => st.state === 'up');
    const dials = isp.dials;
    isp.noCarrier = true;
    await s.reconnectWan();
    expect((await waitFor(s, (st) => st.reason === 'no_carrier')).state).to.equal('down');
    expect(isp.dials).to.be.greaterThan(dials);
    isp.noCarrier = false;
    await s.reconnectWan();
    await waitFor(s, (st) => st.state === 'up');
  });

  it('an expired token is renewed by one login; a reboot keeps the saved nvram', async () => {
    await start();
    const s = await connect();
    await (await s.setWanCredentials({ password: 'after-reboot' })).confirm();
    emu.expireSessions();
    expect((await s.readWan({ withPassword: true })).password).to.equal('after-reboot');
    emu.setNvram('wan0_pppoe_passwd', 'not-committed');
    emu.reboot();
    expect((await s.readWan({ withPassword: true })).password).to.equal('after-reboot');
    expect(logins()).to.equal(3);
    expect(emu.failedLogins).to.equal(0);
  });

  it('reads through the malformed `{ ,` JSON some builds send', async () => {
    await start();
    const s = await connect();
    emu.setFault('malformed_json');
    expect((await s.readWan({ withPassword: true })).password).to.equal('isp-pass-1');
  });
});
