import { expect } from 'chai';
import fc from 'fast-check';
import { ProtocolError, RouterctlError, UnsupportedError } from '../../../src/core/errors.js';
import {
  connectedOf,
  interfaceConfigOf,
  parseCliResult,
  parseCliShow,
  parseInterfaceList,
  parseInterfaceStatus,
  parseJsonText,
  parseLog,
  parsePppConfig,
  parseSystem,
  parseVersion,
  pickWan,
  recordsFor,
  routerInfo,
  statusEntries,
  statusError,
  toIfaceStatus,
  toWanSettings,
  wanStatusOf,
  type IfaceStatus,
  type LogRecord,
} from '../../../drivers/keenetic/parse.js';
import { backupOf, wanOfBackup } from '../../../drivers/keenetic/settings.js';
import { fixtureJson, fixtureText } from './fixtures.js';

// Shapes from doc §4.1 (fields seen in real output and in maintained integrations).
const PPPOE_UP = {
  id: 'PPPoE0',
  index: 0,
  'interface-name': 'PPPoE0',
  type: 'PPPoE',
  description: 'Internet',
  link: 'up',
  connected: 'yes',
  state: 'up',
  mtu: 1492,
  global: true,
  defaultgw: true,
  priority: 65534,
  role: ['inet'],
  'security-level': 'public',
  address: '100.64.12.34',
  mask: '255.255.255.255',
  uptime: 42,
  via: 'GigabitEthernet1',
  remote: '100.64.0.1',
  summary: { layer: { conf: 'running', link: 'running', ipv4: 'running', ipv6: 'disabled', ctrl: 'running' } },
};
const PPPOE_PENDING = {
  ...PPPOE_UP,
  link: 'down',
  connected: 'no',
  defaultgw: false,
  address: undefined,
  remote: undefined,
  uptime: undefined,
  summary: { layer: { conf: 'running', link: 'pending', ipv4: 'pending', ipv6: 'disabled', ctrl: 'running' } },
};
const CARRIER_UP = { id: 'GigabitEthernet1', type: 'GigabitEthernet', 'interface-name': 'ISP', link: 'up', connected: 'yes', state: 'up', global: false };

function rec(id: number, ident: string, message: string): LogRecord {
  return { id, ident, message };
}

describe('keenetic parsers: status objects (doc §3.1)', () => {
  it('a 200 reply with "status": "error" is a typed error (fixture rci-status-error-no-such-command.json)', () => {
    const err = statusError(fixtureJson('rci-status-error-no-such-command.json'), 'GET /rci/foo');
    expect(err).to.be.instanceOf(UnsupportedError);
    expect(err!.message).to.contain('no such command: foo.');
    expect(err!.details.rciErrors).to.deep.equal([{ code: '7405600', ident: 'Command::Base', message: 'no such command: foo.', at: '.' }]);
  });

  it('the captured batch reply has only messages, found at every depth (fixture rci-batch-*.response.json)', () => {
    const reply = fixtureJson('rci-batch-l2tp-pingcheck-save.response.json');
    expect(statusError(reply, 'batch')).to.equal(undefined);
    const all = statusEntries(reply);
    expect(all.map((s) => s.code)).to.deep.equal([
      '6553601', '72220675', '41615361', '1900551', '1900549', '1900553', '1900545', '1900567', '1900556', '41615363', '8912996',
    ]);
    expect(all.at(-1)).to.deep.include({ status: 'message', ident: 'Core::System::StartupConfig', message: 'saving (http/rci).', at: '[3].system.configuration.save' });
    expect(all[1]!.at).to.equal('[0].interface.ip.address[0]');
  });

  it('other captured replies are messages', () => {
    for (const f of [
      'rci-post-interface-bridge1-down.response.json',
      'rci-post-interface-create-pptp0.response.json',
      'rci-post-ip-http-security-level.response.json',
      'rci-post-system-reboot.response.json',
    ]) {
      const reply = fixtureJson(f);
      expect(statusError(reply, f), f).to.equal(undefined);
      expect(statusEntries(reply), f).to.have.length(1);
    }
  });

  it('errors and criticals deep in a batch fail it; values we sent are redacted', () => {
    const reply = [
      { interface: { authentication: { password: { status: [{ status: 'error', code: '7405602', ident: 'Command::Base', message: 'bad value "s3cr3t!"' }] } } } },
      { system: { configuration: { save: { status: [{ status: 'critical', code: '1', ident: 'Core', message: 'flash failure' }] } } } },
    ];
    const err = statusError(reply, 'batch', ['s3cr3t!']);
    expect(err).to.be.instanceOf(ProtocolError);
    expect(JSON.stringify({ m: err!.message, d: err!.details })).to.not.contain('s3cr3t!');
    expect((err!.details.rciErrors as unknown[]).length).to.equal(2);
  });
});

describe('keenetic parsers: show version / show system', () => {
  it('show system (fixture rci-show-system.response.json)', () => {
    expect(parseSystem(fixtureJson('rci-show-system.response.json'))).to.deep.equal({ hostname: 'Keenetic-1575', uptimeSeconds: 942 });
  });

  it('the CLI show version of a ZyXEL Keenetic 4G III (fixture cli-show-version-keenetic-4g-iii.txt)', () => {
    const tree = parseCliShow(fixtureText('cli-show-version-keenetic-4g-iii.txt'));
    expect(tree.release).to.equal('v2.08(AAUR.4)C2');
    expect(tree.ndm).to.deep.equal({ exact: '0-df82a04', cdate: '16 Oct 2017' });
    expect(tree.ndw).to.deep.include({ version: '4.2.0.166', features: 'wifi_button,single_usb_port,nopack,flexible_menu,emulate_firmware_progress' });
    expect(tree.class).to.equal('Internet Center');
    const v = parseVersion(tree);
    expect(v.model).to.equal('Keenetic 4G III');
    expect(v.firmware).to.equal('v2.08(AAUR.4)C2');
    expect(v.components).to.include.members(['pppoe', 'l2tp', 'pptp', 'pingcheck', 'base-ZyXEL-Intl']);
    expect(v.components).to.have.length(47);
    expect(routerInfo(v, { hostname: 'h', uptimeSeconds: 1 })).to.deep.equal({
      family: 'keenetic',
      vendor: 'Keenetic',
      model: 'Keenetic 4G III',
      firmware: 'v2.08(AAUR.4)C2',
      hostname: 'h',
      uptimeSeconds: 1,
    });
  });

  it('KeeneticOS version JSON (doc §1 fields): model with the KN number', () => {
    const v = parseVersion({ release: '5.01.A.0.0-0', device: 'Keenetic Hopper', hw_id: 'KN-3810', ndw: { components: 'base, ppp ,l2tp' } });
    expect(v).to.deep.equal({ model: 'Keenetic Hopper (KN-3810)', firmware: '5.01.A.0.0-0', components: ['base', 'ppp', 'l2tp'] });
  });

  it('bad shapes are ProtocolErrors', () => {
    expect(() => parseVersion([])).to.throw(ProtocolError);
    expect(() => parseVersion({ device: 'x' })).to.throw(ProtocolError, /release/);
    expect(() => parseSystem('x')).to.throw(ProtocolError);
    expect(() => parseJsonText('<html>', 'x')).to.throw(ProtocolError);
    expect(() => parseJsonText('', 'x')).to.throw(ProtocolError);
  });
});

describe('keenetic parsers: CLI lines (doc §5.3)', () => {
  it('result lines (fixtures cli-command-result-*.txt)', () => {
    const ok = parseCliResult(fixtureText('cli-command-result-ok-lines.txt'));
    expect(ok.ok).to.equal(true);
    expect(ok.messages.map((m) => m.ident)).to.deep.equal(['Network::Interface::Base', 'Core::System::StartupConfig']);
    const bad = parseCliResult(fixtureText('cli-command-result-error-lines.txt'));
    expect(bad.ok).to.equal(false);
    expect(bad.messages.map((m) => [m.ident, m.code])).to.deep.equal([
      ['Command::Base', '7405602'],
      ['Core::Configurator', '1179653'],
      ['Network::Interface::Base', '6553609'],
    ]);
    expect(bad.messages[0]!.message).to.equal('argument parse error.');
  });

  it('CLI show interface layout (fixture cli-show-interface-wifimaster0-accesspoint0.txt)', () => {
    const tree = parseCliShow(fixtureText('cli-show-interface-wifimaster0-accesspoint0.txt'));
    const s = toIfaceStatus('WifiMaster0/AccessPoint0', tree);
    expect(s).to.deep.include({ id: 'WifiMaster0/AccessPoint0', type: 'AccessPoint', link: 'up', connected: true, state: 'up', mtu: 1500, interfaceName: 'AccessPoint' });
    expect(tree.mac).to.equal('00:ff:00:00:00:00');
    expect(tree.encryption).to.equal('wpa2,wpa3');
  });
});

describe('keenetic parsers: interfaces and WAN (doc §4)', () => {
  const list = (extra: Record<string, unknown> = {}): IfaceStatus[] =>
    parseInterfaceList({
      GigabitEthernet1: CARRIER_UP,
      Bridge0: { id: 'Bridge0', type: 'Bridge', link: 'up', connected: 'yes', state: 'up', global: false, 'security-level': 'private' },
      PPPoE0: PPPOE_UP,
      ...extra,
    });

  it('the PPP uplink is the WAN; the carrier under it is not', () => {
    expect(pickWan(list()).id).to.equal('PPPoE0');
    const l2tp = { ...PPPOE_UP, id: 'L2TP0', type: 'L2TP', defaultgw: false, priority: 1000 };
    // The default gateway wins over a second PPP uplink.
    expect(pickWan(list({ L2TP0: l2tp })).id).to.equal('PPPoE0');
    // Without `role`, `global` with a priority still marks an uplink (doc §4.1).
    const bare = parseInterfaceList({ PPTP0: { id: 'PPTP0', type: 'PPTP', global: 'yes', priority: '100' }, GigabitEthernet1: CARRIER_UP });
    expect(pickWan(bare).id).to.equal('PPTP0');
  });

  it('an Ethernet uplink is a WAN without a password', () => {
    const eth = parseInterfaceList({ GigabitEthernet1: { ...CARRIER_UP, role: ['inet'], global: true, priority: 700 } });
    const wan = pickWan(eth);
    const s = toWanSettings(wan, { ip: { address: { dhcp: true } } });
    expect(s).to.deep.include({ interface: 'GigabitEthernet1', proto: 'dhcp', rawProto: 'GigabitEthernet', hasPassword: false });
  });

  it('no uplink at all is a ProtocolError', () => {
    expect(() => pickWan(parseInterfaceList({ Bridge0: { type: 'Bridge' } }))).to.throw(ProtocolError, /inet/);
  });

  it('booleans and `connected` across versions (doc §8)', () => {
    expect(connectedOf('yes')).to.equal(true);
    expect(connectedOf('no')).to.equal(false);
    expect(connectedOf(1729500000)).to.equal(true);
    expect(connectedOf('1729500000')).to.equal(true);
    expect(connectedOf(0)).to.equal(false);
    expect(connectedOf(undefined)).to.equal(false);
    expect(parseInterfaceStatus({ PPPoE0: { ...PPPOE_UP, global: 'true' } }, 'PPPoE0').global).to.equal(true);
  });

  it('interface configuration → WanSettings (doc §4.2 keys)', () => {
    const cfg = interfaceConfigOf(
      { L2TP0: { peer: 'tp.internet.beeline.ru', authentication: { identity: '089XXXXXXX', password: 'p"w' }, ip: { mtu: '1400' }, up: true } },
      'L2TP0',
    );
    const status = toIfaceStatus('L2TP0', { ...PPPOE_UP, id: 'L2TP0', type: 'L2TP' });
    expect(toWanSettings(status, cfg)).to.deep.equal({
      interface: 'L2TP0',
      proto: 'l2tp',
      rawProto: 'L2TP',
      username: '089XXXXXXX',
      server: 'tp.internet.beeline.ru',
      mtu: 1400,
      hasPassword: true,
    });
    expect(toWanSettings(status, cfg, { withPassword: true }).password).to.equal('p"w');
  });

  it('a masked password is known to exist but not readable', () => {
    const ppp = parsePppConfig({ authentication: { identity: 'u', password: '********' } });
    expect(ppp).to.deep.include({ password: undefined, passwordMasked: true });
    const b = backupOf('PPPoE0', 'PPPoE', ppp);
    expect(b.settings).to.deep.equal({ wan: { identity: 'u', interface: 'PPPoE0', passwordMasked: true, type: 'PPPoE' } });
    expect(wanOfBackup(b)).to.deep.include({ passwordMasked: true, password: undefined });
  });

  it('backups are deterministic and validated', () => {
    const ppp = parsePppConfig({ peer: 'vpn', authentication: { password: 'x', identity: 'u' } });
    expect(JSON.stringify(backupOf('L2TP0', 'L2TP', ppp))).to.equal(
      '{"family":"keenetic","format":1,"settings":{"wan":{"identity":"u","interface":"L2TP0","password":"x","peer":"vpn","type":"L2TP"}}}',
    );
    expect(() => wanOfBackup({ family: 'openwrt', format: 1, settings: {} })).to.throw(RouterctlError, /not a Keenetic backup/);
    expect(() => wanOfBackup({ family: 'keenetic', format: 1, settings: { wan: { interface: '../x', type: 'PPPoE' } } })).to.throw(RouterctlError);
    expect(() => wanOfBackup({ family: 'keenetic', format: 1, settings: { wan: { interface: 'PPPoE0', type: 'PPPoE', extra: 1 } } })).to.throw(RouterctlError);
  });

  it('configuration of another interface, or an error reply, is refused', () => {
    expect(() => interfaceConfigOf({ PPPoE1: { up: true } }, 'PPPoE0')).to.throw(ProtocolError);
    expect(() => interfaceConfigOf(fixtureJson('rci-status-error-no-such-command.json'), 'PPPoE0')).to.throw(UnsupportedError);
    expect(() => parsePppConfig({ authentication: 'x' })).to.throw(ProtocolError);
    expect(() => parsePppConfig({ authentication: { password: [1] } })).to.throw(ProtocolError);
  });
});

describe('keenetic parsers: log and WAN status (doc §4.3, §6, §7)', () => {
  const iface = (raw: object): IfaceStatus => toIfaceStatus('PPPoE0', raw);
  const carrier = toIfaceStatus('GigabitEthernet1', CARRIER_UP);

  it('show log shape (doc §4.3)', () => {
    const log = parseLog({
      log: {
        '1': { timestamp: 'May 24 18:14:54', ident: 'pppd[1]', id: 12, message: { level: 'Error', label: 'E', message: 'PAP authentication failed' } },
        '0': { timestamp: 'May 24 18:14:53', ident: 'ndm', id: 11, message: { level: 'Info', label: 'I', message: 'Network::Interface::Base: "PPPoE0": interface is up.' } },
        '2': 'junk',
      },
      continued: false,
    });
    expect(log.map((r) => r.id)).to.deep.equal([11, 12]);
    expect(log[1]).to.deep.include({ ident: 'pppd[1]', level: 'Error', message: 'PAP authentication failed' });
    expect(parseLog({})).to.deep.equal([]);
    expect(() => parseLog({ log: 5 })).to.throw(ProtocolError);
  });

  it('up, connecting, disabled (doc §6)', () => {
    expect(wanStatusOf({ iface: iface(PPPOE_UP), log: [] })).to.deep.equal({ state: 'up', ipv4: '100.64.12.34', gateway: '100.64.0.1', uptimeSeconds: 42 });
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), carrier, log: [] })).to.deep.equal({ state: 'connecting' });
    expect(wanStatusOf({ iface: iface({ ...PPPOE_PENDING, state: 'down' }), log: [] })).to.deep.equal({ state: 'down', reason: 'disabled' });
    expect(wanStatusOf({ iface: iface({ ...PPPOE_PENDING, summary: { layer: { conf: 'disabled' } } }), log: [] }).reason).to.equal('disabled');
    // Newer builds: `connected` is a timestamp (doc §4.1).
    expect(wanStatusOf({ iface: iface({ ...PPPOE_UP, connected: 1729500000 }), log: [] }).state).to.equal('up');
  });

  it('no carrier: the carrier link is down (doc §7.3)', () => {
    const down = toIfaceStatus('GigabitEthernet1', { ...CARRIER_UP, link: 'down', connected: 'no' });
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), carrier: down, log: [] })).to.deep.equal({
      state: 'down',
      reason: 'no_carrier',
      rawErrors: ['GigabitEthernet1: link down'],
    });
  });

  it('auth failure: pending plus an auth log line since the last reset, sticky while redialling (doc §7)', () => {
    const log = [
      rec(1, 'ndm', 'Network::Interface::Base: "PPPoE0": interface is up.'),
      rec(2, 'pppd[1200]', 'Remote message: Authentication failed'),
      rec(3, 'pppd[1200]', 'PAP authentication failed'),
      rec(4, 'ndm', 'Http::Manager: something else'),
    ];
    const related = recordsFor(log, 'PPPoE0', true);
    expect(related.map((r) => r.id)).to.deep.equal([1, 2, 3]);
    const s = wanStatusOf({ iface: iface(PPPOE_PENDING), carrier, log: related });
    expect(s).to.deep.equal({ state: 'down', reason: 'auth_failed', rawErrors: ['Remote message: Authentication failed', 'PAP authentication failed'] });
    // Several PPP interfaces: a bare pppd line cannot be attributed.
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), carrier, log: recordsFor(log, 'PPPoE0', false) })).to.deep.equal({ state: 'connecting' });
  });

  it('a failure before the last down/up, or before a success, no longer counts', () => {
    const before = [rec(1, 'pppd', 'CHAP authentication failed'), rec(2, 'ndm', '"PPPoE0": interface is down.'), rec(3, 'ndm', '"PPPoE0": interface is up.')];
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), log: recordsFor(before, 'PPPoE0', true) }).state).to.equal('connecting');
    const healed = [rec(1, 'pppd', 'PAP authentication failed'), rec(2, 'pppd', 'local  IP address 100.64.1.2'), rec(3, 'pppd', 'LCP terminated by peer')];
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), log: recordsFor(healed, 'PPPoE0', true) }).state).to.equal('connecting');
  });

  it('server unreachable from the log', () => {
    const log = [rec(1, 'pppd[7]', 'Timeout waiting for PADO packets')];
    expect(wanStatusOf({ iface: iface(PPPOE_PENDING), carrier, log: recordsFor(log, 'PPPoE0', true) }).reason).to.equal('server_unreachable');
  });
});

describe('keenetic parsers: arbitrary input', () => {
  const onlyTyped = (fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof RouterctlError)) throw err;
    }
  };
  const json = fc.jsonValue({ maxDepth: 5 });
  const ifaceLike = fc.record(
    {
      id: fc.oneof(fc.string(), fc.integer()),
      type: fc.constantFrom('PPPoE', 'L2TP', 'GigabitEthernet', 'x', ''),
      link: fc.oneof(fc.constantFrom('up', 'down', 'pending'), json),
      connected: json,
      state: json,
      role: json,
      global: json,
      priority: json,
      address: json,
      via: json,
      summary: json,
    },
    { requiredKeys: [] },
  );

  it('never throws anything but a RouterctlError', () => {
    fc.assert(
      fc.property(json, fc.string(), ifaceLike, (j, text, raw) => {
        onlyTyped(() => parseJsonText(text, 'x'));
        onlyTyped(() => parseVersion(j));
        onlyTyped(() => parseSystem(j));
        onlyTyped(() => parseInterfaceList(j));
        onlyTyped(() => parseInterfaceList({ PPPoE0: raw, X: j }));
        onlyTyped(() => pickWan(parseInterfaceList({ PPPoE0: raw })));
        onlyTyped(() => parseInterfaceStatus(j, 'PPPoE0'));
        onlyTyped(() => parsePppConfig(interfaceConfigOf(j, 'PPPoE0')));
        onlyTyped(() => toWanSettings(toIfaceStatus('PPPoE0', raw), interfaceConfigOf({ PPPoE0: j }, 'PPPoE0'), { withPassword: true }));
        onlyTyped(() => parseLog(j));
        onlyTyped(() => parseLog({ log: j }));
        onlyTyped(() => statusError(j, 'x'));
        onlyTyped(() => parseCliShow(text));
        onlyTyped(() => parseCliResult(text));
        onlyTyped(() => wanStatusOf({ iface: toIfaceStatus('PPPoE0', raw), carrier: undefined, log: recordsFor(parseLog({ log: j }), 'PPPoE0', true) }));
        onlyTyped(() => wanOfBackup({ family: 'keenetic', format: 1, settings: { wan: j } as Record<string, unknown> }));
      }),
      { numRuns: 400 },
    );
  });

  it('CLI text with key/value lines of any shape parses or fails typed', () => {
    const line = fc.tuple(fc.nat({ max: 20 }), fc.string({ maxLength: 12 }), fc.constantFrom(':', ': ', ''), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const text = lines.map(([n, k, sep, v]) => `${' '.repeat(n)}${k}${sep}${v}`).join('\n');
        onlyTyped(() => parseVersion(parseCliShow(text)));
      }),
      { numRuns: 300 },
    );
  });
});
