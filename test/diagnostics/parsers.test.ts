// Pure pieces: ping output, /proc/net/wireless, the router-side diagnostics parsers, address classes,
// ISP profiles (validation with file and key, selection), the lab's DNS wildcard.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lanSubnetsOf, parseSystemHealth, parseWanLink, wanDeviceName } from '../../drivers/openwrt/diag-parse.js';
import { healthOf } from '../../drivers/keenetic/session.js';
import type { UciSection } from '../../drivers/openwrt/parse.js';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { parseProcNetWireless } from '../../src/diagnostics/host.js';
import { builtinProfileDir, chooseProfile, hostMatches, loadIspProfiles, parseIspProfile } from '../../src/diagnostics/isp-profile.js';
import { parsePingOutput, pingArgs } from '../../src/diagnostics/net/ping.js';
import { serverAddress } from '../../src/diagnostics/net/dns.js';
import { addressClass, jitter, median, quantile } from '../../src/diagnostics/stats.js';
import { lookupRecord } from '../../src/lab/dns-server.js';

const IPUTILS = `PING 192.168.1.1 (192.168.1.1) 56(84) bytes of data.
64 bytes from 192.168.1.1: icmp_seq=1 ttl=64 time=0.512 ms
64 bytes from 192.168.1.1: icmp_seq=2 ttl=64 time=0.433 ms
64 bytes from 192.168.1.1: icmp_seq=2 ttl=64 time=0.601 ms (DUP!)
64 bytes from 192.168.1.1: icmp_seq=4 ttl=64 time=1.20 ms

--- 192.168.1.1 ping statistics ---
4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 3004ms
rtt min/avg/max/mdev = 0.433/0.715/1.200/0.341 ms
`;
const BUSYBOX = `PING 192.168.1.1 (192.168.1.1): 56 data bytes
64 bytes from 192.168.1.1: seq=0 ttl=64 time=0.389 ms
--- 192.168.1.1 ping statistics ---
2 packets transmitted, 1 packets received, 50% packet loss
`;
const MACOS = `PING 192.168.1.1 (192.168.1.1): 56 data bytes
64 bytes from 192.168.1.1: icmp_seq=0 ttl=64 time=3.912 ms
64 bytes from 192.168.1.1: icmp_seq=1 ttl=64 time=2.001 ms

--- 192.168.1.1 ping statistics ---
2 packets transmitted, 2 packets received, 0.0% packet loss
round-trip min/avg/max/stddev = 2.001/2.956/3.912/0.955 ms
`;
const FRAG = `PING 1.1.1.1 (1.1.1.1) 1472(1500) bytes of data.
ping: local error: message too long, mtu=1460

--- 1.1.1.1 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms
`;

describe('diagnostics: parsers', () => {
  it('reads iputils ping: replies by sequence, duplicates ignored, the summary counts', () => {
    const p = parsePingOutput(IPUTILS);
    expect(p.replies).to.deep.equal([
      { seq: 1, ms: 0.512 },
      { seq: 2, ms: 0.433 },
      { seq: 4, ms: 1.2 },
    ]);
    expect(p).to.include({ sent: 4, received: 3, fragNeeded: false });
  });

  it('reads busybox and macOS ping, and a DF probe refused for size', () => {
    expect(parsePingOutput(BUSYBOX)).to.deep.include({ sent: 2, received: 1, replies: [{ seq: 0, ms: 0.389 }] });
    expect(parsePingOutput(MACOS).replies.map((r) => r.ms)).to.deep.equal([3.912, 2.001]);
    expect(parsePingOutput(FRAG)).to.include({ fragNeeded: true, received: 0 });
  });

  it('builds ping arguments without a shell, with a deadline and DF when asked', () => {
    expect(pingArgs('192.168.1.1', { count: 10, intervalMs: 200, timeoutMs: 1000 }, 'linux')).to.deep.equal(['-n', '-c', '10', '-i', '0.2', '-W', '1', '-w', '4', '192.168.1.1']);
    expect(pingArgs('1.1.1.1', { count: 1, intervalMs: 100, timeoutMs: 1000, size: 1432, dontFragment: true }, 'linux')).to.include.members(['-M', 'do', '-s', '1432']);
    expect(pingArgs('1.1.1.1', { count: 1, intervalMs: 200, timeoutMs: 1000, dontFragment: true }, 'darwin')).to.include('-D');
  });

  it('reads /proc/net/wireless', () => {
    const text = 'Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n wlan0: 0000   54.  -56.  -256        0      0      0      0      0        0\n';
    expect(parseProcNetWireless(text)).to.deep.equal([{ iface: 'wlan0', quality: 54, signalDbm: -56 }]);
    expect(parseProcNetWireless('Inter-|\n face |\n')).to.deep.equal([]);
  });

  it('statistics: median, p95, jitter (mean |ΔRTT|), address classes', () => {
    expect(median([3, 1, 2, 10])).to.equal(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).to.equal(10);
    expect(jitter([10, 12, 9, 9])).to.equal((2 + 3 + 0) / 3);
    expect(['100.64.0.12', '10.1.2.3', '192.168.1.5', '8.8.8.8', '198.51.100.23', '127.0.0.1', '169.254.3.4'].map(addressClass)).to.deep.equal([
      'cgnat', 'private', 'private', 'public', 'documentation', 'loopback', 'link_local',
    ]);
  });

  it('resolver addresses get the configured port only when they carry none', () => {
    expect(serverAddress('8.8.8.8', 53)).to.equal('8.8.8.8');
    expect(serverAddress('127.0.1.1', 5353)).to.equal('127.0.1.1:5353');
    expect(serverAddress('127.0.1.1:40000', 5353)).to.equal('127.0.1.1:40000');
    expect(serverAddress('::1', 5353)).to.equal('[::1]:5353');
  });

  it('OpenWrt: WAN link from netifd device status; an unavailable interface with NO_DEVICE is no carrier', () => {
    expect(parseWanLink({ carrier: true, speed: '1000F' }, { up: true }, 'wan')).to.deep.equal({ device: 'wan', carrier: true, speedMbps: 1000, fullDuplex: true });
    expect(parseWanLink({ carrier: true, speed: '10H' }, {}, 'wan')).to.include({ speedMbps: 10, fullDuplex: false });
    expect(parseWanLink({ carrier: true }, { up: false, available: false, errors: [{ subsystem: 'interface', code: 'NO_DEVICE' }] })).to.include({ carrier: false });
    expect(parseWanLink(undefined, 'garbage')).to.deep.equal({});
    const section: UciSection = { name: 'wan', type: 'interface', anonymous: false, index: 0, options: { device: 'wan', proto: 'l2tp' } };
    expect(wanDeviceName({ l3_device: 'l2tp-wan' }, section)).to.equal('wan');
    expect(wanDeviceName({ device: 'eth1' })).to.equal('eth1');
    expect(wanDeviceName({ device: "x'; rm -rf /" })).to.equal(undefined);
  });

  it('OpenWrt: health from system info (load fixed-point, local clock), LAN subnets from uci', () => {
    const h = parseSystemHealth({ localtime: 1_700_000_000, uptime: 3600, load: [131072, 0, 0], memory: { total: 1000, free: 50, available: 400 } });
    expect(h).to.deep.equal({ uptimeSeconds: 3600, clockSeconds: 1_700_000_000, clockIsLocal: true, load1: 2, memTotalBytes: 1000, memAvailableBytes: 400 });
    expect(parseSystemHealth(null)).to.deep.equal({});
    const sec = (name: string, options: Record<string, string>): UciSection => ({ name, type: 'interface', anonymous: false, index: 0, options });
    expect(lanSubnetsOf([sec('loopback', { proto: 'static', ipaddr: '127.0.0.1' }), sec('lan', { proto: 'static', ipaddr: '192.168.1.1', netmask: '255.255.255.0' }), sec('guest', { proto: 'static', ipaddr: '10.0.0.1/16' }), sec('wan', { proto: 'dhcp' })])).to.deep.equal({
      subnets: [
        { address: '192.168.1.1', prefix: 24 },
        { address: '10.0.0.1', prefix: 16 },
      ],
    });
  });

  it('Keenetic: health from show system (memory used/total counts caches as free)', () => {
    expect(healthOf({ uptime: '42', cpuload: 3, memory: '72076/131072', memtotal: 131072, memfree: 7572 })).to.deep.equal({
      uptimeSeconds: 42,
      cpuLoadPercent: 3,
      memTotalBytes: 131072 * 1024,
      memAvailableBytes: (131072 - 72076) * 1024,
    });
    expect(healthOf('nope')).to.deep.equal({});
  });

  it('ISP profiles: the built-in ones validate; a bad one names the file, the line and the key', async () => {
    const profiles = loadIspProfiles([builtinProfileDir()]);
    expect([...profiles.keys()].sort()).to.deep.equal(['beeline', 'generic-pppoe']);
    const b = profiles.get('beeline')!;
    expect(b.wan).to.include({ proto: 'l2tp', server: 'tp.internet.beeline.ru', mtu: 1460 });
    expect(b.support.phone).to.equal('8 800 700 8000');
    expect(b.support.tempPassword?.ru).to.include('SMS');
    expect(b.portal.billingHosts.length).to.be.greaterThan(0);
    const bad = 'name: broken\ndisplayName: { en: a, ru: b, uk: c }\nmatch: {}\nwan:\n  proto: l2tp\n  mtu: "big"\nsupport: {}\n';
    expect(() => parseIspProfile(bad, '/x/broken.yaml')).to.throw(ConfigError, /\/x\/broken\.yaml:6 wan\.mtu/);
    expect(() => parseIspProfile(bad.replace('mtu: "big"', 'mtu: 1400'), '/x/other.yaml')).to.throw(ConfigError, /name: expected "other"/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-isp-'));
    try {
      await writeFile(path.join(dir, 'beeline.yaml'), (await import('node:fs')).readFileSync(path.join(builtinProfileDir(), 'beeline.yaml'), 'utf8').replace('8 800 700 8000"', '8 800 000 0000"'));
      expect(loadIspProfiles([builtinProfileDir(), dir]).get('beeline')!.support.phone).to.equal('8 800 000 0000'); // the user's copy wins
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ISP profiles: --isp, then the router’s VPN server, then a generic profile for the WAN type, then the configured one', () => {
    const profiles = loadIspProfiles([builtinProfileDir()]);
    expect(chooseProfile(profiles, { flag: 'generic-pppoe', wan: { proto: 'l2tp', server: 'tp.internet.beeline.ru' } })).to.deep.include({ source: 'flag' });
    expect(chooseProfile(profiles, { wan: { proto: 'l2tp', server: 'TP.Internet.Beeline.ru:1701' } }).profile?.name).to.equal('beeline');
    expect(chooseProfile(profiles, { wan: { proto: 'pppoe', server: undefined } })).to.deep.include({ source: 'proto' });
    expect(chooseProfile(profiles, { wan: { proto: 'dhcp', server: undefined }, configured: 'beeline' })).to.deep.include({ source: 'config' });
    expect(chooseProfile(profiles, { wan: { proto: 'dhcp', server: undefined } })).to.deep.equal({ source: 'none' });
    expect(() => chooseProfile(profiles, { flag: 'nope' })).to.throw(UsageError, /known: beeline, generic-pppoe/);
  });

  it('portal hosts: exact names and *.domain', () => {
    expect(hostMatches('my.beeline.ru', ['*.beeline.ru'])).to.equal(true);
    expect(hostMatches('beeline.ru.', ['*.beeline.ru'])).to.equal(true);
    expect(hostMatches('evilbeeline.ru', ['*.beeline.ru'])).to.equal(false);
    expect(hostMatches('login.beeline.ru', ['login.beeline.ru'])).to.equal(true);
  });

  it('the lab DNS answers wildcard names', () => {
    const table = new Map([['probe.lab', '127.0.200.1'], ['*.probe.lab', '127.0.200.2']]);
    expect(lookupRecord(table, 'probe.lab')).to.equal('127.0.200.1');
    expect(lookupRecord(table, 'abc.probe.lab.')).to.equal('127.0.200.2');
    expect(lookupRecord(table, 'x.y.probe.lab')).to.equal('127.0.200.2');
    expect(lookupRecord(table, 'other.lab')).to.equal(undefined);
  });
});
