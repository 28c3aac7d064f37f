import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Healer, healFor, type HealActions } from '../../src/watch/heal.js';
import { SECRET_WAN, scriptedReport } from './fixtures.js';

function fakeActions(o: { stored?: string | undefined; routerHas?: string; fail?: Error } = {}) {
  const calls = { sync: [] as string[], reconnect: 0, lookups: [] as (string | undefined)[] };
  let routerPassword = o.routerHas ?? 'old-password';
  const actions: HealActions = {
    storedWanPassword: async (host) => {
      calls.lookups.push(host);
      return o.stored;
    },
    syncPassword: async (password) => {
      calls.sync.push(password);
      if (o.fail) throw o.fail;
      if (password === routerPassword) return { outcome: 'unchanged' };
      routerPassword = password;
      return { outcome: 'applied' };
    },
    reconnectWan: async () => {
      calls.reconnect++;
      if (o.fail) throw o.fail;
    },
  };
  return { actions, calls };
}

describe('watch healing (--heal)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-heal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const signal = new AbortController().signal;
  const opts = { allowSync: true, allowReconnect: true };

  it('picks the action from the verdict: sync for a refused password, reconnect for ppp_down, nothing else', () => {
    expect(healFor(scriptedReport('ppp_auth_failed.password_changed', { heal: { action: 'sync_password', automatic: false } }), opts)).to.equal('sync_password');
    expect(healFor(scriptedReport('ppp_auth_failed'), opts)).to.equal('sync_password');
    expect(healFor(scriptedReport('ppp_down', { heal: { action: 'reconnect_wan', automatic: true } }), opts)).to.equal('reconnect_wan');
    expect(healFor(scriptedReport('wan_cable'), opts)).to.equal(undefined);
    expect(healFor(scriptedReport('dns_failure.router', { heal: { action: 'restart_dns', automatic: false } }), opts)).to.equal(undefined);
    expect(healFor(scriptedReport('ppp_auth_failed'), { ...opts, allowSync: false })).to.equal(undefined);
  });

  it('auth failure + a stored password that differs from the router’s: the sync runs once per outage, with the stored password', async () => {
    const { actions, calls } = fakeActions({ stored: SECRET_WAN });
    const healer = new Healer({ actions, maxPerHour: 2, ledgerFile: path.join(dir, 'heal-ledger.json'), timeoutMs: 5000, ...opts });
    const report = scriptedReport('ppp_auth_failed.password_changed');
    const first = await healer.consider(report, 'outage-1', '127.0.1.1', signal);
    expect(first).to.deep.include({ action: 'sync_password', result: 'done' });
    expect(calls.sync).to.deep.equal([SECRET_WAN]);
    expect(calls.lookups).to.deep.equal(['127.0.1.1']);
    // The next cycles of the same outage: nothing more.
    expect(await healer.consider(report, 'outage-1', '127.0.1.1', signal)).to.equal(undefined);
    expect(await healer.consider(report, 'outage-1', '127.0.1.1', signal)).to.equal(undefined);
    expect(calls.sync).to.have.length(1);
    // The ledger holds times and actions only — never the password — and is 0600.
    const ledger = await readFile(path.join(dir, 'heal-ledger.json'), 'utf8');
    expect(ledger).not.to.contain(SECRET_WAN);
    expect((await stat(path.join(dir, 'heal-ledger.json'))).mode & 0o777).to.equal(0o600);
  });

  it('is rate-limited: at most N actions per hour, across restarts; the limit is said once per outage', async () => {
    const ledgerFile = path.join(dir, 'heal-ledger.json');
    let now = Date.UTC(2026, 10, 25, 12);
    const { actions, calls } = fakeActions({ stored: SECRET_WAN, routerHas: 'x' });
    const make = () => new Healer({ actions, maxPerHour: 2, ledgerFile, timeoutMs: 5000, now: () => now, ...opts });
    const report = scriptedReport('ppp_down');
    let healer = make();
    expect((await healer.consider(report, 'o1', undefined, signal))?.result).to.equal('done');
    expect((await healer.consider(report, 'o2', undefined, signal))?.result).to.equal('done');
    // A restarted watch (new process) reads the ledger: the third outage within the hour is refused.
    healer = make();
    const refused = await healer.consider(report, 'o3', undefined, signal);
    expect(refused).to.deep.include({ action: 'reconnect_wan', result: 'skipped' });
    expect(refused!.detail).to.match(/at most 2 heal actions per hour/);
    expect(await healer.consider(report, 'o3', undefined, signal)).to.equal(undefined);
    expect(calls.reconnect).to.equal(2);
    now += 61 * 60_000;
    expect((await healer.consider(report, 'o3', undefined, signal))?.result).to.equal('done');
    expect(calls.reconnect).to.equal(3);
  });

  it('without a stored password there is no login at all: one "skipped" note per outage', async () => {
    const { actions, calls } = fakeActions({ stored: undefined });
    const healer = new Healer({ actions, maxPerHour: 2, timeoutMs: 5000, ...opts });
    const r = await healer.consider(scriptedReport('ppp_auth_failed'), 'o1', '127.0.1.1', signal);
    expect(r).to.deep.include({ result: 'skipped' });
    expect(r!.detail).to.match(/no stored home-internet password/);
    expect(await healer.consider(scriptedReport('ppp_auth_failed'), 'o1', '127.0.1.1', signal)).to.equal(undefined);
    expect(calls.sync).to.have.length(0);
  });

  it('the router already has the stored password: "unchanged", and not tried again in this outage', async () => {
    const { actions, calls } = fakeActions({ stored: 'same', routerHas: 'same' });
    const healer = new Healer({ actions, maxPerHour: 5, timeoutMs: 5000, ...opts });
    const r = await healer.consider(scriptedReport('ppp_auth_failed'), 'o1', '127.0.1.1', signal);
    expect(r).to.deep.include({ result: 'unchanged' });
    expect(await healer.consider(scriptedReport('ppp_auth_failed'), 'o1', '127.0.1.1', signal)).to.equal(undefined);
    expect(calls.sync).to.have.length(1);
  });

  it('a failing action is reported with its code and message', async () => {
    const err = Object.assign(new Error('the provider rejected the new password'), { code: 'rolled_back' });
    const { actions } = fakeActions({ stored: 'new', fail: err });
    const healer = new Healer({ actions, maxPerHour: 5, timeoutMs: 5000, ...opts });
    const r = await healer.consider(scriptedReport('ppp_auth_failed'), 'o1', 'h', signal);
    expect(r).to.deep.equal({ action: 'sync_password', result: 'failed', detail: 'rolled_back: the provider rejected the new password' });
  });
});
