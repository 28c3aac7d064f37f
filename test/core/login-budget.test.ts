import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LockedOutError } from '../../src/core/errors.js';
import { LoginBudget } from '../../src/core/login-budget.js';

describe('login budget (failed admin logins per router, across runs)', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-budget-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('allows the configured number of failures in the window, then refuses with the wait time', async () => {
    let now = 1_000_000;
    const make = (): LoginBudget => new LoginBudget({ file: path.join(dir, 'ledger.json'), attempts: 3, windowMinutes: 15, now: () => now });
    for (let i = 0; i < 3; i++) {
      await make().ensureAttemptAllowed('127.0.1.1');
      await make().recordFailure('127.0.1.1');
      now += 60_000;
    }
    const err = await make().ensureAttemptAllowed('127.0.1.1').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockedOutError);
    expect((err as LockedOutError).details['retryAfterSeconds']).to.equal(12 * 60);
    // Another router is unaffected; the window slides.
    await make().ensureAttemptAllowed('127.0.10.1');
    now += 13 * 60_000;
    await make().ensureAttemptAllowed('127.0.1.1');
    expect((await stat(path.join(dir, 'ledger.json'))).mode & 0o777).to.equal(0o600);
  });

  it('a success clears the router\'s failures', async () => {
    const budget = new LoginBudget({ file: path.join(dir, 'ledger.json'), attempts: 2, windowMinutes: 15 });
    await budget.recordFailure('h');
    expect(await budget.remaining('h')).to.equal(1);
    await budget.recordSuccess('h');
    expect(await budget.remaining('h')).to.equal(2);
  });
});
