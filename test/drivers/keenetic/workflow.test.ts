// The vendor-neutral password sync (src/core/sync-password.ts) driving the Keenetic driver and emulator:
// proves the PendingChange and wanStatus semantics fit the workflow (saved change, no auto-revert,
// auth_failed from the log, rollback back to the saved old values).
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { keeneticDriver } from '../../../drivers/keenetic/index.js';
import { startKeeneticEmulator, type KeeneticEmulator } from '../../../drivers/keenetic/emulator/index.js';
import { RouterctlError } from '../../../src/core/errors.js';
import { syncPassword, type SyncOptions } from '../../../src/core/sync-password.js';
import type { DriverSession } from '../../../drivers/types.js';
import { FakeIsp } from './fake-isp.js';
import { silent } from './fixtures.js';

describe('keenetic: password sync workflow', function () {
  this.timeout(9000);
  let emu: KeeneticEmulator;
  let isp: FakeIsp;
  let session: DriverSession;
  let internet: Server;
  let dir: string;
  let options: (newPassword: string) => SyncOptions;

  before(async () => {
    internet = createServer((_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((r) => internet.listen(0, '127.0.10.51', r));
  });
  after(async () => {
    await new Promise<void>((r) => internet.close(() => r()));
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-keenetic-'));
    isp = new FakeIsp();
    emu = await startKeeneticEmulator({
      host: '127.0.10.50',
      adminPassword: 'admin-pw',
      wan: { proto: 'l2tp', username: FakeIsp.USER, password: FakeIsp.PASS, server: FakeIsp.VPN },
      upstream: isp,
      timings: { dialMs: 20, redialMs: 40 },
    });
    session = await keeneticDriver.connect(
      { host: emu.host, httpPort: emu.httpPort },
      { username: 'admin', password: 'admin-pw' },
      { logger: silent, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 },
    );
    const port = (internet.address() as AddressInfo).port;
    options = (newPassword) => ({
      host: emu.host,
      newPassword,
      dryRun: false,
      backupsDir: dir,
      confirmWindowSeconds: 60,
      wanUpTimeoutSeconds: 4,
      pollIntervalMs: 50,
      authFailPolls: 3,
      internetUrls: [`http://127.0.10.51:${port}/generate_204`],
      internetTimeoutMs: 500,
    });
  });
  afterEach(async () => {
    await session.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a password the ISP accepts and keeps it saved', async () => {
    isp.accounts.set(FakeIsp.USER, 'cabinet-new "pw"');
    const r = await syncPassword(session, options('cabinet-new "pw"'));
    expect(r.outcome).to.equal('applied');
    expect(r.status?.state).to.equal('up');
    const saved = emu.saved() as { interface: { L2TP0: { authentication: { password: string } } } };
    expect(saved.interface.L2TP0.authentication.password === 'cabinet-new "pw"').to.equal(true);
  });

  it('rolls back a password the ISP rejects: the saved configuration is as before', async () => {
    const savedBefore = JSON.stringify(emu.saved());
    const err = (await syncPassword(session, options('typo-pass')).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.code).to.equal('rolled_back');
    expect(err.details.reason).to.equal('auth_failed');
    expect(JSON.stringify(emu.saved())).to.equal(savedBefore);
  });
});
