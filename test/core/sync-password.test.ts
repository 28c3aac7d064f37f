// The sync workflow against the OpenWrt emulator and the lab ISP, in process: outcomes and faults.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openwrtDriver } from '../../drivers/openwrt/index.js';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';
import type { Backup, DriverSession, WanStatus } from '../../drivers/types.js';
import { RouterctlError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { syncPassword, syncSettings, type SyncOptions } from '../../src/core/sync-password.js';
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

  it('a password longer than the router stores (ASUS: 64 bytes) is refused before any backup or change', async () => {
    await start({ proto: 'pppoe', username: '0891', password: 'old-pass' });
    const before = emulator.exportCommitted('network');
    const long = 'пароль-'.repeat(6); // 42 characters, 72 bytes in UTF-8
    const err = (await syncPassword(session, options(long, { maxCredentialBytes: 64 })).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.code).to.equal('usage');
    expect(err.message).to.match(/at most 64 bytes/).and.not.include(long);
    expect(await readdir(path.join(dir, 'backups')).catch(() => [])).to.deep.equal([]);
    expect(emulator.exportCommitted('network')).to.equal(before);
    // At the limit it goes through.
    isp.changePassword('0891', 'x'.repeat(64));
    expect((await syncPassword(session, options('x'.repeat(64), { maxCredentialBytes: 64 }))).outcome).to.equal('applied');
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

describe('password sync: a status that may still be the old session’s (staleStatusSeconds)', function () {
  this.timeout(10_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-stale-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** A router whose WAN status never changes across the apply: no reconnect, no dialling, no uptime reset. */
  function frozenRouter(status: WanStatus): DriverSession {
    let settings: Record<string, unknown> = { password: 'old-pass' };
    const backup = (): Promise<Backup> => Promise.resolve({ family: 'openwrt', format: 1, settings: { ...settings } });
    const fake: Partial<DriverSession> = {
      readWan: () => Promise.resolve({ interface: 'wan', proto: 'pppoe', username: '0891', hasPassword: true, password: String(settings['password']) }),
      wanStatus: () => Promise.resolve({ ...status }),
      backup,
      restore: (b) => Promise.resolve(void (settings = { ...b.settings })),
      setWanCredentials: (change) => {
        const before = settings;
        settings = { ...settings, password: change.password };
        return Promise.resolve({ autoRevertSeconds: undefined, confirm: () => Promise.resolve(), rollback: () => Promise.resolve(void (settings = before)) });
      },
      close: () => Promise.resolve(),
    };
    return fake as DriverSession;
  }

  const options = (extra: Partial<SyncOptions>): SyncOptions => ({
    host: '127.0.41.2',
    newPassword: 'new-pass',
    dryRun: false,
    backupsDir: path.join(dir, 'backups'),
    confirmWindowSeconds: 20,
    wanUpTimeoutSeconds: 8,
    pollIntervalMs: 50,
    authFailPolls: 3,
    internetUrls: [],
    internetTimeoutMs: 500,
    ...extra,
  });

  it('an auth failure listed since before the apply counts only once staleStatusSeconds have passed', async () => {
    const started = Date.now();
    const err = (await syncPassword(frozenRouter({ state: 'down', reason: 'auth_failed' }), options({ staleStatusSeconds: 1 })).catch((e: unknown) => e)) as RouterctlError;
    const seconds = (Date.now() - started) / 1000;
    expect(err).to.be.instanceOf(RouterctlError);
    expect(err.code).to.equal('rolled_back');
    expect(err.details['reason']).to.equal('auth_failed');
    expect(seconds).to.be.at.least(1).and.below(5);
  });

  it('an "up" from the old session (long uptime) is trusted only once staleStatusSeconds have passed', async () => {
    const started = Date.now();
    const result = await syncPassword(frozenRouter({ state: 'up', uptimeSeconds: 3600 }), options({ staleStatusSeconds: 1 }));
    const seconds = (Date.now() - started) / 1000;
    expect(result.outcome).to.equal('applied');
    expect(seconds).to.be.at.least(1).and.below(5);
  });

  it('routers get the documented 5 s by default (config/default.yaml); only the lab config shortens it', () => {
    const config = loadConfig({ env: { ROUTERCTL_CONFIG_DIR: path.join(dir, 'none'), ROUTERCTL_STATE_DIR: path.join(dir, 'state') } });
    expect(config.sync.staleStatusSeconds).to.equal(5);
    expect(syncSettings(config, path.join(dir, 'backups'), '127.0.41.2').staleStatusSeconds).to.equal(5);
  });
});
