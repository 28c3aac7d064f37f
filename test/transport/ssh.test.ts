// SSH host keys pinned like certificates: trusted on first use, a different key at the same address
// refused before authentication (the password is never sent), and `routerctl trust` sees the same
// fingerprint the driver pinned.
import { expect } from 'chai';
import { openwrtDriver } from '../../drivers/openwrt/index.js';
import { startOpenWrtEmulator, type OpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';
import type { DriverContext } from '../../drivers/types.js';
import { presentedHostKey } from '../../src/cli/commands/trust.js';
import { TrustMismatchError } from '../../src/transport/errors.js';
import { sshFingerprint, sshKeyType } from '../../src/transport/ssh.js';
import { sshEndpoint, TrustSession } from '../../src/transport/trust.js';
import { nullLogger } from '../../src/log/logger.js';

const HOST = '127.0.81.1';
const ADMIN = 'ssh-admin pw';

describe('transport: SSH host keys pinned per router', function () {
  this.timeout(20_000);
  let emu: OpenWrtEmulator | undefined;
  afterEach(async () => emu?.close());

  const start = async (sshPort = 0): Promise<OpenWrtEmulator> =>
    (emu = await startOpenWrtEmulator({ host: HOST, httpPort: 0, sshPort, rootPassword: ADMIN, wan: { proto: 'pppoe', username: 'u', password: 'p' } }));
  const ctx = (trust: TrustSession): DriverContext => ({ logger: nullLogger, requestTimeoutMs: 3000, maxResponseBytes: 1 << 20, transport: 'ssh', trust });

  it('trusts the first host key; a new key at the same address is refused before the password is sent', async () => {
    const first = await start();
    const port = first.sshPort!;
    const trust = TrustSession.inMemory();
    const target = { host: HOST, httpPort: first.httpPort, sshPort: port };
    const s = await openwrtDriver.connect(target, { username: 'root', password: ADMIN }, ctx(trust));
    expect((await s.readWan()).username).to.equal('u');
    await s.close();
    const pinned = trust.pinOf(sshEndpoint(HOST, port));
    expect(pinned).to.match(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((await presentedHostKey(HOST, port, 2000))?.fingerprint).to.equal(pinned);

    // The same address and port, another router (new host key).
    await first.close();
    const second = await start(port);
    const err = await openwrtDriver.connect({ ...target, httpPort: second.httpPort }, { username: 'root', password: ADMIN }, ctx(trust)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TrustMismatchError);
    expect((err as TrustMismatchError).details).to.include({ kind: 'ssh', pinned });
    expect((err as TrustMismatchError).message).to.include(`routerctl trust --host ${HOST}`);
    expect(second.failedLogins).to.equal(0);
  });

  it('fingerprints are OpenSSH-style and name the key type', () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
    expect(sshFingerprint(blob)).to.match(/^SHA256:[A-Za-z0-9+/]+$/);
    expect(sshKeyType(blob)).to.equal('ssh-ed25519');
    expect(sshKeyType(Buffer.from([0xff, 0xff, 0xff, 0xff]))).to.equal(undefined);
  });
});
