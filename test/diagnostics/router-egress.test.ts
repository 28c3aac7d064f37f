// C12 router.egress: pings from the router, judged per diagnostics.md §3 (≥ 1 anchor and loss ≤ 1 % pass,
// more loss warns, no anchor fails), with a fake driver session; and verdict rule 13 using it.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DriverSession, RouterPing, RouterPingOptions, RouterPingOutcome, WanStatus } from '../../drivers/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { routerEgressCheck } from '../../src/diagnostics/checks/router.js';
import { RouterReads, type DiagContext } from '../../src/diagnostics/context.js';
import { decide } from '../../src/diagnostics/verdict.js';
import { healthyResults, loopbackHost, patchAll } from './helpers.js';

const GW = '100.64.0.1';
const DNS = '100.64.0.53';
const UP: WanStatus = { state: 'up', ipv4: '100.64.12.34', gateway: GW, dns: [DNS, '100.64.0.54'] };

type Answer = (host: string, count: number) => RouterPing;

function fakeSession(answer: Answer | 'denied' | 'absent', calls: { hosts: string[]; opts: RouterPingOptions }[] = []): DriverSession {
  const s = {
    capabilities: new Set(),
    wanStatus: async () => UP,
  } as unknown as DriverSession;
  if (answer === 'absent') return s;
  s.pingFromRouter = async (hosts: readonly string[], opts: RouterPingOptions): Promise<RouterPingOutcome> => {
    calls.push({ hosts: [...hosts], opts });
    if (answer === 'denied') return { ok: false, reason: 'this login may not run /bin/ping on the router (rpcd ACL: file exec)' };
    return { ok: true, results: hosts.map((h) => answer(h, opts.count)) };
  };
  return s;
}

describe('diagnostics C12 router.egress', () => {
  let dir: string;
  let config: Config;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-c12-'));
    config = loadConfig({ env: { ROUTERCTL_CONFIG_DIR: dir } });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const ctxWith = (session: DriverSession, status: WanStatus = UP): DiagContext => {
    const router = new RouterReads({ session, host: '127.0.1.1', httpPort: 80, family: 'openwrt', loginSource: 'given' });
    return {
      config,
      cfg: config.diagnostics,
      host: loopbackHost(),
      flags: { passwordChanged: false, throughput: false },
      profiles: new Map(),
      facts: { status },
      logger: { debug: () => undefined, warn: () => undefined },
      router,
      now: () => Date.now(),
    };
  };
  const run = (session: DriverSession, status?: WanStatus, budgetMs = 10_000) => routerEgressCheck(ctxWith(session, status), new AbortController().signal, budgetMs);
  const all: Answer = (host, count) => ({ host, sent: count, received: count, rttAvgMs: 9.5 });
  const ispOnly: Answer = (host, count) => ({ host, sent: count, received: host === GW || host === DNS ? count : 0 });

  it('pings the gateway, the first ISP resolver and the first two IP anchors in one call, routerCount each', async () => {
    const calls: { hosts: string[]; opts: RouterPingOptions }[] = [];
    const r = await run(fakeSession(all, calls));
    expect(calls).to.have.length(1);
    const anchors = config.diagnostics.probes.ipAnchors.map((a) => a.host).slice(0, 2);
    expect(calls[0]!.hosts).to.deep.equal([GW, DNS, ...anchors]);
    expect(calls[0]!.opts.count).to.equal(config.diagnostics.ping.routerCount);
    expect(r.status).to.equal('pass');
    expect(r.values).to.include({ anchors_answered: 2, anchors_total: 2, isp_answered: true, loss_pct: 0, count: 3 });
  });

  it('warns on loss above 1 % among the targets that answer', async () => {
    const lossy: Answer = (host, count) => ({ host, sent: count, received: host === GW ? count - 1 : count });
    const r = await run(fakeSession(lossy));
    expect(r.status).to.equal('warn');
    expect(r.problems).to.deep.equal(['egress_loss']);
    expect(r.values!['loss_pct']).to.equal(8.3); // 1 of 12
  });

  it('one anchor silent, the other answering without loss: pass (≥ 1 anchor)', async () => {
    const oneAnchor: Answer = (host, count) => ({ host, sent: count, received: host === config.diagnostics.probes.ipAnchors[0]!.host ? 0 : count });
    const r = await run(fakeSession(oneAnchor));
    expect(r.status).to.equal('pass');
    expect(r.values!['anchors_answered']).to.equal(1);
  });

  it('no anchor answers while the provider does: fail upstream_down; nothing answers: fail no_egress', async () => {
    const up = await run(fakeSession(ispOnly));
    expect(up.status).to.equal('fail');
    expect(up.problems).to.deep.equal(['upstream_down']);
    const none = await run(fakeSession((host, count) => ({ host, sent: count, received: 0 })));
    expect(none.status).to.equal('fail');
    expect(none.problems).to.deep.equal(['no_egress']);
  });

  it('skips with the reason: a family that cannot ping, a login that may not, a WAN that is down, no time left', async () => {
    const absent = await run(fakeSession('absent'));
    expect(absent).to.include({ status: 'skip' });
    expect(absent.skippedReason).to.match(/cannot run pings/);
    const denied = await run(fakeSession('denied'));
    expect(denied).to.include({ status: 'skip', skippedReason: 'this login may not run /bin/ping on the router (rpcd ACL: file exec)' });
    const calls: { hosts: string[]; opts: RouterPingOptions }[] = [];
    const down = await run(fakeSession(all, calls), { state: 'down', reason: 'auth_failed' });
    expect(down).to.include({ status: 'skip', skippedReason: 'the WAN is not up' });
    const late = await run(fakeSession(all, calls), UP, 2000);
    expect(late.status).to.equal('skip');
    expect(calls).to.have.length(0);
  });

  it('fits the count into the time it has', async () => {
    const calls: { hosts: string[]; opts: RouterPingOptions }[] = [];
    await run(fakeSession(all, calls), UP, 3600);
    expect(calls[0]!.opts.count).to.equal(2);
  });
});

describe('verdict rule 13 with C12', () => {
  const c12Fail = { status: 'fail' as const, problems: ['upstream_down'], values: {} };
  const noIp = { status: 'fail' as const, problems: ['no_internet_ip'], values: {} };

  it('C09 up, C12 fail, C16 fail: isp_upstream_down with C12 in the evidence', () => {
    const d = decide({ results: patchAll(healthyResults(), { C12: c12Fail, C16: noIp }), facts: {}, commands: { syncPassword: 'x' } });
    expect(d.verdict.id).to.equal('isp_upstream_down');
    expect(d.verdict.evidence).to.include.members(['C16', 'C09', 'C12']);
  });

  it('C16 could not run here: the router\'s own failed pings still tell the provider upstream', () => {
    const skip = { status: 'skip' as const, problems: [], values: {} };
    const d = decide({ results: patchAll(healthyResults(), { C12: c12Fail, C16: skip }), facts: {}, commands: { syncPassword: 'x' } });
    expect(d.verdict.id).to.equal('isp_upstream_down');
    expect(d.verdict.evidence).to.include('C12').and.not.include('C16');
  });

  it('C12 failing while this device reaches the internet stays a secondary finding of an ok verdict', () => {
    const d = decide({ results: patchAll(healthyResults(), { C12: c12Fail }), facts: {}, commands: { syncPassword: 'x' } });
    expect(d.verdict.id).to.equal('ok');
    expect(d.secondary.map((f) => [f.check, f.message])).to.deep.equal([['C12', 'finding.router_egress_upstream']]);
  });
});
