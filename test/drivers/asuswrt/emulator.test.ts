// The ASUS emulator against the captured responses and the doc: layouts, escapes, codes.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { startAsuswrtEmulator, type AsuswrtEmulator } from '../../../drivers/asuswrt/emulator/index.js';
import { sharedFixture } from '../../shared-fixtures.js';
import { OneAccountIsp, raw, rawLogin } from './support.js';

const shared = (f: string): string => readFileSync(sharedFixture('asuswrt', f), 'utf8');

describe('asuswrt emulator fidelity', function () {
  this.timeout(10_000);
  const host = '127.0.88.50';
  let emu: AsuswrtEmulator;
  let token: string;

  beforeEach(async () => {
    emu = await startAsuswrtEmulator({ host, adminPassword: 'pw', wan: { proto: 'pppoe', username: 'u', password: 'p' }, upstream: new OneAccountIsp(), timings: { dialMs: 10, redialMs: 20 }, lockSeconds: 300 });
    const r = await rawLogin(emu.httpPort, host, 'admin', 'pw');
    token = (JSON.parse(r.text) as { asus_token: string }).asus_token;
  });
  afterEach(() => emu.close());

  it('unauthenticated pages send the browser to Main_Login.asp with the httpd headers (doc §1)', async () => {
    const r = await raw(emu.httpPort, host, 'GET', '/');
    expect(r.status).to.equal(200);
    expect(r.text).to.include("top.location.href='/Main_Login.asp'");
    expect(r.headers).to.include({ server: 'httpd/2.0', 'x-frame-options': 'SAMEORIGIN', 'x-xss-protection': '1; mode=block', connection: 'close' });
    expect(r.headers['www-authenticate']).to.equal(undefined);
    const login = await raw(emu.httpPort, host, 'GET', '/Main_Login.asp');
    expect(login.text).to.match(/<title>ASUS Login<\/title>/).and.include('login.cgi').and.include('login_authorization');
    expect((await raw(emu.httpPort, host, 'GET', '/nothing.cgi')).status).to.equal(404);
  });

  it('login.cgi: token body plus cookie; error 3; lockout 7 with remaining_lock_time after 5 failures (doc §2)', async () => {
    const ok = await rawLogin(emu.httpPort, host, 'admin', 'pw');
    expect(ok.text).to.match(/^\{"asus_token":"[0-9a-f]{32}"\}\n$/);
    expect(String(ok.headers['set-cookie'])).to.match(/^asus_token=[0-9a-f]{32}; HttpOnly;$/);
    expect((await rawLogin(emu.httpPort, host, 'admin', 'no')).text.trim()).to.equal('{"error_status":"3"}');
    for (let i = 0; i < 3; i++) await rawLogin(emu.httpPort, host, 'admin', 'no');
    expect(JSON.parse((await rawLogin(emu.httpPort, host, 'admin', 'no')).text)).to.deep.equal({ error_status: '7', remaining_lock_time: '300' });
    expect(JSON.parse((await rawLogin(emu.httpPort, host, 'admin', 'pw')).text)).to.have.property('error_status', '7');
    expect(emu.failedLogins).to.equal(6);
  });

  it('appGet.cgi: the WAN hooks come back in the captured layout (fixture hook_006)', async () => {
    const fixture = JSON.parse(shared('appget-wan-state-rt-ax88u-merlin-388.json')) as Record<string, unknown>;
    const keys = ['wan0_proto', 'wan0_state_t', 'wan0_sbstate_t', 'wan0_auxstate_t', 'wan0_ipaddr', 'wan0_gateway', 'wans_dualwan', 'wans_mode'];
    const hook = ['get_wan_unit()', ...keys.map((k) => `nvram_get(${k})`)].join(';');
    const r = await raw(emu.httpPort, host, 'POST', '/appGet.cgi', { cookie: token, body: new URLSearchParams({ hook }).toString() });
    expect(r.text.startsWith('{\n"get_wan_unit":0,\n"wan0_proto":"pppoe",\n')).to.equal(true);
    const j = JSON.parse(r.text) as Record<string, unknown>;
    expect(Object.keys(j)).to.deep.equal(['get_wan_unit', ...keys]);
    for (const k of Object.keys(j)) expect(typeof j[k], k).to.equal(typeof fixture[k]);
    expect(j.wans_dualwan).to.equal(fixture.wans_dualwan);
  });

  it('nvram_get escapes `>` as `&#62` like the capture, and UTF-8 bytes one by one (doc §3.1)', async () => {
    emu.setNvram('MULTIFILTER_DEVICENAME', 'FakeName001>FakeName002');
    emu.setNvram('x_name', 'Ж"');
    const hook = 'nvram_get(MULTIFILTER_DEVICENAME);nvram_get(x_name)';
    const r = await raw(emu.httpPort, host, 'GET', `/appGet.cgi?hook=${encodeURIComponent(hook)}`, { cookie: token });
    expect(shared('appget-nvram-escaped-separators-rt-ax88u-merlin-388.json')).to.include('FakeName001&#62FakeName002');
    expect(r.text).to.include('"MULTIFILTER_DEVICENAME":"FakeName001&#62FakeName002"').and.include('"x_name":"&#208&#150&#34"');
  });

  it('without a token: error_status 1; with a stale one: 2; Logout.asp answers 8 (doc §2.2)', async () => {
    const hook = new URLSearchParams({ hook: 'get_wan_unit()' }).toString();
    expect((await raw(emu.httpPort, host, 'POST', '/appGet.cgi', { body: hook })).text.trim()).to.equal('{"error_status":"1"}');
    expect((await raw(emu.httpPort, host, 'GET', '/Logout.asp', { cookie: token })).text.trim()).to.equal('{"error_status":"8"}');
    expect((await raw(emu.httpPort, host, 'POST', '/appGet.cgi', { cookie: token, body: hook })).text.trim()).to.equal('{"error_status":"2"}');
    expect(emu.activeSessions()).to.equal(0);
  });

  it('applyapp.cgi: JSON and the single-quoted dict text; echoes run_service; commits; drops over-long values silently (doc §4.1, §8.9)', async () => {
    const r = await raw(emu.httpPort, host, 'POST', '/applyapp.cgi', { cookie: token, body: JSON.stringify({ action_mode: 'apply', rc_service: 'restart_wan_if 0', wan0_pppoe_passwd: 'new "one"' }), contentType: 'application/json' });
    expect(JSON.parse(r.text)).to.deep.equal({ modify: '1', run_service: 'restart_wan_if 0' });
    expect(emu.saved().wan0_pppoe_passwd).to.equal('new "one"');
    await raw(emu.httpPort, host, 'POST', '/applyapp.cgi', { cookie: token, body: "{'action_mode': 'apply', 'rc_service': 'restart_wan_if 0', 'wan0_pppoe_username': 'dict-user'}" });
    expect(emu.nvram().wan0_pppoe_username).to.equal('dict-user');
    const long = await raw(emu.httpPort, host, 'POST', '/applyapp.cgi', { cookie: token, body: JSON.stringify({ action_mode: 'apply', rc_service: 'restart_wan_if 0', wan0_pppoe_passwd: 'x'.repeat(65) }) });
    expect(JSON.parse(long.text)).to.have.property('modify', '0');
    expect(emu.nvram().wan0_pppoe_passwd).to.equal('new "one"');
  });

  it('ajax_status.xml starts with a BOM and carries state/sbstate/auxstate first (fixture devicemap_001)', async () => {
    await new Promise((r) => setTimeout(r, 60));
    const r = await raw(emu.httpPort, host, 'GET', '/ajax_status.xml', { cookie: token });
    expect(r.text.charCodeAt(0)).to.equal(0xfeff);
    expect(shared('ajax_status-devicemap-rt-ax88u-merlin-388.xml').charCodeAt(0)).to.equal(0xfeff);
    expect(r.text).to.include('<devicemap> <wan>');
  });
});
