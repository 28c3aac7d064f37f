// The MikroTik driver end to end against its emulator. Passwords never go into test titles or output:
// failures show labels only.
import { expect } from 'chai';
import { mikrotikDriver } from '../../../drivers/mikrotik/index.js';
import { startMikrotikEmulator, type MikrotikEmulator } from '../../../drivers/mikrotik/emulator/index.js';
import type { DriverSession, Target } from '../../../drivers/types.js';
import { AuthError, ProtocolError, RouterctlError } from '../../../src/core/errors.js';
import { OneAccountIsp, raw, recordingCtx, waitFor } from './support.js';

const ADMIN_PW = 'Adm1n "pw" $x;\\`y`';
const HOSTILE: Array<[string, string]> = [
  ['shell metacharacters and both quotes', `it's "q" a b$HOME;echo pwned\\x`],
  ['Cyrillic with spaces', 'пароль Ёё с пробелом'],
  ['70 characters', 'A1b2C3d4E5f6G7h8I9j0-_.~!@#%^&*()=+[]{}|:,<>?/'.padEnd(70, 'z')],
  ['backticks, $() and ${}', '`cmd` $(id) ${X} | & > <'],
  ['backslashes and a JSON-looking value', 'a\\b\\\\c"}]},{"x":"'],
];

describe('mikrotik driver end to end', function () {
  this.timeout(10_000);
  const host = '127.0.87.101';
  let emu: MikrotikEmulator;
  let isp: OneAccountIsp;
  let target: Target;
  const open: DriverSession[] = [];

  async function start(proto: 'pppoe' | 'l2tp' = 'pppoe'): Promise<void> {
    isp = new OneAccountIsp();
    emu = await startMikrotikEmulator({
      host,
      adminPassword: ADMIN_PW,
      wan: { proto, username: isp.user, password: isp.password, ...(proto === 'l2tp' ? { server: 'vpn.isp.example' } : {}) },
      upstream: isp,
      timings: { dialMs: 20, redialMs: 40 },
    });
    target = { host, httpPort: emu.httpPort };
  }

  async function connect(ctx = recordingCtx().ctx): Promise<DriverSession> {
    const s = await mikrotikDriver.connect(target, { username: 'admin', password: ADMIN_PW }, ctx);
    open.push(s);
    return s;
  }

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
    await emu?.close();
  });

  it('logs in with Basic auth and reads model, firmware and identity', async () => {
    await start();
    const s = await connect();
    const info = await s.info();
    expect(info).to.include({ family: 'mikrotik', vendor: 'MikroTik', model: 'C53UiG+5HPaxD2HPaxD', firmware: '7.19.1 (stable)', hostname: 'MikroTik' });
    expect(info.uptimeSeconds).to.be.a('number');
    expect(emu.failedLogins).to.equal(0);
    expect(emu.activeSessions()).to.equal(1);
    await s.close();
    expect(emu.activeSessions()).to.equal(0);
  });

  it('a wrong password is one request, an AuthError, never retried, and not in the message', async () => {
    await start();
    const before = emu.requests().length;
    const err = (await mikrotikDriver.connect(target, { username: 'admin', password: 'wrong "one" $z' }, recordingCtx().ctx).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(AuthError);
    expect(emu.failedLogins).to.equal(1);
    expect(emu.requests().slice(before)).to.deep.equal(['GET /rest/system/resource']);
    expect(err.message + JSON.stringify(err.details)).not.to.include('wrong "one"');
    expect(emu.logMessages().some((m) => /login failure for user admin/.test(m))).to.equal(true);
  });

  it('reads PPPoE, sets new credentials, reads them back; the router holds them exactly', async () => {
    await start();
    const { ctx, rec } = recordingCtx();
    const s = await connect(ctx);
    expect(await s.readWan()).to.deep.include({ interface: 'pppoe-out1', proto: 'pppoe', username: 'mt-user', hasPassword: true });
    const change = await s.setWanCredentials({ username: 'new-user', password: 'n3w "pass" $;' });
    await change.confirm();
    const item = emu.clients()['pppoe-client'][0]!;
    expect(item.user).to.equal('new-user');
    expect(item.password === 'n3w "pass" $;', 'stored password is exact').to.equal(true);
    expect((await s.readWan({ withPassword: true })).password === 'n3w "pass" $;').to.equal(true);
    expect(emu.requests()).to.include.members(['POST /rest/interface/pppoe-client/set', 'POST /rest/interface/pppoe-client/disable', 'POST /rest/interface/pppoe-client/enable']);
    expect(rec.lines.join('\n')).not.to.include('n3w "pass"');
    expect(rec.lines.join('\n')).not.to.include(ADMIN_PW);
  });

  for (const [label, value] of HOSTILE) {
    it(`a hostile password round-trips byte for byte: ${label}`, async () => {
      await start();
      const s = await connect();
      await (await s.setWanCredentials({ password: value })).confirm();
      const stored = emu.clients()['pppoe-client'][0]!.password!;
      expect(Buffer.from(stored, 'utf8').equals(Buffer.from(value, 'utf8')), 'stored bytes equal').to.equal(true);
      expect((await s.readWan({ withPassword: true })).password === value, 'read back').to.equal(true);
      // The dial uses it too (the ISP saw exactly these bytes).
      isp.password = value;
      await s.reconnectWan();
      await waitFor(s, (st) => st.state === 'up');
      expect(isp.lastPassword === value, 'dialled with the exact value').to.equal(true);
    });
  }

  it('refuses control characters before writing anything, without quoting the value', async () => {
    await start();
    const s = await connect();
    const err = (await s.setWanCredentials({ password: 'zq7\nxy' }).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.message).not.to.include('zq7');
    expect(emu.requests().filter((r) => r.startsWith('POST'))).to.deep.equal([]);
  });

  it('rollback writes the old credentials back and redials', async () => {
    await start();
    const s = await connect();
    await waitFor(s, (st) => st.state === 'up');
    const change = await s.setWanCredentials({ username: 'other', password: 'rejected-by-isp' });
    await waitFor(s, (st) => st.reason === 'auth_failed');
    await change.rollback();
    const item = emu.clients()['pppoe-client'][0]!;
    expect([item.user, item.password === 'isp-pass-1']).to.deep.equal(['mt-user', true]);
    const up = await waitFor(s, (st) => st.state === 'up');
    expect(up).to.include({ ipv4: '100.64.9.2', gateway: '100.64.9.1' });
  });

  it('reports up, auth_failed (from the log), no carrier, and disabled', async () => {
    await start();
    const s = await connect();
    await waitFor(s, (st) => st.state === 'up');
    isp.password = 'changed-in-cabinet';
    await s.reconnectWan();
    const failed = await waitFor(s, (st) => st.reason === 'auth_failed');
    expect(failed.state).to.equal('down');
    expect(failed.rawErrors?.[0]).to.match(/authentication failed/);
    isp.noCarrier = true;
    await s.reconnectWan();
    await waitFor(s, (st) => st.reason === 'no_carrier');
    // An admin disabled the client (Winbox, another tool).
    const r = await raw(emu.httpPort, host, 'POST', '/rest/interface/pppoe-client/disable', { auth: ['admin', ADMIN_PW], body: '{"numbers":"pppoe-out1"}' });
    expect([r.status, r.text]).to.deep.equal([200, '[]']);
    expect(await s.wanStatus()).to.deep.equal({ state: 'down', reason: 'disabled' });
  });

  it('an ISP drop redials by itself; a reboot keeps the configuration', async () => {
    await start();
    const s = await connect();
    await waitFor(s, (st) => st.state === 'up');
    await (await s.setWanCredentials({ password: 'kept-after-reboot' })).confirm();
    emu.reboot();
    // The keep-alive connection went with the reboot: the next GET is retried on a new one.
    const s2 = await connect();
    expect((await s2.readWan({ withPassword: true })).password === 'kept-after-reboot').to.equal(true);
    isp.password = 'kept-after-reboot';
    await waitFor(s2, (st) => st.state === 'up');
    isp.drop();
    await waitFor(s2, (st) => st.state === 'up');
  });

  it('reads an L2TP client with its server, and backs up / restores it', async () => {
    await start('l2tp');
    const s = await connect();
    expect(await s.readWan()).to.deep.include({ interface: 'l2tp-out1', proto: 'l2tp', server: 'vpn.isp.example', mtu: 1450 });
    const b = await s.backup();
    expect(b.settings).to.deep.equal({ menu: 'l2tp-client', name: 'l2tp-out1', user: 'mt-user', password: 'isp-pass-1', 'connect-to': 'vpn.isp.example' });
    await (await s.setWanCredentials({ username: 'u2', password: 'p2' })).confirm();
    await s.restore(b);
    expect(JSON.stringify(await s.backup())).to.equal(JSON.stringify(b));
  });

  it('a router answering 500 gives a typed error', async () => {
    await start();
    const s = await connect();
    emu.setFault('http500');
    expect(await s.readWan().catch((e: unknown) => e)).to.be.instanceOf(ProtocolError);
  });
});
