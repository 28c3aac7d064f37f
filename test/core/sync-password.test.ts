// The sync workflow against the OpenWrt emulator and the lab ISP, in process: outcomes and faults.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openwrtDriver } from '../../drivers/openwrt/index.js';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';
import type { DriverSession } from '../../drivers/types.js';
import { RouterctlError } from '../../src/core/errors.js';
import { syncPassword, type SyncOptions } from '../../src/core/sync-password.js';
import { SimulatedIsp } from '../../src/lab/isp.js';
import { nullLogger } from '../../src/log/logger.js';

const HOST = '127.0.41.1';
const ADMIN = 'sync-test-admin';

describe('password sync workflow (OpenWrt emulator + lab ISP)', function () {
  this.timeout(30_000);
  let dir: string;
  let isp: SimulatedIsp;
  let emulator: OpenWrtEmulator;
  let session: DriverSession;

  async function start(wan: Parameters<typeof startOpenWrtEmulator>[0]['wan']): Promise<void> {
    isp = new SimulatedIsp({ vpnServers: ['tp.internet.beeline.ru'], pppoe: true, dns: ['127.0.100.1'], dropSessionOnPasswordChange: true });
    isp.addAccount({ username: '0891', password: 'old-pass', balance: 100 });
    emulator = await startOpenWrtEmulator({ host: HOST, httpPort: 0, sshPort: null, rootPassword: ADMIN, wan, upstream: isp, timings: { dialMs: 40, redialMs: 80 } });
    session = await openwrtDriver.connect({ host: HOST, httpPort: emulator.httpPort }, { username: 'root', password: ADMIN }, { logger: nullLogger, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 });
  }

  function options(newPassword: string, extra: Partial<SyncOptions> = {}): SyncOptions {
    return {
      host: HOST,
      newPassword,
      dryRun: false,
      backupsDir: path.join(dir, 'backups'),
      confirmWindowSeconds: 20,
      wanUpTimeoutSeconds: 5,
      pollIntervalMs: 50,
      authFailPolls: 3,
      internetUrls: [],
      internetTimeoutMs: 500,
      ...extra,
    };
  }

  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-sync-'))));
  afterEach(async () => {
    await session?.close().catch(() => undefined);
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the cabinet password: WAN up, change confirmed (kept past the rollback window), backup 0600', async () => {
    await start({ proto: 'l2tp', server: 'tp.internet.beeline.ru', username: '0891', password: 'old-pass' });
    isp.changePassword('0891', 'new pass "x" $y;');
    const result = await syncPassword(session, options('new pass "x" $y;', { confirmWindowSeconds: 2 }));
    expect(result.outcome).to.equal('applied');
    expect(result.status?.state).to.equal('up');
    expect(isp.isOnline(HOST)).to.equal(true);
    await new Promise((r) => setTimeout(r, 2500)); // past the apply timer: a confirmed change stays
    expect(emulator.getCommitted('network', 'wan', 'password')).to.equal('new pass "x" $y;');
    const [backup] = await readdir(path.join(dir, 'backups'));
    expect((await stat(path.join(dir, 'backups', backup!))).mode & 0o777).to.equal(0o600);
  });

  it('a password the ISP rejects is rolled back: the committed config is byte-for-byte the old one', async () => {
    await start({ proto: 'pppoe', username: '0891', password: 'old-pass' });
    const before = emulator.exportCommitted('network');
    const err = (await syncPassword(session, options('wrong-one')).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.code).to.equal('rolled_back');
    expect(err.details['reason']).to.equal('auth_failed');
    expect(err.message).to.not.include('wrong-one');
    expect(emulator.exportCommitted('network')).to.equal(before);
  });

  it('refuses a WAN without a password (DHCP) and changes nothing', async () => {
    await start({ proto: 'dhcp' });
    const before = emulator.exportCommitted('network');
    const err = (await syncPassword(session, options('whatever')).catch((e: unknown) => e)) as RouterctlError;
    expect(err.code).to.equal('wan_no_password');
    expect(err.message).to.match(/does not use a password/);
    expect(emulator.exportCommitted('network')).to.equal(before);
  });

  it('--dry-run reports the change and touches nothing', async () => {
    await start({ proto: 'pppoe', username: '0891', password: 'old-pass' });
    const before = emulator.exportCommitted('network');
    const result = await syncPassword(session, options('new-one', { dryRun: true }));
    expect(result.outcome).to.equal('dry_run');
    expect(result.changes).to.deep.equal(['password: (changed)']);
    expect(emulator.exportCommitted('network')).to.equal(before);
  });

  it('the router going silent mid-apply gives a message naming the backup and the restore command', async () => {
    await start({ proto: 'pppoe', username: '0891', password: 'old-pass' });
    isp.changePassword('0891', 'new-one');
    const err = (await syncPassword(session, {
      ...options('new-one'),
      onProgress: (step) => {
        if (step === 'apply') setTimeout(() => emulator.setFault('drop'), 0);
      },
    }).catch((e: unknown) => e)) as RouterctlError;
    expect(['unreachable', 'timeout', 'protocol']).to.include(err.code);
    expect(err.message).to.match(/routerctl restore .+\.json/);
    const backupFile = String(err.details['backupFile']);
    expect(JSON.parse(await readFile(backupFile, 'utf8'))).to.have.nested.property('backup.settings');
  });
});
