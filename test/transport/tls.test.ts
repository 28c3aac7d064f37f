// HTTPS pinning against the emulators' HTTPS listeners: trust on first use, a changed certificate
// refused before a single request byte leaves, expired certificates pinned like any other, legacy TLS
// only for a pinned router, the trust file private, and no code path that turns verification off.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keeneticDriver } from '../../drivers/keenetic/index.js';
import { startKeeneticEmulator, type KeeneticEmulator } from '../../drivers/keenetic/emulator/index.js';
import { openwrtDriver } from '../../drivers/openwrt/index.js';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';
import type { DriverContext, Target } from '../../drivers/types.js';
import { ConfigError, RouterctlError } from '../../src/core/errors.js';
import { TrustMismatchError } from '../../src/transport/errors.js';
import { httpsEndpoint, TrustSession, TrustStore } from '../../src/transport/trust.js';
import { presentedCertificate } from '../../src/cli/commands/trust.js';
import { nullLogger } from '../../src/log/logger.js';
import { EXPIRED, ROUTER_A, ROUTER_B } from './support.js';

const ADMIN = 'tls-admin "pw" 1';
const WAN = { proto: 'pppoe' as const, username: 'tls-user', password: 'tls-wan-pass' };

function ctx(trust?: TrustSession): DriverContext {
  return { logger: nullLogger, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20, trust };
}

describe('transport: HTTPS pinned per router', function () {
  this.timeout(20_000);
  let owrt: OpenWrtEmulator | undefined;
  let kn: KeeneticEmulator | undefined;
  afterEach(async () => {
    await owrt?.close();
    await kn?.close();
    owrt = kn = undefined;
  });

  async function openwrt(host: string, https: Parameters<typeof startOpenWrtEmulator>[0]['https']): Promise<Target> {
    owrt = await startOpenWrtEmulator({ host, httpPort: 0, sshPort: null, rootPassword: ADMIN, wan: WAN, https });
    return { host, httpPort: owrt.httpPort, httpsPort: owrt.httpsPort, https: true };
  }

  it('trusts the first certificate, then refuses a changed one before sending any byte of the request', async () => {
    const target = await openwrt('127.0.80.1', { key: ROUTER_A.key, cert: ROUTER_A.cert });
    const trust = TrustSession.inMemory();
    const s = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(trust));
    expect((await s.readWan()).username).to.equal(WAN.username);
    await s.close();
    expect(trust.pinOf(httpsEndpoint(target.host, target.httpsPort!))).to.equal(ROUTER_A.fingerprint);

    owrt!.setCertificate(ROUTER_B.key, ROUTER_B.cert); // reset, or someone in the middle
    const before = owrt!.tlsStats();
    const err = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(trust)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TrustMismatchError);
    const e = err as TrustMismatchError;
    expect(e.code).to.equal('protocol');
    expect(e.details).to.include({ reason: 'trust_mismatch', pinned: ROUTER_A.fingerprint, presented: ROUTER_B.fingerprint });
    expect(e.message).to.match(/changed since routerctl first trusted it/).and.to.include('routerctl trust --host 127.0.80.1');
    expect(e.message).to.not.include(ADMIN);
    // The handshake happened (the certificate was seen), but not one byte of the login request was sent.
    expect(owrt!.tlsStats().bytes).to.equal(before.bytes);
    expect(owrt!.failedLogins).to.equal(0);
  });

  it('pins an expired certificate like any other; a wrong pin on it is refused with no bytes sent', async () => {
    kn = await startKeeneticEmulator({ host: '127.0.80.2', adminPassword: ADMIN, wan: WAN, https: { key: EXPIRED.key, cert: EXPIRED.cert } });
    const target: Target = { host: kn.host, httpPort: kn.httpPort, httpsPort: kn.httpsPort, https: true };
    const endpoint = httpsEndpoint(kn.host, kn.httpsPort!);
    const good = TrustSession.inMemory({ [endpoint]: { fingerprint: EXPIRED.fingerprint, since: '2026-01-01T00:00:00.000Z', how: 'trust' } });
    const s = await keeneticDriver.connect(target, { username: 'admin', password: ADMIN }, ctx(good));
    expect((await s.readWan()).username).to.equal(WAN.username);
    await s.close();
    const bytes = kn.tlsStats().bytes;
    expect(bytes).to.be.greaterThan(0);

    const wrong = TrustSession.inMemory({ [endpoint]: { fingerprint: ROUTER_A.fingerprint, since: '2026-01-01T00:00:00.000Z', how: 'trust' } });
    const err = await keeneticDriver.connect(target, { username: 'admin', password: ADMIN }, ctx(wrong)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TrustMismatchError);
    expect(kn.tlsStats().bytes).to.equal(bytes);
    expect(kn.failedLogins).to.equal(0);
  });

  it('without a trust store a connection still pins in memory: the certificate cannot change under a session', async () => {
    const target = await openwrt('127.0.80.3', { key: ROUTER_A.key, cert: ROUTER_A.cert });
    const s = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx());
    owrt!.setCertificate(ROUTER_B.key, ROUTER_B.cert);
    const err = await s.readWan().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TrustMismatchError);
    owrt!.setCertificate(ROUTER_A.key, ROUTER_A.cert);
    await s.close();
  });

  it('old TLS (1.0 only) is refused on first use with the `routerctl trust` advice, and works once pinned', async () => {
    const target = await openwrt('127.0.80.4', { key: ROUTER_A.key, cert: ROUTER_A.cert, maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const first = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(TrustSession.inMemory())).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(RouterctlError);
    expect((first as RouterctlError).details['reason']).to.equal('legacy_tls');
    expect((first as RouterctlError).message).to.include('routerctl trust --host 127.0.80.4');
    expect(owrt!.tlsStats().bytes).to.equal(0);

    // What `routerctl trust` shows (nothing is sent), then the pin it stores.
    const seen = await presentedCertificate(target.host, target.httpsPort!, 2000);
    expect(seen?.fingerprint).to.equal(ROUTER_A.fingerprint);
    const pinned = TrustSession.inMemory({ [httpsEndpoint(target.host, target.httpsPort!)]: { fingerprint: seen!.fingerprint, since: '2026-01-01T00:00:00.000Z', how: 'trust' } });
    const s = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(pinned));
    expect((await s.readWan()).username).to.equal(WAN.username);
    await s.close();
  });

  it('the trust store: first use is saved (0600 in a 0700 folder), read back by the next run, a damaged file refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-trust-'));
    try {
      const target = await openwrt('127.0.80.5', { key: ROUTER_A.key, cert: ROUTER_A.cert });
      const store = TrustStore.inStateDir(path.join(dir, 'state'));
      const run1 = await TrustSession.open(store);
      await (await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(run1))).close();
      await run1.flush();
      expect(run1.firstUses().map((f) => f.seen.fingerprint)).to.deep.equal([ROUTER_A.fingerprint]);
      expect((await stat(store.file)).mode & 0o777).to.equal(0o600);
      expect((await stat(path.dirname(store.file))).mode & 0o777).to.equal(0o700);
      const saved = await store.get(httpsEndpoint(target.host, target.httpsPort!));
      expect(saved).to.include({ fingerprint: ROUTER_A.fingerprint, how: 'first-use' });

      owrt!.setCertificate(ROUTER_B.key, ROUTER_B.cert);
      const run2 = await TrustSession.open(store);
      expect(await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(run2)).catch((e: unknown) => e)).to.be.instanceOf(TrustMismatchError);
      expect(run2.firstUses()).to.deep.equal([]);

      await writeFile(store.file, '{"format":"routerctl-trust/1","entries":{"x":{"fingerprint":"nope"}}}');
      expect(await TrustSession.open(store).catch((e: unknown) => e)).to.be.instanceOf(ConfigError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('transport: no code path turns certificate checks off globally', () => {
  const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  /** Where accepting any certificate per connection is deliberate, and why it is safe there. */
  const ALLOWED: Record<string, string> = {
    'src/transport/tls.ts': 'the pinning agent: the fingerprint check on secureConnect replaces the CA check',
    'src/discovery/probe.ts': 'reads a public landing page, sends nothing secret',
    'src/cli/commands/trust.ts': 'only reads the certificate to show it; the handshake ends before any request',
  };

  async function sources(dir: string): Promise<string[]> {
    const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true }).catch(() => []);
    return entries.filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name)).map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  }

  it('no NODE_TLS_REJECT_UNAUTHORIZED, no checkServerIdentity pinning, rejectUnauthorized:false only where reviewed', async () => {
    const files = [...(await sources('src')), ...(await sources('drivers')), ...(await sources('bin'))];
    expect(files.length).to.be.greaterThan(20);
    for (const file of files) {
      const code = (await readFile(path.join(ROOT, file), 'utf8'))
        .split('\n')
        .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
        .join('\n');
      expect(code, file).to.not.match(/NODE_TLS_REJECT_UNAUTHORIZED/);
      expect(code, file).to.not.match(/checkServerIdentity\s*[:(]/);
      expect(code, file).to.not.match(/https\.globalAgent|tls\.DEFAULT_/);
      if (/rejectUnauthorized\s*[:=]\s*false/.test(code)) expect(ALLOWED, `${file} accepts any certificate`).to.have.property(file.split(path.sep).join('/'));
    }
  });
});
