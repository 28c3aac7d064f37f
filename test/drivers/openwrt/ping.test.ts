// Pings from the router (C12): busybox's summary parser, the strict host check that guards the shell
// and rpcd's file exec, and the driver over HTTP and SSH against the emulator with a network model.
import { expect } from 'chai';
import type { DialResult, IspUpstream } from '../../../drivers/emulator-types.js';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../../drivers/openwrt/emulator/index.js';
import { openwrtDriver } from '../../../drivers/openwrt/index.js';
import { checkPingHost, parseBusyboxPing, pingArgs } from '../../../drivers/openwrt/ping.js';
import { UbusClient } from '../../../drivers/openwrt/ubus-client.js';
import type { DriverContext, DriverSession } from '../../../drivers/types.js';

// Real busybox output shapes (ping.c print_stats_and_exit), as `ping -c 3 -W 1 -q HOST` prints them.
const ALL_ANSWER = `PING 1.1.1.1 (1.1.1.1): 56 data bytes

--- 1.1.1.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 11.052/12.470/14.901 ms
`;
const NONE_ANSWER = `PING 10.255.255.1 (10.255.255.1): 56 data bytes

--- 10.255.255.1 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
`;
const PARTIAL_DUP = `PING 8.8.8.8 (8.8.8.8): 56 data bytes
64 bytes from 8.8.8.8: seq=0 ttl=117 time=20.511 ms
64 bytes from 8.8.8.8: seq=2 ttl=117 time=19.871 ms
64 bytes from 8.8.8.8: seq=2 ttl=117 time=19.902 ms (DUP!)

--- 8.8.8.8 ping statistics ---
3 packets transmitted, 2 packets received, 1 duplicates, 33% packet loss
round-trip min/avg/max = 19.871/20.094/20.511 ms
`;

describe('OpenWrt pings from the router: busybox parser and host check', () => {
  it('reads all-answered, none-answered and partial-with-duplicates summaries', () => {
    expect(parseBusyboxPing('1.1.1.1', ALL_ANSWER)).to.deep.equal({ host: '1.1.1.1', sent: 3, received: 3, rttAvgMs: 12.5 });
    expect(parseBusyboxPing('10.255.255.1', NONE_ANSWER)).to.deep.equal({ host: '10.255.255.1', sent: 3, received: 0 });
    expect(parseBusyboxPing('8.8.8.8', PARTIAL_DUP)).to.deep.equal({ host: '8.8.8.8', sent: 3, received: 2, rttAvgMs: 20.1 });
  });

  it('no summary (no route, bad address) is nothing sent, with the reason from stderr', () => {
    expect(parseBusyboxPing('9.9.9.9', 'PING 9.9.9.9 (9.9.9.9): 56 data bytes\n', 'ping: sendto: Network unreachable\n')).to.deep.equal({
      host: '9.9.9.9',
      sent: 0,
      received: 0,
      error: 'sendto: Network unreachable',
    });
  });

  it('only IP literals ever reach a shell or argv', () => {
    expect(pingArgs('192.0.2.1', 3)).to.deep.equal(['-c', '3', '-W', '1', '-q', '192.0.2.1']);
    expect(checkPingHost('2001:db8::1')).to.equal('2001:db8::1');
    for (const bad of ['8.8.8.8; reboot', '$(id)', '`id`', 'example.com', '1.1.1.1 -f', '-c', 'fe80::1%eth0', '', "1.1.1.1'", '1.1.1.1\n']) {
      expect(() => checkPingHost(bad), JSON.stringify(bad)).to.throw(/IPv4 or IPv6/);
    }
    expect(() => pingArgs('1.1.1.1', 0)).to.throw(/count/);
    expect(() => pingArgs('1.1.1.1', 11)).to.throw(/count/);
  });
});

const HOST = '127.0.23.1';
const ROOT_PW = 'r00t-Ping!pw';
const VIEWER_PW = 'viewer-Ping!pw';
const GATEWAY = '100.64.0.1';
const ISP_DNS = '100.64.0.53';
const ANCHORS = ['192.0.2.10', '198.51.100.20'];

class OneAccountIsp implements IspUpstream {
  dial(): DialResult {
    return { ok: true, ipv4: '100.64.12.34', gateway: GATEWAY, dns: [ISP_DNS] };
  }
  hangup(): void {}
  onDrop(): () => void {
    return () => undefined;
  }
}

describe('OpenWrt pingFromRouter against the emulator', function () {
  this.timeout(20_000);
  const net = { upstreamDown: false };
  let emu: OpenWrtEmulator;
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };

  before(async () => {
    emu = await startOpenWrtEmulator({
      host: HOST,
      sshPort: 0,
      rootPassword: ROOT_PW,
      viewerPassword: VIEWER_PW,
      wan: { proto: 'pppoe', username: 'u1', password: 'wan-secret' },
      upstream: new OneAccountIsp(),
      timings: { dialMs: 20, redialMs: 50 },
      luciDiagnosticsAcl: true,
      // The provider's own hosts always answer; the internet only while its upstream works.
      reachable: (h) => ({ ok: h === GATEWAY || h === ISP_DNS || (!net.upstreamDown && ANCHORS.includes(h)), rttMs: 4 }),
    });
  });
  after(() => emu?.close());
  afterEach(() => {
    net.upstreamDown = false;
  });

  const connect = async (transport: 'http' | 'ssh', username = 'root', password = ROOT_PW): Promise<DriverSession> => {
    const ctx: DriverContext = { logger: silent, requestTimeoutMs: 5000, maxResponseBytes: 1 << 20, transport };
    const s = await openwrtDriver.connect({ host: emu.host, httpPort: emu.httpPort, sshPort: emu.sshPort }, { username, password }, ctx);
    const until = Date.now() + 5000;
    while (transport === 'http' && username === 'root' && (await s.wanStatus()).state !== 'up' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return s;
  };

  for (const transport of ['http', 'ssh'] as const) {
    it(`${transport}: the anchors answer while the upstream works, and stop when it is down`, async () => {
      const s = await connect(transport);
      try {
        const hosts = [GATEWAY, ISP_DNS, ...ANCHORS];
        const up = await s.pingFromRouter!(hosts, { count: 3, timeoutMs: 5000 });
        expect(up.ok).to.equal(true);
        if (!up.ok) return;
        expect(up.results.map((r) => [r.host, r.sent, r.received])).to.deep.equal(hosts.map((h) => [h, 3, 3]));
        expect(up.results[0]!.rttAvgMs).to.be.within(3, 6);

        net.upstreamDown = true;
        const down = await s.pingFromRouter!(hosts, { count: 2, timeoutMs: 5000 });
        expect(down.ok).to.equal(true);
        if (!down.ok) return;
        expect(down.results.map((r) => [r.host, r.sent, r.received])).to.deep.equal([
          [GATEWAY, 2, 2],
          [ISP_DNS, 2, 2],
          [ANCHORS[0], 2, 0],
          [ANCHORS[1], 2, 0],
        ]);
      } finally {
        await s.close();
      }
    });

    it(`${transport}: a host that is not an IP literal is refused before anything is sent`, async () => {
      const s = await connect(transport);
      try {
        const err = await s.pingFromRouter!(['1.1.1.1', '1.1.1.1;reboot'], { count: 1, timeoutMs: 5000 }).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err?.message).to.match(/IPv4 or IPv6/);
      } finally {
        await s.close();
      }
    });
  }

  it('http: a login whose ACL does not grant file exec cannot ping: a reason, not an error', async () => {
    const s = await connect('http', 'viewer', VIEWER_PW);
    try {
      const r = await s.pingFromRouter!([GATEWAY], { count: 1, timeoutMs: 5000 });
      expect(r).to.deep.equal({ ok: false, reason: 'this login may not run /bin/ping on the router (rpcd ACL: file exec)' });
    } finally {
      await s.close();
    }
  });

  it('http: without LuCI\'s diagnostics ACL rpcd itself refuses the program (ubus status 6): a reason, not an error', async () => {
    const bare = await startOpenWrtEmulator({ host: '127.0.23.2', rootPassword: ROOT_PW, wan: { proto: 'pppoe', username: 'u1', password: 'wan-secret' }, upstream: new OneAccountIsp(), timings: { dialMs: 20, redialMs: 50 } });
    try {
      const c = new UbusClient({ baseUrl: `http://${bare.host}:${bare.httpPort}`, timeoutMs: 5000, maxResponseBytes: 1 << 20 });
      await c.login('root', ROOT_PW);
      const denied = await c.call('file', 'exec', { command: '/bin/ping', params: ['-c', '1', GATEWAY] }).then(
        () => undefined,
        (e: unknown) => e as { details: Record<string, unknown> },
      );
      expect(denied?.details['ubusStatus']).to.equal(6);
      await c.logout();
      const ctx: DriverContext = { logger: silent, requestTimeoutMs: 5000, maxResponseBytes: 1 << 20, transport: 'http' };
      const s = await openwrtDriver.connect({ host: bare.host, httpPort: bare.httpPort }, { username: 'root', password: ROOT_PW }, ctx);
      try {
        expect(await s.pingFromRouter!([GATEWAY, ANCHORS[0]!], { count: 1, timeoutMs: 5000 })).to.deep.equal({
          ok: false,
          reason: 'this login may not run /bin/ping on the router (rpcd ACL: file exec)',
        });
      } finally {
        await s.close();
      }
    } finally {
      await bare.close();
    }
  });

  it('emulated rpcd: file exec of /bin/ping answers busybox output; a program it does not have is NOT_FOUND', async () => {
    const c = new UbusClient({ baseUrl: `http://${emu.host}:${emu.httpPort}`, timeoutMs: 5000, maxResponseBytes: 1 << 20 });
    await c.login('root', ROOT_PW);
    try {
      const ok = await c.call('file', 'exec', { command: '/bin/ping', params: ['-c', '1', '-W', '1', '-q', GATEWAY] });
      expect(ok?.code).to.equal(0);
      expect(ok?.stdout).to.match(/^PING 100\.64\.0\.1 \(100\.64\.0\.1\): 56 data bytes\n\n--- 100\.64\.0\.1 ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\nround-trip min\/avg\/max = /);
      const missing = await c.call('file', 'exec', { command: '/bin/ping6', params: [] }).then(
        () => undefined,
        (e: unknown) => e as { details: Record<string, unknown> },
      );
      expect(missing?.details['ubusStatus']).to.equal(4);
    } finally {
      await c.logout();
    }
  });
});
