import { expect } from 'chai';
import type { Driver, FingerprintResult, Probe, ProbeRequest, Target } from '../../drivers/types.js';
import type { Config } from '../../src/config/schema.js';
import { UsageError } from '../../src/core/errors.js';
import { discover, fingerprintProbe, resolveDiscoveryInputs } from '../../src/discovery/discover.js';
import { closedPort, type Running, sendHtml, startBlackHole, startHttp, startHttps, startTcpGreeter } from './servers.js';

const T = 500;
const LIVE = '127.0.31.1';

const OPENWRT_PAGE = `<!DOCTYPE html><html><head><title>OpenWrt - LuCI</title>
<meta http-equiv="refresh" content="0; URL=cgi-bin/luci/" /></head>
<body><a href="cgi-bin/luci/">LuCI - Lua Configuration Interface</a></body></html>`;

const UBUS: ProbeRequest = {
  id: 'ubus',
  method: 'POST',
  path: '/ubus',
  body: '{"jsonrpc":"2.0","id":1,"method":"list","params":["*"]}',
  contentType: 'application/json',
};

function fakeDriver(family: string, requests: ProbeRequest[], match: (p: Probe) => FingerprintResult | null): Driver {
  return {
    family,
    vendor: family,
    defaultUser: 'root',
    fingerprint: { requests, match },
    connect: () => Promise.reject(new Error('discovery never connects')),
  };
}

/** Recognises the OpenWrt-like landing page, a dropbear banner and a ubus answer. */
const openwrt = fakeDriver('openwrt', [UBUS], (p) => {
  const evidence: string[] = [];
  if ((p.http?.body ?? p.https?.body ?? '').includes('LuCI')) evidence.push('luci page');
  if (p.ssh?.banner.includes('dropbear')) evidence.push('dropbear');
  if (p.extra.ubus?.body.includes('jsonrpc')) evidence.push('ubus');
  return evidence.length === 0 ? null : { family: 'openwrt', confidence: evidence.length / 3, evidence };
});
/** Declares the very same request (must not be sent twice) and never matches. */
const lookalike = fakeDriver('lookalike', [UBUS], () => null);
/** Another family with its own extra request; never matches. */
const keenetic = fakeDriver('keenetic', [{ id: 'keenetic-auth', method: 'GET', path: '/auth' }], () => null);
/** A broken driver: its matcher throws, which must not break discovery. */
const broken = fakeDriver('broken', [], () => {
  throw new Error('bug');
});

function configWith(ports: Config['ports']): Pick<Config, 'discovery' | 'ports'> {
  return { discovery: { candidates: [], includeGateway: false, gateway: null, probeTimeoutMs: T, maxBodyBytes: 65536 }, ports };
}

describe('discovery/discover', () => {
  const running: Running[] = [];
  const keep = <R extends Running>(r: R): R => {
    running.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });

  async function startOpenWrt(host: string) {
    const handler = (req: { url?: string | undefined }, res: Parameters<Parameters<typeof startHttp>[1]>[1]) => {
      if (req.url === '/ubus') sendHtml(res, '{"jsonrpc":"2.0","id":1,"result":{}}', 200, { 'Content-Type': 'application/json' });
      else if (req.url === '/') sendHtml(res, OPENWRT_PAGE);
      else sendHtml(res, 'not found', 404);
    };
    const web = keep(await startHttp(host, handler));
    const tls = keep(await startHttps(host, handler));
    const ssh = keep(await startTcpGreeter(host, 'SSH-2.0-dropbear_2022.83\r\n'));
    return { web, tls, ssh, target: { host, httpPort: web.port, httpsPort: tls.port, sshPort: ssh.port } satisfies Target };
  }

  async function blackHoleTarget(host: string): Promise<Target> {
    const hole = keep(await startBlackHole(host));
    return { host, httpPort: hole.port, httpsPort: hole.port, sshPort: hole.port };
  }

  it('finds the router among three dead candidates in about one probe timeout', async () => {
    const router = await startOpenWrt(LIVE);
    const dead1 = await blackHoleTarget('127.0.31.2');
    const dead2 = await blackHoleTarget('127.0.31.3');
    const dead3: Target = { host: '127.0.31.9', httpPort: await closedPort('127.0.31.9'), httpsPort: await closedPort('127.0.31.9'), sshPort: await closedPort('127.0.31.9') };

    const started = performance.now();
    const found = await discover({
      candidates: [dead1, dead3, router.target, dead2],
      gateway: null,
      drivers: [keenetic, lookalike, broken, openwrt],
      config: configWith({ http: 80, https: 443, ssh: 22 }),
    });
    const elapsed = performance.now() - started;
    expect(elapsed, `took ${Math.round(elapsed)} ms`).to.be.below(T * 1.5);

    expect(found.map((r) => r.target.host)).to.deep.equal([LIVE, '127.0.31.2', '127.0.31.9', '127.0.31.3']);
    const [live, ...dead] = found;
    expect(live).to.deep.include({ isGateway: false, reachable: true, services: { http: true, https: true, ssh: true }, httpStatus: 200, title: 'OpenWrt - LuCI', sshBanner: 'SSH-2.0-dropbear_2022.83', ambiguous: false });
    expect(live!.fingerprint).to.deep.equal({ family: 'openwrt', confidence: 1, evidence: ['luci page', 'dropbear', 'ubus'] });
    expect(live!.matches).to.have.length(1);
    for (const d of dead) {
      expect(d).to.deep.include({ reachable: false, services: { http: false, https: false, ssh: false }, fingerprint: null, isGateway: false });
    }
    // The ubus request that two drivers share was sent once per port; every driver's extra went out.
    expect(router.web.seen.filter((s) => s === 'POST /ubus')).to.have.length(1);
    expect(router.tls.seen.filter((s) => s === 'POST /ubus')).to.have.length(1);
    expect(router.web.seen).to.include('GET /auth');
  });

  it('marks a candidate that is the gateway and does not probe it twice', async () => {
    const router = await startOpenWrt(LIVE);
    const found = await discover({ candidates: [router.target], gateway: LIVE, drivers: [openwrt], config: configWith({ http: 80, https: 443, ssh: 22 }) });
    expect(found).to.have.length(1);
    expect(found[0]).to.deep.include({ isGateway: true, reachable: true });
    expect(router.web.seen.filter((s) => s === 'GET /')).to.have.length(1);
  });

  it('adds the gateway with the default ports and puts it first', async () => {
    const router = await startOpenWrt(LIVE);
    const gw = keep(await startHttp('127.0.31.4', (_req, res) => sendHtml(res, '<title>Some box</title>')));
    const ports = { http: gw.port, https: await closedPort('127.0.31.4'), ssh: await closedPort('127.0.31.4') };
    const found = await discover({ candidates: [router.target], gateway: '127.0.31.4', drivers: [openwrt], config: configWith(ports) });
    expect(found.map((r) => [r.target.host, r.isGateway, r.fingerprint?.family ?? null])).to.deep.equal([
      ['127.0.31.4', true, null],
      [LIVE, false, 'openwrt'],
    ]);
    expect(found[0]).to.deep.include({ reachable: true, title: 'Some box', services: { http: true, https: false, ssh: false } });
  });

  it('reports an unreachable gateway instead of dropping it', async () => {
    const port = await closedPort('127.0.31.9');
    const found = await discover({ candidates: [], gateway: '127.0.31.9', drivers: [openwrt], config: configWith({ http: port, https: port, ssh: port }) });
    expect(found).to.have.length(1);
    expect(found[0]).to.deep.include({ isGateway: true, reachable: false, fingerprint: null });
  });

  it('prefers HTTPS for a router that only answers there', async () => {
    const tls = keep(await startHttps('127.0.31.6', (_req, res) => sendHtml(res, OPENWRT_PAGE)));
    const found = await discover({
      candidates: [{ host: '127.0.31.6', httpPort: await closedPort('127.0.31.6'), httpsPort: tls.port }],
      gateway: null,
      drivers: [openwrt],
      config: configWith({ http: 80, https: 443, ssh: 22 }),
    });
    expect(found[0]!.target.https).to.equal(true);
    expect(found[0]!.title).to.equal('OpenWrt - LuCI');
    expect(found[0]!.fingerprint?.family).to.equal('openwrt');
  });

  it('sorts fingerprinted hosts by confidence and lists ties', () => {
    const probe: Probe = { host: 'h', extra: {} };
    const a = fakeDriver('a', [], () => ({ family: 'a', confidence: 0.7, evidence: [] }));
    const b = fakeDriver('b', [], () => ({ family: 'b', confidence: 0.7, evidence: [] }));
    const c = fakeDriver('c', [], () => ({ family: 'c', confidence: 7, evidence: [] }));
    expect(fingerprintProbe(probe, [a, b])).to.deep.include({ ambiguous: true });
    const r = fingerprintProbe(probe, [a, b, c, broken]);
    expect(r.matches.map((m) => [m.family, m.confidence])).to.deep.equal([
      ['c', 1],
      ['a', 0.7],
      ['b', 0.7],
    ]);
    expect(r.ambiguous).to.equal(false);
  });

  describe('resolveDiscoveryInputs', () => {
    const base = (over: Partial<Config['discovery']> = {}): Pick<Config, 'discovery' | 'ports'> => ({
      discovery: { candidates: ['127.0.31.1', { host: '127.0.31.2', http: 8080 }], includeGateway: true, gateway: null, probeTimeoutMs: T, maxBodyBytes: 1000, ...over },
      ports: { http: 80, https: 443, ssh: 22 },
    });
    const noOs = async () => {
      throw new Error('the OS gateway must not be read here');
    };

    it('--candidates replaces the list and turns the gateway off', async () => {
      const r = await resolveDiscoveryInputs(base({ gateway: '127.0.31.254' }), { candidatesFlag: '127.0.31.7:81, 127.0.31.8', osGateway: noOs });
      expect(r.gateway).to.equal(null);
      expect(r.gatewaySource).to.equal('disabled-by-candidates-flag');
      expect(r.candidates.map((t) => `${t.host}:${t.httpPort}`)).to.deep.equal(['127.0.31.7:81', '127.0.31.8:80']);
    });

    it('includeGateway:false turns the gateway off; discovery.gateway replaces the OS one', async () => {
      expect(await resolveDiscoveryInputs(base({ includeGateway: false }), { osGateway: noOs })).to.deep.include({ gateway: null, gatewaySource: 'disabled-by-config' });
      const r = await resolveDiscoveryInputs(base({ gateway: '127.0.31.254' }), { osGateway: noOs });
      expect(r).to.deep.include({ gateway: '127.0.31.254', gatewaySource: 'config' });
      expect(r.candidates.map((t) => `${t.host}:${t.httpPort}`)).to.deep.equal(['127.0.31.1:80', '127.0.31.2:8080']);
    });

    it('asks the OS only when nothing else decides', async () => {
      expect(await resolveDiscoveryInputs(base(), { osGateway: async () => '127.0.31.253' })).to.deep.include({ gateway: '127.0.31.253', gatewaySource: 'os' });
      expect(await resolveDiscoveryInputs(base(), { osGateway: async () => null })).to.deep.include({ gateway: null, gatewaySource: 'none' });
    });

    it('rejects a bad --candidates item', async () => {
      let caught: unknown;
      try {
        await resolveDiscoveryInputs(base(), { candidatesFlag: '127.0.31.1,bad host', osGateway: noOs });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.include('"bad host"');
    });
  });
});
