import { expect } from 'chai';
import fc from 'fast-check';
import { NotFoundError, ProtocolError, RouterctlError } from '../../../src/core/errors.js';
import {
  findInDump,
  needsExplicitUp,
  parseInterfaceDump,
  parseInterfaceStatus,
  parseJsonText,
  parseSystemBoard,
  parseSystemInfo,
  parseUciChanges,
  parseUciExport,
  parseUciPackage,
  parseUciSection,
  parseUciShow,
  pickWanSection,
  toWanSettings,
} from '../../../drivers/openwrt/parse.js';
import { published, realCli, realData, realText } from './fixtures.js';

const plain = (o: object): unknown => JSON.parse(JSON.stringify(o));

const WAN_OPTIONS = {
  device: 'wan',
  proto: 'l2tp',
  server: 'tp.internet.beeline.ru',
  username: '089xxxxxxx',
  password: 'oldpass',
  ipv6: 'auto',
};
const WAN_SETTINGS = {
  interface: 'wan',
  proto: 'l2tp',
  username: '089xxxxxxx',
  server: 'tp.internet.beeline.ru',
  hasPassword: true,
};
const SPECIAL_CLI = 'it\'s "q" a b$HOME;echo pwned\\x';

describe('openwrt parse: rpcd uci get (real recordings)', () => {
  it('13: uci get network.wan → section and WAN settings', () => {
    const s = parseUciSection('wan', realData('13'));
    expect(s).to.not.equal(undefined);
    expect(plain(s!)).to.deep.equal({ name: 'wan', type: 'interface', anonymous: false, index: 0, options: WAN_OPTIONS });
    expect(toWanSettings(s!)).to.deep.equal(WAN_SETTINGS);
    expect(toWanSettings(s!, { withPassword: true })).to.deep.equal({ ...WAN_SETTINGS, password: 'oldpass' });
  });

  it('12: uci get network → sections in package order, anonymous device with a list, WAN picked', () => {
    const sections = parseUciPackage(realData('12'));
    expect(sections.map((s) => s.name)).to.deep.equal(['loopback', 'globals', 'cfg030f15', 'lan', 'wan', 'wan6']);
    const dev = sections[2]!;
    expect(dev.anonymous).to.equal(true);
    expect(dev.type).to.equal('device');
    expect(plain(dev.options)).to.deep.equal({ name: 'br-lan', type: 'bridge', ports: ['lan1', 'lan2', 'lan3', 'lan4'] });
    const wan = pickWanSection(sections);
    expect(plain(wan.options)).to.deep.equal(WAN_OPTIONS);
    expect(toWanSettings(wan)).to.deep.equal(WAN_SETTINGS);
  });

  it('15: uci get filtered by type interface parses the same way', () => {
    const sections = parseUciPackage(realData('15'));
    expect(sections.every((s) => s.type === 'interface')).to.equal(true);
    expect(pickWanSection(sections).name).to.equal('wan');
  });

  it('16: a missing section ([0] without data) is undefined, not an error', () => {
    expect(realData('16')).to.equal(undefined);
    expect(parseUciSection('vpn0', realData('16'))).to.equal(undefined);
  });

  it('32 and 37: values after commit, including the special-character password', () => {
    expect(toWanSettings(parseUciSection('wan', realData('32'))!).proto).to.equal('l2tp');
    expect((realData('37') as { value: string }).value).to.equal('p\'a"s s$HOME;x\\y');
  });

  it('24, 35, cli-27: uci changes', () => {
    expect(parseUciChanges(realData('24'))).to.deep.equal([['set', 'wan', 'password', 'newpass1']]);
    expect(parseUciChanges(realData('35'))).to.deep.equal([['set', 'wan', 'password', 'p\'a"s s$HOME;x\\y']]);
    expect(parseUciChanges(realData('cli-27'))).to.deep.equal([]);
    expect(parseUciChanges(realData('21'))).to.deep.equal([]);
    expect(parseUciChanges(realData('42'))).to.have.length(9);
  });

  it('picks the first dialling interface when there is no network.wan (multi-WAN builds)', () => {
    const sections = parseUciShow(published('uci-show-network-pppoe-wan1.txt'));
    const wan = pickWanSection(sections);
    expect(toWanSettings(wan)).to.deep.equal({ interface: 'wan1', proto: 'pppoe', username: 'fti/xxxxxxx', hasPassword: true });
  });

  it('no WAN at all → NotFoundError; dhcp/odd protos map to proto and rawProto', () => {
    const lanOnly = parseUciPackage({ values: { lan: { '.type': 'interface', '.name': 'lan', proto: 'static' } } });
    expect(() => pickWanSection(lanOnly)).to.throw(NotFoundError);
    const odd = parseUciSection('wan', { values: { '.type': 'interface', proto: 'pppoa', mtu: '1480', password: '' } })!;
    expect(toWanSettings(odd)).to.deep.equal({ interface: 'wan', proto: 'other', rawProto: 'pppoa', mtu: 1480, hasPassword: false });
    const dhcp = parseUciSection('wan', { values: { '.type': 'interface', proto: 'dhcp', mtu: 'big' } })!;
    expect(toWanSettings(dhcp)).to.deep.equal({ interface: 'wan', proto: 'dhcp', hasPassword: false });
  });
});

describe('openwrt parse: netifd interface status (real recordings)', () => {
  it('91: wan status up (dummy netifd, no addresses)', () => {
    expect(parseInterfaceStatus(realData('91'))).to.deep.equal({ state: 'up', uptimeSeconds: 10 });
  });

  it('93: lan status up with its IPv4 address', () => {
    expect(parseInterfaceStatus(realData('93'))).to.deep.equal({ state: 'up', ipv4: '192.168.1.1', uptimeSeconds: 10 });
  });

  it('92: dump → the wan entry, and the lan entry', () => {
    expect(parseInterfaceDump(realData('92'), 'wan')).to.deep.equal({ state: 'up', uptimeSeconds: 10 });
    expect(parseInterfaceDump(realData('92'), 'lan')).to.deep.equal({ state: 'up', ipv4: '192.168.1.1', uptimeSeconds: 10 });
    expect(() => findInDump(realData('92'), 'vpn0')).to.throw(NotFoundError);
  });

  it('94 → 95: after down the interface is disabled and needs an explicit up', () => {
    expect(realData('94')).to.equal(undefined);
    expect(parseInterfaceStatus(realData('95'))).to.deep.equal({ state: 'down', reason: 'disabled' });
    expect(needsExplicitUp(realData('95'))).to.equal(true);
    expect(needsExplicitUp(realData('91'))).to.equal(false);
  });

  it('published ifstatus errors: AUTH_TOPEER_FAILED → auth_failed', () => {
    const data = JSON.parse(published('ifstatus-errors-auth-topeer-failed.json')) as unknown;
    expect(parseInterfaceStatus(data)).to.deep.equal({ state: 'down', reason: 'auth_failed', rawErrors: ['AUTH_TOPEER_FAILED'] });
  });

  it('the doc §5.2 PPPoE example: address, gateway from the default route, DNS', () => {
    const st = {
      up: true, pending: false, available: true, autostart: true, uptime: 16448, l3_device: 'pppoe-wan', proto: 'pppoe',
      'ipv4-address': [{ address: '100.67.227.167', mask: 32, ptpaddress: '100.67.227.1' }],
      route: [{ target: '0.0.0.0', mask: 0, nexthop: '100.67.227.1', source: '0.0.0.0/0' }],
      'dns-server': ['202.96.134.33'],
    };
    expect(parseInterfaceStatus(st)).to.deep.equal({
      state: 'up', ipv4: '100.67.227.167', gateway: '100.67.227.1', dns: ['202.96.134.33'], uptimeSeconds: 16448,
    });
  });

  const down = { up: false, pending: false, available: true, autostart: true };
  const cases: Array<[string, object, object]> = [
    ['AUTH_FAILED (older ppp.sh)', { ...down, errors: [{ subsystem: 'pppoe', code: 'AUTH_FAILED' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['AUTH_FAILED'] }],
    ['CONNECT_FAILED', { ...down, errors: [{ subsystem: 'pppoe', code: 'CONNECT_FAILED' }] }, { state: 'down', reason: 'server_unreachable', rawErrors: ['CONNECT_FAILED'] }],
    ['NO_DEVICE', { ...down, errors: [{ subsystem: 'interface', code: 'NO_DEVICE' }] }, { state: 'down', reason: 'no_carrier', rawErrors: ['NO_DEVICE'] }],
    ['available:false', { ...down, available: false }, { state: 'down', reason: 'no_carrier' }],
    ['NEGOTIATION_FAILED', { ...down, errors: [{ subsystem: 'pppoe', code: 'NEGOTIATION_FAILED' }] }, { state: 'down', reason: 'negotiation_failed', rawErrors: ['NEGOTIATION_FAILED'] }],
    ['PEER_DEAD', { ...down, errors: [{ subsystem: 'pppoe', code: 'PEER_DEAD' }] }, { state: 'down', reason: 'negotiation_failed', rawErrors: ['PEER_DEAD'] }],
    ['HANGUP', { ...down, errors: [{ subsystem: 'pppoe', code: 'HANGUP' }] }, { state: 'down', reason: 'negotiation_failed', rawErrors: ['HANGUP'] }],
    ['bare pppd exit 19', { ...down, errors: [{ subsystem: 'pppoe', code: '19' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['19'] }],
    ['pending → connecting', { ...down, pending: true }, { state: 'connecting' }],
    ['pending while pppd redials after an auth failure', { ...down, pending: true, errors: [{ code: 'AUTH_TOPEER_FAILED' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['AUTH_TOPEER_FAILED'] }],
    ['authfail block (autostart false + auth error)', { ...down, autostart: false, errors: [{ code: 'AUTH_TOPEER_FAILED' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['AUTH_TOPEER_FAILED'] }],
    ['auth beats hangup', { ...down, errors: [{ code: 'HANGUP' }, { code: 'AUTH_TOPEER_FAILED' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['HANGUP', 'AUTH_TOPEER_FAILED'] }],
    ['unknown error code', { ...down, errors: [{ code: 'INVALID_PROTO' }] }, { state: 'down', reason: 'unknown', rawErrors: ['INVALID_PROTO'] }],
    ['error data is never copied', { ...down, errors: [{ code: 'AUTH_TOPEER_FAILED', data: ['secret remote message'] }, { code: 'free text with spaces' }] }, { state: 'down', reason: 'auth_failed', rawErrors: ['AUTH_TOPEER_FAILED'] }],
  ];
  for (const [name, input, expected] of cases) {
    it(`maps ${name}`, () => expect(parseInterfaceStatus(input)).to.deep.equal(expected));
  }
});

describe('openwrt parse: uci CLI text (real recordings)', () => {
  it('cli-01: uci show network.wan', () => {
    const [wan] = parseUciShow(realCli('cli-01').stdout);
    expect(wan!.name).to.equal('wan');
    expect(wan!.type).to.equal('interface');
    expect(plain(wan!.options)).to.deep.equal(WAN_OPTIONS);
  });

  it('cli-02 and cli-03: uci show network (@device[0] and cfg ids), lists as arrays', () => {
    for (const f of ['cli-02', 'cli-03']) {
      const sections = parseUciShow(realCli(f).stdout);
      expect(sections.map((s) => s.type)).to.deep.equal(['interface', 'globals', 'device', 'interface', 'interface', 'interface']);
      expect(sections[2]!.anonymous).to.equal(true);
      expect(sections[2]!.options.ports).to.deep.equal(['lan1', 'lan2', 'lan3', 'lan4']);
      expect(toWanSettings(pickWanSection(sections))).to.deep.equal(WAN_SETTINGS);
    }
  });

  it('cli-15 and cli-23: shell-quoted special characters and an embedded newline', () => {
    expect(parseUciShow(`network.wan=interface\n${realCli('cli-15').stdout}`)[0]!.options.password).to.equal(SPECIAL_CLI);
    expect(parseUciShow(`network.wan=interface\n${realCli('cli-23').stdout}`)[0]!.options.password).to.equal('line1\nline2');
  });

  it('cli-19: uci export network (file syntax) after committing the special password', () => {
    const { package: pkg, sections } = parseUciExport(realCli('cli-19').stdout);
    expect(pkg).to.equal('network');
    expect(sections.map((s) => s.name)).to.deep.equal(['loopback', 'globals', '@device[0]', 'lan', 'wan', 'wan6']);
    expect(sections[2]!.options.ports).to.deep.equal(['lan1', 'lan2', 'lan3', 'lan4']);
    const wan = pickWanSection(sections);
    expect(toWanSettings(wan, { withPassword: true })).to.deep.equal({ ...WAN_SETTINGS, password: SPECIAL_CLI });
  });

  it('44 and cli-18: the on-disk file quoting written by rpcd and by the CLI', () => {
    const rpcd = parseUciExport(`package network\n${realText('44')}`);
    expect(rpcd.sections[0]!.options.password).to.equal('p\'a"s s$HOME;x\\y');
    const cli = parseUciExport(`package network\n${realCli('cli-18').stdout}`);
    expect(cli.sections[0]!.options.password).to.equal(SPECIAL_CLI);
  });

  it('74: the network file read through rpcd file.read parses the same as uci get', () => {
    const text = (realData('74') as { data: string }).data;
    const fromFile = parseUciExport(`package network\n${text}`).sections;
    const fromGet = parseUciPackage(realData('12'));
    expect(plain(pickWanSection(fromFile).options)).to.deep.equal(plain(pickWanSection(fromGet).options));
  });

  it('cli-31: batch-written values read back', () => {
    const [wan] = parseUciShow(realCli('cli-31').stdout.split('\n').slice(1).join('\n'));
    expect(wan!.options.password).to.equal('batch pass;$x');
    expect(wan!.options.mtu).to.equal('1460');
    expect(toWanSettings(wan!).mtu).to.equal(1460);
  });
});

describe('openwrt parse: system', () => {
  it('system board of an OpenWrt One (published)', () => {
    const body = JSON.parse(published('ubus-system-board-openwrt-one-25.12.0-rc1.json')) as { result: unknown[] };
    expect(parseSystemBoard(body.result[1])).to.deep.equal({
      model: 'OpenWrt One',
      hostname: 'ap.host',
      firmware: 'OpenWrt 25.12.0-rc1 r32353-9e9b05130c',
    });
  });

  it('older board replies without description; system info uptime', () => {
    expect(parseSystemBoard({ model: 'TP-Link Archer C7 v2', release: { distribution: 'OpenWrt', version: '19.07.10', revision: 'r11427' } }))
      .to.deep.equal({ model: 'TP-Link Archer C7 v2', firmware: 'OpenWrt 19.07.10 r11427' });
    expect(parseSystemInfo({ uptime: 1234.9, localtime: 1 })).to.deep.equal({ uptimeSeconds: 1234 });
    expect(parseSystemInfo({})).to.deep.equal({});
  });
});

describe('openwrt parse: malformed input → ProtocolError', () => {
  const bad: Array<[string, () => unknown]> = [
    ['uci get without values', () => parseUciPackage({})],
    ['uci get with a non-object section', () => parseUciPackage({ values: { wan: 'x' } })],
    ['uci get with a numeric option', () => parseUciPackage({ values: { wan: { '.type': 'interface', mtu: 1500 } } })],
    ['uci get with a bad section name', () => parseUciPackage({ values: { 'w an': { '.type': 'interface' } } })],
    ['uci get with __proto__ option', () => parseUciSection('wan', JSON.parse('{"values":{".type":"interface","__proto__":"x"}}'))],
    ['status not an object', () => parseInterfaceStatus('up')],
    ['status without up/errors', () => parseInterfaceStatus({})],
    ['status with string up', () => parseInterfaceStatus({ up: 'yes' })],
    ['status with errors not a list', () => parseInterfaceStatus({ up: false, errors: 'AUTH' })],
    ['dump without interface array', () => parseInterfaceDump({ interface: {} }, 'wan')],
    ['changes not an array', () => parseUciChanges({ changes: 'set' })],
    ['changes entry not strings', () => parseUciChanges({ changes: [[1, 2]] })],
    ['export without package', () => parseUciExport("config interface 'wan'\n")],
    ['export with unterminated quote', () => parseUciExport("package network\nconfig interface 'wan\n")],
    ['export option before config', () => parseUciExport("package network\noption proto 'x'\n")],
    ['export unknown statement', () => parseUciExport('package network\nfrobnicate\n')],
    ['show without =', () => parseUciShow('network.wan\n')],
    ['show option before section', () => parseUciShow("network.wan.proto='x'\n")],
    ['show bad key', () => parseUciShow("network..x='y'\n")],
    ['ifstatus text not JSON', () => parseJsonText('Interface wan not found', 'ifstatus')],
    ['board not an object', () => parseSystemBoard([1])],
  ];
  for (const [name, fn] of bad) {
    it(name, () => expect(fn).to.throw(ProtocolError));
  }

  it('a JSON excerpt in an error is short and single-line', () => {
    try {
      parseJsonText(`${'x'.repeat(5000)}\n\u0000`, 'ifstatus');
      expect.fail('should throw');
    } catch (err) {
      const ex = (err as ProtocolError).details.excerpt as string;
      expect(ex.length).to.be.at.most(121);
      expect(ex.includes('\n') || ex.includes('\u0000')).to.equal(false);
    }
  });
});

describe('openwrt parse: properties', () => {
  const onlyRouterctl = (fn: () => unknown): boolean => {
    try {
      fn();
      return true;
    } catch (err) {
      return err instanceof RouterctlError;
    }
  };
  const jsonParsers: Array<(v: unknown) => unknown> = [
    (v) => parseUciPackage(v),
    (v) => parseUciSection('wan', v),
    (v) => parseUciChanges(v),
    (v) => parseInterfaceStatus(v),
    (v) => parseInterfaceDump(v, 'wan'),
    (v) => needsExplicitUp(v),
    (v) => parseSystemBoard(v),
    (v) => parseSystemInfo(v),
    (v) => toWanSettings(pickWanSection(parseUciPackage(v))),
  ];
  const textParsers: Array<(t: string) => unknown> = [
    (t) => parseUciExport(t),
    (t) => parseUciShow(t),
    (t) => parseJsonText(t, 'x'),
    (t) => toWanSettings(pickWanSection(parseUciShow(t))),
  ];

  it('JSON parsers throw nothing but RouterctlError on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => jsonParsers.every((p) => onlyRouterctl(() => p(v)))), { numRuns: 500 });
  });

  it('JSON parsers survive shapes close to the real ones', () => {
    const section = fc.dictionary(fc.oneof(fc.constantFrom('.type', '.name', '.index', 'proto', 'password', '__proto__'), fc.string()), fc.jsonValue());
    const pkg = fc.record({ values: fc.dictionary(fc.string(), section) });
    const status = fc.record(
      { up: fc.jsonValue(), pending: fc.jsonValue(), errors: fc.array(fc.record({ code: fc.jsonValue() })), 'ipv4-address': fc.jsonValue(), route: fc.jsonValue() },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.oneof(pkg, status, fc.record({ interface: fc.array(status) })), (v) => jsonParsers.every((p) => onlyRouterctl(() => p(v)))), {
      numRuns: 500,
    });
  });

  it('text parsers throw nothing but RouterctlError on arbitrary text and on cut/mutated real output', () => {
    const real = [realCli('cli-19').stdout, realCli('cli-02').stdout, realCli('cli-15').stdout];
    const mutated = fc
      .tuple(fc.constantFrom(...real), fc.nat(), fc.nat(), fc.string({ unit: 'binary' }))
      .map(([t, a, b, ins]) => {
        const i = a % (t.length + 1);
        const j = Math.min(t.length, i + (b % 40));
        return t.slice(0, i) + ins + t.slice(j);
      });
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), mutated), (t) => textParsers.every((p) => onlyRouterctl(() => p(t)))), {
      numRuns: 1000,
    });
  });
});
