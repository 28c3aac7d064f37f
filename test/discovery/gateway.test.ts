import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultGateway, gatewayFromProcNetRoute, gatewayFromRouteGet, gatewayFromRoutePrint, hexToIPv4, parseProcNetRoute } from '../../src/discovery/gateway.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/os-routes');

// Captured /proc/net/route texts (tabs as the kernel writes them; addresses are little-endian hex).
const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t';

// A laptop on Wi-Fi and Ethernet: two default routes, the wired one (metric 100) wins.
const LAPTOP = [
  HEADER,
  'wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0                                                                               ',
  'enp3s0\t00000000\t010AA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0                                                                               ',
  'enp3s0\t000AA8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0                                                                               ',
  'wlp2s0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0                                                                               ',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0                                                                               ',
].join('\n');

// A container: one default route via 172.17.0.1.
const CONTAINER = [HEADER, 'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0', ''].join('\n');

// No default route at all (only a connected network), plus a default row that is down (flags 0002)
// and a default row without the gateway flag (a point-to-point interface).
const NO_DEFAULT = [
  HEADER,
  'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'eth1\t00000000\t0100000A\t0002\t0\t0\t0\t00000000\t0\t0\t0',
  'ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0',
  'garbage line',
].join('\n');

describe('discovery/gateway', () => {
  it('decodes little-endian hex addresses', () => {
    expect(hexToIPv4('0101A8C0')).to.equal('192.168.1.1');
    expect(hexToIPv4('010011AC')).to.equal('172.17.0.1');
    expect(hexToIPv4('00000000')).to.equal('0.0.0.0');
    expect(hexToIPv4('FFFFFFFF')).to.equal('255.255.255.255');
    expect(hexToIPv4('xyz')).to.equal(undefined);
  });

  it('parses rows and skips malformed ones', () => {
    const rows = parseProcNetRoute(NO_DEFAULT);
    expect(rows).to.have.length(3);
    expect(rows[0]).to.deep.equal({ iface: 'eth0', destination: '192.168.0.0', gateway: '0.0.0.0', flags: 1, metric: 0, mask: '255.255.255.0' });
  });

  it('picks the default route with the lowest metric', () => {
    expect(gatewayFromProcNetRoute(LAPTOP)).to.equal('192.168.10.1');
    expect(gatewayFromProcNetRoute(CONTAINER)).to.equal('172.17.0.1');
  });

  it('ignores rows that are down or have no gateway', () => {
    expect(gatewayFromProcNetRoute(NO_DEFAULT)).to.equal(null);
    expect(gatewayFromProcNetRoute(HEADER)).to.equal(null);
    expect(gatewayFromProcNetRoute('')).to.equal(null);
  });

  it('defaultGateway reads /proc/net/route through the injected reader', async () => {
    const asked: string[] = [];
    const read = async (p: string) => {
      asked.push(p);
      return CONTAINER;
    };
    expect(await defaultGateway(read, 'linux')).to.equal('172.17.0.1');
    expect(asked).to.deep.equal(['/proc/net/route']);
    expect(await defaultGateway(async () => Promise.reject(new Error('ENOENT')), 'linux')).to.equal(null);
  });
});

describe("default gateway on macOS and Windows (outputs in each command's own layout)", () => {
  const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

  it('macOS `route -n get default`: the gateway line; none when a VPN holds the route or there is no network', () => {
    expect(gatewayFromRouteGet(fixture('macos-route-get-default.txt'))).to.equal('192.168.1.1');
    expect(gatewayFromRouteGet(fixture('macos-route-get-default-vpn.txt'))).to.equal(null);
    expect(gatewayFromRouteGet(fixture('macos-route-get-default-offline.txt'))).to.equal(null);
    expect(gatewayFromRouteGet('    gateway: fe80::1%en0\n')).to.equal(null);
  });

  it('Windows `route print`: the LAN default route with the lowest metric, in English and Russian; On-link and persistent rows ignored', () => {
    expect(gatewayFromRoutePrint(fixture('windows-route-print-en.txt'))).to.equal('192.168.1.1');
    expect(gatewayFromRoutePrint(fixture('windows-route-print-ru.txt'))).to.equal('192.168.0.1');
    expect(gatewayFromRoutePrint(fixture('windows-route-print-offline.txt'))).to.equal(null);
  });

  it('runs the command by absolute path, without a shell, and falls back to the candidates when it fails', async () => {
    const calls: { file: string; args: string[]; timeoutMs: number }[] = [];
    const answer = (text: string) => async (file: string, args: string[], timeoutMs: number) => {
      calls.push({ file, args, timeoutMs });
      return text;
    };
    expect(await defaultGateway({ run: answer(fixture('macos-route-get-default.txt')) }, 'darwin')).to.equal('192.168.1.1');
    expect(await defaultGateway({ run: answer(fixture('windows-route-print-ru.txt')), env: { SystemRoot: 'D:\\WINDOWS' } }, 'win32')).to.equal('192.168.0.1');
    expect(calls.map((c) => [c.file, ...c.args].join(' '))).to.deep.equal(['/sbin/route -n get default', 'D:\\WINDOWS\\System32\\ROUTE.EXE print -4 0.0.0.0']);
    expect(calls.every((c) => c.timeoutMs > 0 && c.timeoutMs <= 5000)).to.equal(true);
    const failing = async (): Promise<string> => Promise.reject(Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));
    expect(await defaultGateway({ run: failing }, 'darwin')).to.equal(null);
    expect(await defaultGateway({ run: failing }, 'win32')).to.equal(null);
    expect(await defaultGateway({ run: answer('x') }, 'aix')).to.equal(null);
  });
});
