// The runner: bounded even when every probe hangs (black-holed loopback ports, per-probe timeouts far
// longer than the bound), host-only with reasons when the router login fails, dependants skipped.
// Everything here talks to 127.0.60.0/24 only.
import { expect } from 'chai';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config, DeepPartial } from '../../src/config/schema.js';
import { AuthError } from '../../src/core/errors.js';
import type { OpenRouterFn } from '../../src/diagnostics/context.js';
import { diagnose } from '../../src/diagnostics/diagnose.js';
import { renderHuman } from '../../src/diagnostics/present.js';
import { nullLogger } from '../../src/log/logger.js';
import { loopbackHost } from './helpers.js';

const HOLE = '127.0.60.10';
const DNS_HOLE = '127.0.60.11';
const GATEWAY = '127.0.60.1';

interface Holes {
  tcpPort: number;
  dnsPort: number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never answers; swallows DNS. */
async function blackHoles(): Promise<Holes> {
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => tcp.listen(0, HOLE, r));
  const gw = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  const tcpPort = (tcp.address() as net.AddressInfo).port;
  await new Promise<void>((r) => gw.listen(tcpPort, GATEWAY, r));
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => undefined);
  await new Promise<void>((r) => udp.bind(0, DNS_HOLE, r));
  return {
    tcpPort,
    dnsPort: udp.address().port,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => gw.close(r)), new Promise<void>((r) => udp.close(() => r()))]);
    },
  };
}

function configWith(configDir: string, overrides: DeepPartial<Config>): Config {
  return loadConfig({ env: { ROUTERCTL_CONFIG_DIR: configDir }, overrides });
}

describe('diagnostics: the runner', function () {
  this.timeout(30_000);
  let holes: Holes;
  let dir: string;

  before(async () => {
    holes = await blackHoles();
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-diag-'));
  });
  after(async () => {
    await holes.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every probe at a black hole, every per-probe timeout far beyond the bound. */
  function blackHoledConfig(budgetMs: number): Config {
    const p = holes.tcpPort;
    return configWith(dir, {
      discovery: { candidates: [{ host: GATEWAY, http: p }], gateway: GATEWAY, includeGateway: true, probeTimeoutMs: 60_000 },
      http: { requestTimeoutMs: 60_000 },
      diagnostics: {
        budgetMs,
        phaseMs: { host: 1000, lan: 1500, router: 1500, internet: 2000 },
        isp: null,
        host: { acceptLoopback: true, resolvers: [`${DNS_HOLE}:${holes.dnsPort}`] },
        ping: { mode: 'tcp', gatewayCount: 10, gatewayIntervalMs: 200, timeoutMs: 30_000 },
        dns: { port: holes.dnsPort, timeoutMs: 30_000, tries: 5, randomTemplate: '{random}.probe.lab', randomCount: 3, knownName: 'probe.lab', publicResolvers: [{ name: 'hole', address: DNS_HOLE }] },
        probes: {
          timeoutMs: 60_000,
          http: [{ name: 'hole', url: `http://${HOLE}:${p}/generate_204`, expect: 204 }],
          https: [{ name: 'hole', url: `https://${HOLE}:${p}/generate_204` }],
          ipAnchors: [{ name: 'hole', host: HOLE, port: p }],
          largeUrl: `http://${HOLE}:${p}/large`,
          throughputUrl: null,
          caFile: null,
        },
        quality: { count: 50, intervalMs: 250 },
        ppp: { waitMs: 60_000, pollMs: 2000, justUpSeconds: 120 },
      },
    });
  }

  it('ends within its bound when every probe and the router hang, and says why', async () => {
    const budget = 6000;
    const hangingRouter: OpenRouterFn = () => new Promise(() => undefined); // login never answers
    const started = performance.now();
    const d = await diagnose({
      config: blackHoledConfig(budget),
      lang: 'en',
      flags: { passwordChanged: false, throughput: false },
      logger: nullLogger,
      openRouter: hangingRouter,
      host: loopbackHost(),
    });
    const took = performance.now() - started;
    expect(took, 'wall time').to.be.below(budget + 700);
    expect(d.report.duration_ms).to.be.at.most(budget + 500);
    const byId = Object.fromEntries(d.report.checks.map((c) => [c.id, c]));
    expect(byId['C05']).to.deep.include({ status: 'error', problems: ['timeout'] });
    expect(byId['C06']!.skipped_reason).to.equal('router.session did not finish');
    for (const id of ['C17', 'C18', 'C19']) expect(['fail', 'error'], id).to.include(byId[id]!.status);
    expect(byId['C18']!.problems).to.include('timeout');
    expect(d.report.phases.find((p) => p.phase === 'router')).to.include({ timed_out: true });
    expect(d.report.verdict.id).to.equal('isp_upstream_down');
    expect(d.report.verdict.confidence).to.equal('low');
    expect(d.report.exit_code).to.equal(2);
  });

  it('a smaller budget than the phases add up to shrinks every phase alike (watch’s light cycle)', async () => {
    const config = blackHoledConfig(3000);
    const started = performance.now();
    const d = await diagnose({ config, lang: 'en', flags: { passwordChanged: false, throughput: false }, logger: nullLogger, host: loopbackHost() });
    expect(performance.now() - started).to.be.below(3700);
    // The gateway train fitted its count into the shrunk phase instead of timing out.
    const c04 = d.report.checks.find((c) => c.id === 'C04')!;
    expect(c04.status).to.equal('pass');
    expect(c04.values['sent']).to.be.within(1, 5);
    // A large download that never answers proves nothing about the MTU.
    expect(d.report.checks.find((c) => c.id === 'C20')!.status).to.equal('skip');
  });

  it('when the router refuses the login, router checks are skipped with the reason and the rest still runs', async () => {
    const refused: OpenRouterFn = async () => {
      throw new AuthError('the router refused the admin login (wrong password)');
    };
    const d = await diagnose({
      config: blackHoledConfig(8000),
      lang: 'ru',
      flags: { passwordChanged: false, throughput: false },
      logger: nullLogger,
      openRouter: refused,
      host: loopbackHost(),
    });
    const byId = Object.fromEntries(d.report.checks.map((c) => [c.id, c]));
    expect(byId['C05']).to.deep.include({ status: 'fail', problems: ['auth_failed'] });
    for (const id of ['C06', 'C07', 'C08', 'C09', 'C11', 'C13', 'C14', 'C15']) {
      expect(byId[id], id).to.deep.include({ status: 'skip', skipped_reason: 'router.session failed (auth_failed)' });
    }
    expect(byId['C16']!.status).to.equal('pass'); // host-side checks ran
    expect(d.context.facts.routerLoginError?.code).to.equal('auth_failed');
    const text = renderHuman(d.report, { lang: 'ru', verbose: true, facts: d.context.facts });
    expect(text).to.include('Не удалось войти в роутер (пароль администратора не подошёл)');
    expect(text).to.include('не выполнялась: router.session failed (auth_failed)');
  });

  it('no network link: everything after it is skipped with the reason, and the verdict says so', async () => {
    const host = { ...loopbackHost(), interfaces: () => ({}) };
    const d = await diagnose({ config: blackHoledConfig(8000), lang: 'en', flags: { passwordChanged: false, throughput: false }, logger: nullLogger, host });
    expect(d.report.verdict.id).to.equal('host_offline');
    expect(d.report.exit_code).to.equal(2);
    const c02 = d.report.checks.find((c) => c.id === 'C02')!;
    expect(c02).to.deep.include({ status: 'skip', skipped_reason: 'host.link failed' });
    expect(d.report.checks.find((c) => c.id === 'C16')!.skipped_reason).to.equal('host.ipconfig did not run');
    expect(d.report.duration_ms).to.be.below(500);
  });
});
