// The MikroTik emulator against the team's captures (../shared/fixtures/mikrotik, SOURCES.md) and the
// protocol doc: key sets, string values, `*hex` ids, error bodies byte for byte where a fixture exists.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { startMikrotikEmulator, type MikrotikEmulator } from '../../../drivers/mikrotik/emulator/index.js';
import { sharedFixture } from '../../shared-fixtures.js';
import { OneAccountIsp, raw } from './support.js';

const fixture = (name: string): string => readFileSync(sharedFixture('mikrotik', name), 'utf8');
const json = (name: string): unknown => JSON.parse(fixture(name));
const ADMIN: [string, string] = ['admin', 'emu-admin-1'];

describe('mikrotik emulator fidelity', function () {
  this.timeout(8000);
  const host = '127.0.87.102';
  let emu: MikrotikEmulator;

  async function start(proto: 'pppoe' | 'l2tp' = 'pppoe'): Promise<void> {
    const isp = new OneAccountIsp();
    emu = await startMikrotikEmulator({ host, adminPassword: ADMIN[1], wan: { proto, username: isp.user, password: isp.password, server: 'vpn.example' }, upstream: isp, timings: { dialMs: 20, redialMs: 40 } });
  }
  const get = (path: string, auth: [string, string] | null = ADMIN) => raw(emu.httpPort, host, 'GET', path, auth ? { auth } : {});
  const post = (path: string, body: string) => raw(emu.httpPort, host, 'POST', path, { auth: ADMIN, body });

  afterEach(async () => emu?.close());

  it('pppoe-client items have the fixture\'s keys, string values and a *hex id', async () => {
    await start();
    const r = await get('/rest/interface/pppoe-client');
    expect(r.status).to.equal(200);
    const [item] = JSON.parse(r.text) as Record<string, unknown>[];
    const want = json('rest-interface-pppoe-client-item.json') as Record<string, unknown>;
    expect(Object.keys(item!).sort()).to.deep.equal(Object.keys(want).sort());
    for (const v of Object.values(item!)) expect(v).to.be.a('string');
    expect(item!['.id']).to.match(/^\*[0-9A-F]+$/);
    // A single item is an object (doc §3.1), by id or by name.
    const one = await get(`/rest/interface/pppoe-client/${String(item!['.id'])}`);
    expect(JSON.parse(one.text)).to.deep.equal(item);
    expect(JSON.parse((await get('/rest/interface/pppoe-client/pppoe-out1')).text)).to.deep.equal(item);
  });

  it('l2tp-client items have the fixture\'s keys', async () => {
    await start('l2tp');
    const [item] = JSON.parse((await get('/rest/interface/l2tp-client')).text) as Record<string, unknown>[];
    const want = json('rest-interface-l2tp-client-item.json') as Record<string, unknown>;
    expect(Object.keys(item!).sort()).to.deep.equal(Object.keys(want).sort());
    expect(JSON.parse((await get('/rest/interface/pppoe-client')).text)).to.deep.equal([]);
  });

  it('system/resource carries the documented fields, all strings, platform MikroTik', async () => {
    await start();
    const res = JSON.parse((await get('/rest/system/resource')).text) as Record<string, unknown>;
    const [doc] = json('rest-get-system-resource-docs-7.1beta4.json') as Record<string, unknown>[];
    expect(res).to.include.all.keys(Object.keys(doc!));
    for (const v of Object.values(res)) expect(v).to.be.a('string');
    expect(res.platform).to.equal('MikroTik');
  });

  it('ip/service filtered like the capture answers exactly the capture', async () => {
    await start();
    const r = await get('/rest/ip/service?name=www-ssl&dynamic=no');
    expect(JSON.parse(r.text)).to.deep.equal(json('rest-get-ip-service-filtered-ros-7.19.1.json'));
  });

  it('set answers [] as captured; unknown parameters and items answer the doc\'s error bodies', async () => {
    await start();
    const ok = await post('/rest/interface/pppoe-client/set', '{".id":"pppoe-out1","password":"x"}');
    expect([ok.status, ok.text]).to.deep.equal([200, fixture('rest-post-ip-service-set-reply-ros-7.19.1.json').trim()]);
    const unknown = await post('/rest/interface/pppoe-client/set', '{"numbers":"pppoe-out1","vrf":"main"}');
    expect([unknown.status, unknown.text]).to.deep.equal([400, '{"detail":"unknown parameter vrf","error":400,"message":"Bad Request"}']);
    const missing = await get('/rest/interface/pppoe-client/*7F');
    expect([missing.status, missing.text]).to.deep.equal([404, '{"error":404,"message":"Not Found"}']);
    const badCmd = await post('/rest/interface/pppoe-client/remove-all', '{}');
    expect(badCmd.status).to.equal(406);
    expect(JSON.parse(badCmd.text)).to.deep.equal({ error: 406, message: 'Not Acceptable', detail: 'no such command or directory (remove-all)' });
  });

  it('an unbounded monitor is cut with the captured "Session closed" body; with once it answers', async () => {
    await start();
    const cut = await post('/rest/interface/pppoe-client/monitor', '{"numbers":"pppoe-out1"}');
    expect([cut.status, cut.text]).to.deep.equal([400, fixture('rest-error-400-session-closed.json').trim()]);
    const once = await post('/rest/interface/pppoe-client/monitor', '{"numbers":"pppoe-out1","once":""}');
    expect(once.status).to.equal(200);
    expect((JSON.parse(once.text) as { status: string }[])[0]!.status).to.be.a('string');
  });

  it('401 with a Basic challenge; a probe without credentials is not a failed login', async () => {
    await start();
    const probe = await get('/rest/system/resource', null);
    expect(probe.status).to.equal(401);
    expect(probe.headers['www-authenticate']).to.match(/^Basic realm=/);
    expect(JSON.parse(probe.text)).to.deep.equal({ error: 401, message: 'Unauthorized' });
    expect(emu.failedLogins).to.equal(0);
    expect((await get('/rest/system/resource', ['admin', 'nope'])).status).to.equal(401);
    expect(emu.failedLogins).to.equal(1);
    const page = await get('/', null);
    expect(page.text).to.include('<title>RouterOS router configuration page</title>');
  });

  it('PATCH answers the whole updated item (doc §4.1); yes/no are read back as true/false', async () => {
    await start();
    const r = await raw(emu.httpPort, host, 'PATCH', '/rest/interface/pppoe-client/pppoe-out1', { auth: ADMIN, body: '{"disabled":"yes"}' });
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.text)).to.include({ name: 'pppoe-out1', disabled: 'true', running: 'false' });
  });

  it('the PPP client comes up with a dynamic /32 address whose network is the peer', async () => {
    await start();
    for (let i = 0; i < 100 && emu.clients()['pppoe-client'][0]!.running !== 'true'; i++) await new Promise((r) => setTimeout(r, 10));
    const list = JSON.parse((await get('/rest/ip/address?interface=pppoe-out1')).text) as Record<string, string>[];
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ address: '100.64.9.2/32', network: '100.64.9.1', dynamic: 'true' });
    expect(Object.keys(list[0]!).sort()).to.deep.equal(Object.keys(json('rest-ip-address-item.json') as object).sort());
  });
});
