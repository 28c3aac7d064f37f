import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlertPolicy, hookEnv, postWebhook, runCommandHook } from '../../src/watch/alerts.js';
import type { WatchEvent } from '../../src/watch/types.js';
import { startReceiver } from './receiver.js';

const EVENT: WatchEvent = {
  schema: 'routerctl.watch-event/1',
  kind: 'down',
  ts: new Date().toISOString(),
  from: 'suspect',
  to: 'down',
  cause: 'ppp_auth_failed',
  summary: 'down: PPP authentication failed',
};

describe('watch alerts: webhook (retried with backoff, bounded) and command hook', function () {
  this.timeout(20_000);

  it('retries a receiver that fails twice (500) and delivers on the third attempt', async () => {
    const rx = await startReceiver('127.0.90.1', { failures: 2, status: 500 });
    const waits: number[] = [];
    try {
      const out = await postWebhook(EVENT, {
        url: rx.url,
        timeoutMs: 2000,
        attempts: 4,
        backoffMs: 50,
        maxBackoffMs: 1000,
        totalMs: 10_000,
        sleep: async (ms) => void waits.push(ms),
      });
      expect(out).to.include({ channel: 'webhook', result: 'sent', attempts: 3 });
      expect(rx.hits).to.equal(3);
      expect(waits).to.deep.equal([50, 100]); // exponential backoff
      expect(rx.bodies[0]).to.deep.equal(EVENT);
    } finally {
      await rx.close();
    }
  });

  it('gives up after the configured attempts on a receiver that always answers 500', async () => {
    const rx = await startReceiver('127.0.90.2', { failures: 100, status: 500 });
    try {
      const out = await postWebhook(EVENT, { url: rx.url, timeoutMs: 1000, attempts: 3, backoffMs: 10, maxBackoffMs: 20, totalMs: 5000 });
      expect(out).to.include({ result: 'failed', attempts: 3, detail: 'HTTP 500' });
      expect(rx.hits).to.equal(3);
    } finally {
      await rx.close();
    }
  });

  it('does not retry a final answer (404)', async () => {
    const rx = await startReceiver('127.0.90.3', { failures: 100, status: 404 });
    try {
      const out = await postWebhook(EVENT, { url: rx.url, timeoutMs: 1000, attempts: 4, backoffMs: 10, maxBackoffMs: 20, totalMs: 5000 });
      expect(out).to.include({ result: 'failed', attempts: 1 });
      expect(rx.hits).to.equal(1);
    } finally {
      await rx.close();
    }
  });

  it('a receiver that hangs costs at most the total bound, whatever the attempts', async () => {
    const rx = await startReceiver('127.0.90.4', { hang: true });
    const t0 = Date.now();
    try {
      const out = await postWebhook(EVENT, { url: rx.url, timeoutMs: 300, attempts: 10, backoffMs: 50, maxBackoffMs: 100, totalMs: 1200 });
      expect(out.result).to.equal('failed');
      expect(out.detail).to.match(/no answer within 300 ms/);
      expect(Date.now() - t0).to.be.below(2000);
      expect(rx.hits).to.be.within(2, 4);
    } finally {
      await rx.close();
    }
  });

  it('--on-change CMD gets the event as JSON on stdin, without secret variables in its environment', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-hook-'));
    try {
      const out = path.join(dir, 'event.json');
      const envOut = path.join(dir, 'env.txt');
      const r = await runCommandHook(EVENT, {
        command: `cat > '${out}'; env > '${envOut}'`,
        timeoutMs: 5000,
        env: { PATH: process.env['PATH'], ROUTERCTL_PASSWORD: 'admin-secret', ROUTERCTL_NEW_PASSWORD: 'wan-secret', KEEP: 'yes' },
      });
      expect(r).to.include({ channel: 'command', result: 'sent' });
      expect(JSON.parse(await readFile(out, 'utf8'))).to.deep.equal(EVENT);
      const env = await readFile(envOut, 'utf8');
      expect(env).to.contain('KEEP=yes').and.to.contain('ROUTERCTL_EVENT=down');
      expect(env).not.to.contain('secret');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a hook that hangs is killed at its bound; a failing one is reported with its exit code', async () => {
    const t0 = Date.now();
    const hung = await runCommandHook(EVENT, { command: 'sleep 30', timeoutMs: 300 });
    expect(hung).to.include({ result: 'failed' });
    expect(hung.detail).to.match(/killed after 300 ms/);
    expect(Date.now() - t0).to.be.below(3000);
    const failed = await runCommandHook(EVENT, { command: 'echo oops >&2; exit 3', timeoutMs: 3000 });
    expect(failed.detail).to.equal('exit 3: oops');
  });

  it('hookEnv drops every password/secret/token variable', () => {
    expect(Object.keys(hookEnv({ A: '1', ROUTERCTL_PASSWORD: 'x', MY_API_TOKEN: 'y', DB_SECRET: 'z' }))).to.deep.equal(['A']);
  });
});

describe('watch alerts: transitions only, with a cool-down', () => {
  const ev = (kind: WatchEvent['kind']): WatchEvent => ({ ...EVENT, kind });
  const MIN = 60_000;

  it('sends a down and its up; a flap inside the cool-down is held back and sent once the cool-down is over if still down', () => {
    const p = new AlertPolicy({ cooldownMs: 15 * MIN });
    expect(p.decide(ev('down'), 0)?.kind).to.equal('down');
    expect(p.decide(ev('up'), 2 * MIN)?.kind).to.equal('up');
    // Down again 3 minutes later: inside the cool-down, held back.
    expect(p.decide(ev('down'), 5 * MIN)).to.equal(undefined);
    expect(p.due(10 * MIN, true)).to.equal(undefined);
    // Still down after the cool-down: sent now.
    expect(p.due(18 * MIN, true)?.kind).to.equal('down');
    expect(p.due(19 * MIN, true)).to.equal(undefined);
    expect(p.decide(ev('up'), 20 * MIN)?.kind).to.equal('up');
  });

  it('drops a held-back down when the internet came back before the cool-down ended, and its up with it', () => {
    const p = new AlertPolicy({ cooldownMs: 15 * MIN });
    p.decide(ev('down'), 0);
    p.decide(ev('up'), MIN);
    expect(p.decide(ev('down'), 2 * MIN)).to.equal(undefined);
    expect(p.decide(ev('up'), 3 * MIN)).to.equal(undefined);
    expect(p.due(30 * MIN, false)).to.equal(undefined);
  });

  it('heal events always go out; cause changes respect the cool-down', () => {
    const p = new AlertPolicy({ cooldownMs: 15 * MIN });
    p.decide(ev('down'), 0);
    expect(p.decide(ev('heal'), MIN)?.kind).to.equal('heal');
    expect(p.decide(ev('cause_changed'), 2 * MIN)).to.equal(undefined);
    expect(p.decide(ev('cause_changed'), 16 * MIN)?.kind).to.equal('cause_changed');
  });

  it('keeps its state across --once runs (snapshot/restore)', () => {
    const a = new AlertPolicy({ cooldownMs: 15 * MIN });
    a.decide(ev('down'), 0);
    const b = new AlertPolicy({ cooldownMs: 15 * MIN });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.decide(ev('up'), MIN)?.kind).to.equal('up');
  });
});
