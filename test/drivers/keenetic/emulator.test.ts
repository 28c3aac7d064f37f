// The emulator on the wire: raw HTTP compared with the captured heads and replies (fixtures), plus the
// behaviours of doc §9 that the driver relies on.
import { expect } from 'chai';
import http from 'node:http';
import { challengeHash } from '../../../drivers/keenetic/rci-client.js';
import { startKeeneticEmulator, type KeeneticEmulator, type KeeneticEmulatorOptions } from '../../../drivers/keenetic/emulator/index.js';
import { startLabRouter } from '../../../drivers/keenetic/emulator/lab.js';
import { FakeIsp } from './fake-isp.js';
import { fixtureJson, rawHttp } from './fixtures.js';

const ADMIN_PW = 'Adm1n!pw';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function request(emu: KeeneticEmulator, method: string, path: string, o: { cookie?: string | undefined; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.cookie) headers.cookie = o.cookie;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: emu.host, port: emu.httpPort, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

async function login(emu: KeeneticEmulator, password = ADMIN_PW): Promise<{ cookie: string; status: number }> {
  const first = await request(emu, 'GET', '/auth');
  const cookie = String(first.headers['set-cookie']?.[0]).split(';')[0]!;
  const hash = challengeHash('admin', String(first.headers['x-ndm-realm']), password, String(first.headers['x-ndm-challenge']));
  const second = await request(emu, 'POST', '/auth', { cookie, body: JSON.stringify({ login: 'admin', password: hash }) });
  return { cookie, status: second.status };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('keenetic emulator', function () {
  this.timeout(8000);
  let emu: KeeneticEmulator;
  let isp: FakeIsp;
  let cookie: string;

  const start = async (o: Partial<KeeneticEmulatorOptions> = {}, host = '127.0.10.30'): Promise<KeeneticEmulator> => {
    isp = new FakeIsp();
    emu = await startKeeneticEmulator({
      host,
      adminPassword: ADMIN_PW,
      wan: { proto: 'pppoe', username: FakeIsp.USER, password: FakeIsp.PASS },
      upstream: isp,
      timings: { dialMs: 20, redialMs: 40 },
      ...o,
    });
    return emu;
  };
  const rci = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const a = await request(emu, method, path, { cookie, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    expect(a.status, `${method} ${path}`).to.equal(200);
    return JSON.parse(a.text) as unknown;
  };

  afterEach(async () => {
    await emu?.close();
  });

  describe('auth (doc §2.1, fixtures auth-get-*.http)', () => {
    beforeEach(async () => {
      await start();
    });

    it('GET /auth answers the captured head: realm, 32-letter challenge, random cookie with Max-Age 300', async () => {
      const a = await request(emu, 'GET', '/auth');
      const captured = rawHttp('auth-get-401-challenge.http');
      expect(a.status).to.equal(captured.status);
      const names = captured.lines.map(([k]) => k.toLowerCase()).filter((k) => !['date', 'transfer-encoding', 'connection', 'x-ndm-isplock'].includes(k));
      for (const n of names) expect(a.headers, n).to.have.property(n);
      expect(a.headers.server).to.equal('Web server');
      expect(a.headers['x-ndm-realm']).to.equal('Keenetic Hopper');
      expect(a.headers['x-ndm-challenge']).to.match(/^[A-Z]{32}$/);
      const cookie = a.headers['set-cookie']![0]!;
      expect(cookie).to.match(/^[A-Z]{12,13}=[A-Z]{16}; Path=\/; SameSite=Lax; Max-Age=300$/);
      expect(cookie.split('=')[0]).to.equal(emu.cookieName);
      expect(a.headers['www-authenticate']).to.match(
        new RegExp(`^x-ndw2-interactive realm="Keenetic Hopper" challenge="${String(a.headers['x-ndm-challenge'])}" session_id="[A-Z]{16}" session_cookie="${emu.cookieName}"$`),
      );
    });

    it('the cookie name is random per device', async () => {
      const other = await startKeeneticEmulator({ host: '127.0.10.31', adminPassword: 'x', wan: { proto: 'pppoe', username: 'u', password: 'p' } });
      const third = await startKeeneticEmulator({ host: '127.0.10.32', adminPassword: 'x', wan: { proto: 'pppoe', username: 'u', password: 'p' } });
      try {
        expect(new Set([emu.cookieName, other.cookieName, third.cookieName]).size).to.be.greaterThan(1);
      } finally {
        await other.close();
        await third.close();
      }
    });

    it('POST /auth checks sha256(challenge + md5(login:realm:password)); the session works until DELETE /auth', async () => {
      expect((await request(emu, 'GET', '/rci/show/version')).status).to.equal(401);
      const good = await login(emu);
      expect(good.status).to.equal(200);
      cookie = good.cookie;
      expect((await request(emu, 'GET', '/auth', { cookie })).status).to.equal(200); // doc §2.1 step 4
      expect(await rci('GET', '/rci/show/version')).to.have.property('release');
      expect(emu.activeSessions()).to.equal(1);
      expect((await request(emu, 'DELETE', '/auth', { cookie })).status).to.equal(200);
      expect((await request(emu, 'GET', '/rci/show/version', { cookie })).status).to.equal(401);
      expect(emu.logouts).to.equal(1);
      expect((await login(emu, 'wrong')).status).to.equal(401);
      expect(emu.failedLogins).to.equal(1);
    });

    it('a challenge is bound to its cookie and good for one try', async () => {
      const first = await request(emu, 'GET', '/auth');
      const c = String(first.headers['set-cookie']?.[0]).split(';')[0]!;
      const hash = challengeHash('admin', 'Keenetic Hopper', ADMIN_PW, String(first.headers['x-ndm-challenge']));
      const other = String((await request(emu, 'GET', '/auth')).headers['set-cookie']?.[0]).split(';')[0]!;
      expect((await request(emu, 'POST', '/auth', { cookie: other, body: JSON.stringify({ login: 'admin', password: hash }) })).status).to.equal(401);
      expect((await request(emu, 'POST', '/auth', { cookie: c, body: JSON.stringify({ login: 'admin', password: 'f'.repeat(64) }) })).status).to.equal(401);
      expect((await request(emu, 'POST', '/auth', { cookie: c, body: JSON.stringify({ login: 'admin', password: hash }) })).status).to.equal(401);
      expect(emu.failedLogins).to.equal(3);
    });

    it('lockout (UNVERIFIED for HTTP, telnet policy): 5 failures → 403 without a challenge, even for the right password', async () => {
      for (let i = 0; i < 5; i++) expect((await login(emu, `bad${i}`)).status).to.equal(401);
      const locked = await request(emu, 'GET', '/auth');
      expect(locked.status).to.equal(403);
      expect(locked.headers).to.not.have.property('x-ndm-challenge');
      expect(emu.failedLogins).to.equal(5);
      expect(emu.logMessages().join('\n')).to.contain('locked out for 15 minutes');
    });

    it('sessions expire after the idle time (doc §2.1: 10 min; shortened here)', async () => {
      await emu.close();
      await start({ sessionIdleMs: 150 });
      cookie = (await login(emu)).cookie;
      expect((await request(emu, 'GET', '/rci/show/system', { cookie })).status).to.equal(200);
      await sleep(250);
      expect((await request(emu, 'GET', '/rci/show/system', { cookie })).status).to.equal(401);
    });

    it('no admin password: /auth answers 200 with a cookie, RCI needs no login (fixture auth-get-200-no-password.http)', async () => {
      await emu.close();
      await start({ adminPassword: '' });
      const a = await request(emu, 'GET', '/auth');
      expect(a.status).to.equal(200);
      expect(a.headers['set-cookie']![0]).to.match(/^[A-Z]{12,13}=[A-Z]{16}; Path=\/; SameSite=Lax; Max-Age=300$/);
      expect(a.headers['cache-control']).to.equal('no-cache, private, must-revalidate');
      expect(a.headers['x-frame-options']).to.equal('DENY');
      expect((await request(emu, 'GET', '/rci/show/system')).status).to.equal(200);
    });
  });

  describe('RCI (doc §3, captured replies)', () => {
    beforeEach(async () => {
      await start();
      cookie = (await login(emu)).cookie;
    });

    it('replays the captured batch and answers exactly the captured reply (fixture rci-batch-l2tp-pingcheck-save)', async () => {
      const reply = await rci('POST', '/rci/', fixtureJson('rci-batch-l2tp-pingcheck-save.request.json'));
      expect(reply).to.deep.equal(fixtureJson('rci-batch-l2tp-pingcheck-save.response.json'));
      // Created, saved: L2TP0 is in the saved configuration with its ping-check profile.
      const saved = emu.saved() as { interface: Record<string, { 'ping-check'?: unknown }> };
      expect(saved.interface.L2TP0?.['ping-check']).to.deep.equal({ profile: '_WEBADMIN_L2TP0' });
    });

    it('answers the other captured writes verbatim', async () => {
      expect(await rci('POST', '/rci/interface', { PPTP0: {} })).to.deep.equal(fixtureJson('rci-post-interface-create-pptp0.response.json'));
      expect(await rci('POST', '/rci/interface', { Bridge1: { up: false } })).to.deep.equal(fixtureJson('rci-post-interface-bridge1-down.response.json'));
      expect(await rci('POST', '/rci/ip/http/security-level', { private: true })).to.deep.equal(fixtureJson('rci-post-ip-http-security-level.response.json'));
      expect(await rci('POST', '/rci/system/reboot', { interval: 5 })).to.deep.equal(fixtureJson('rci-post-system-reboot.response.json'));
      expect(await rci('GET', '/rci/ip/telnet')).to.deep.equal(fixtureJson('rci-get-ip-telnet.response.json'));
      expect(await rci('GET', '/rci/foo')).to.deep.equal(fixtureJson('rci-status-error-no-such-command.json'));
      expect(Object.keys((await rci('GET', '/rci/show/system')) as object)).to.deep.equal(Object.keys(fixtureJson('rci-show-system.response.json') as object));
    });

    it('errors stay HTTP 200 with status objects at the node; unknown names and bodies are refused', async () => {
      const r = (await rci('POST', '/rci/', [{ interface: { name: 'PPPoE0', bogus: 1 } }, { nope: {} }])) as unknown[];
      expect(r[0]).to.deep.equal({ interface: { bogus: { status: [{ status: 'error', code: '7405600', ident: 'Command::Base', message: 'no such command: bogus.' }] } } });
      expect(r[1]).to.deep.equal({ nope: { status: [{ status: 'error', code: '7405600', ident: 'Command::Base', message: 'no such command: nope.' }] } });
      const noBody = await request(emu, 'POST', '/rci/system/configuration/save', { cookie, body: '' });
      expect(noBody.status).to.equal(200);
      expect(JSON.parse(noBody.text)).to.have.nested.property('status[0].status', 'error');
      expect(await rci('GET', '/rci/show/interface?name=Nope0')).to.have.nested.property('status[0].code', '6553609');
    });

    it('running vs saved: a write is lost on reboot unless saved (doc §6); show sc is stale until save (doc §3)', async () => {
      await rci('POST', '/rci/interface', { PPPoE0: { description: 'changed' } });
      const desc = (c: unknown): unknown => (c as { interface: { PPPoE0: { description?: unknown } } }).interface.PPPoE0.description;
      expect(desc(emu.running())).to.equal('changed');
      expect(desc(emu.saved())).to.equal('Internet');
      expect(desc(((await rci('POST', '/rci/show', { sc: {} })) as { sc: unknown }).sc)).to.equal('Internet');
      emu.reboot();
      expect(desc(emu.running())).to.equal('Internet');
      expect((await request(emu, 'GET', '/rci/show/system', { cookie })).status).to.equal(401); // sessions dropped
      cookie = (await login(emu)).cookie;
      await rci('POST', '/rci/', [{ interface: { PPPoE0: { description: 'kept' } } }, { system: { configuration: { save: {} } } }]);
      emu.reboot();
      expect(desc(emu.running())).to.equal('kept');
    });

    it('GET /rci/interface?name= returns {"name": settings}; passwords of any kind are stored exactly', async () => {
      const pw = 'it\'s "q" a b$HOME;echo pwned\\x пароль Ёё';
      await rci('POST', '/rci/interface', { name: 'PPPoE0', authentication: { password: pw } });
      const cfg = (await rci('GET', '/rci/interface?name=PPPoE0')) as { PPPoE0: { authentication: { password: string; identity: string } } };
      expect(cfg.PPPoE0.authentication.password === pw).to.equal(true);
      expect(cfg.PPPoE0.authentication.identity).to.equal(FakeIsp.USER);
    });
  });

  describe('PPP WAN (doc §6, §7)', () => {
    const show = async (name = 'PPPoE0'): Promise<Record<string, unknown>> => (await rci('GET', `/rci/show/interface?name=${name}`)) as Record<string, unknown>;

    it('pending, then running with the ISP lease', async () => {
      await start({ timings: { dialMs: 150, redialMs: 100 } });
      cookie = (await login(emu)).cookie;
      const pending = await show();
      expect(pending).to.deep.include({ link: 'down', connected: 'no', state: 'up', type: 'PPPoE', via: 'GigabitEthernet1' });
      expect(pending).to.have.nested.property('summary.layer.link', 'pending');
      await sleep(250);
      const up = await show();
      expect(up).to.deep.include({ link: 'up', connected: 'yes', address: '100.64.12.34', remote: '100.64.0.1', defaultgw: true, role: ['inet'] });
      expect(up).to.have.nested.property('summary.layer.ipv4', 'running');
      expect(isp.dials.at(-1)).to.deep.include({ routerId: emu.host, proto: 'pppoe', username: FakeIsp.USER });
    });

    it('a rejected password: stuck pending, one log line per attempt, redial every redialMs', async () => {
      await start();
      isp.accounts.set(FakeIsp.USER, 'changed-in-cabinet');
      emu.reboot();
      cookie = (await login(emu)).cookie;
      await sleep(200);
      expect(await show()).to.have.nested.property('summary.layer.link', 'pending');
      const fails = emu.logMessages().filter((m) => m.endsWith('PAP authentication failed')).length;
      expect(fails).to.be.within(2, 8);
      const log = (await rci('GET', '/rci/show/log?once=true&max-lines=5')) as { log: Record<string, { message: { level: string; label: string } }>; continued: boolean };
      expect(log.continued).to.equal(false);
      expect(Object.keys(log.log)).to.have.length(5);
      expect(Object.values(log.log).some((r) => r.message.level === 'Error' && r.message.label === 'E')).to.equal(true);
    });

    it('an ISP drop redials; no carrier takes the Ethernet link down', async () => {
      await start();
      cookie = (await login(emu)).cookie;
      await sleep(60);
      const before = isp.dials.length;
      isp.drop(emu.host);
      await sleep(100);
      expect(isp.dials.length).to.be.greaterThan(before);
      isp.noCarrier = true;
      isp.drop(emu.host);
      await sleep(120);
      expect(await show('GigabitEthernet1')).to.deep.include({ link: 'down', connected: 'no' });
      isp.noCarrier = false;
      await sleep(120);
      expect(await show('GigabitEthernet1')).to.deep.include({ link: 'up' });
    });

    it('up: false hangs up, up: true dials again', async () => {
      await start();
      cookie = (await login(emu)).cookie;
      await sleep(60);
      await rci('POST', '/rci/', [{ interface: { PPPoE0: { up: false } } }]);
      expect(isp.hangups).to.equal(1);
      expect(await show()).to.deep.include({ state: 'down', link: 'down' });
      await rci('POST', '/rci/', [{ interface: { PPPoE0: { up: true } } }]);
      await sleep(60);
      expect(await show()).to.deep.include({ link: 'up' });
    });
  });

  it('faults; close() ends hung requests at once', async () => {
    await start();
    cookie = (await login(emu)).cookie;
    emu.setFault('http_500');
    expect((await request(emu, 'GET', '/rci/show/system', { cookie })).status).to.equal(500);
    emu.setFault('garbage');
    const g = await request(emu, 'GET', '/rci/show/system', { cookie });
    expect(() => JSON.parse(g.text) as unknown).to.throw();
    emu.setFault('drop');
    expect(await request(emu, 'GET', '/rci/show/system', { cookie }).catch((e: unknown) => e)).to.be.instanceOf(Error);
    emu.setFault('hang');
    const hung = request(emu, 'GET', '/rci/show/system', { cookie }).catch((e: unknown) => e);
    await sleep(50);
    const t0 = Date.now();
    await emu.close();
    expect(await hung).to.be.instanceOf(Error);
    expect(Date.now() - t0).to.be.lessThan(500);
  });

  it('the lab adapter starts a Keenetic on the lab ISP', async () => {
    isp = new FakeIsp();
    const lab = await startLabRouter({
      host: '127.0.10.33',
      adminPassword: ADMIN_PW,
      wan: { proto: 'l2tp', username: FakeIsp.USER, password: FakeIsp.PASS, server: FakeIsp.VPN },
      upstream: isp,
      timings: { dialMs: 10, redialMs: 20 },
      withSsh: true,
    });
    emu = lab as KeeneticEmulator;
    expect(lab).to.deep.include({ family: 'keenetic', host: '127.0.10.33', adminUser: 'admin', sshPort: undefined });
    await sleep(60);
    expect(isp.dials.at(-1)).to.deep.include({ proto: 'l2tp', server: FakeIsp.VPN });
  });
});
