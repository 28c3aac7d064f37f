// The per-router lock in the state dir (src/core/lock.ts): exclusive, a waiter says whom it waits
// for, a crashed holder's lock goes stale instead of blocking forever, nothing is left behind.
import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RouterctlError } from '../../src/core/errors.js';
import { lockName, lockRouter } from '../../src/core/lock.js';

describe('safety: the router lock', function () {
  this.timeout(15_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-lock-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is exclusive per router: a second taker gets `busy` naming the holder; another router is free', async () => {
    const held = await lockRouter(dir, '127.0.87.1', { command: 'wan set-password', waitMs: 0 });
    const err = (await lockRouter(dir, '127.0.87.1', { command: 'wan show', waitMs: 0 }).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.code).to.equal('busy');
    expect(err.message).to.include(`another routerctl (\`wan set-password\`, process ${process.pid}`);
    const other = await lockRouter(dir, '127.0.87.2', { command: 'wan show', waitMs: 0 });
    await other.release();
    await held.release();
    await held.release(); // twice is fine
    expect((await stat(path.join(dir, 'locks'))).mode & 0o777).to.equal(0o700);
    expect(await readdir(path.join(dir, 'locks'))).to.deep.equal([]);
  });

  it('a waiter says so once, and gets the router when the holder is done', async () => {
    const held = await lockRouter(dir, 'router.lan', { command: 'backup', waitMs: 0 });
    const told: string[] = [];
    const t0 = Date.now();
    setTimeout(() => void held.release(), 400);
    const mine = await lockRouter(dir, 'router.lan', { command: 'wan show', waitMs: 5000, pollMs: 50, onWait: (m) => told.push(m) });
    expect(Date.now() - t0).to.be.within(350, 3000);
    expect(told).to.have.length(1);
    expect(told[0]).to.match(/`backup`.*is working on router\.lan; waiting for it to finish \(up to 5 s\)/);
    await mine.release();
  });

  it('the lock of a crashed run (not refreshed any more) is taken over instead of blocking forever', async () => {
    const base = path.join(dir, 'locks', lockName('fe80::1'));
    await mkdir(`${base}.lock`, { recursive: true });
    await writeFile(`${base}.owner.json`, JSON.stringify({ pid: 999_999, command: 'wan set-password', since: new Date(0).toISOString() }));
    const old = new Date(Date.now() - 60_000);
    await utimes(`${base}.lock`, old, old);
    const mine = await lockRouter(dir, 'fe80::1', { command: 'wan show', waitMs: 0, staleMs: 2000 });
    await mine.release();
  });
});
