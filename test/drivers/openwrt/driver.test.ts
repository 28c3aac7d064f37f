// End to end against the OpenWrt emulator, over both transports. Passwords never go into test
// titles or output: failures show labels only.
import { expect } from 'chai';
import { startOpenWrtEmulator } from '../../../drivers/openwrt/emulator/index.js';
import { openwrtDriver } from '../../../drivers/openwrt/index.js';
import { openwrtFingerprint } from '../../../drivers/openwrt/fingerprint.js';
import { AuthError, RouterctlError } from '../../../src/core/errors.js';
import type { DialRequest, DialResult, IspUpstream } from '../../../drivers/emulator-types.js';
import type { DriverContext, DriverSession, HttpProbe, Probe, Target, WanStatus } from '../../../drivers/types.js';

const HOST = '127.0.22.2';
const ROOT_PW = 'r00t-Lab!pw';
const WAN = { proto: 'l2tp' as const, server: 'tp.internet.beeline.ru', username: '089xxxxxxx', password: 'oldpass' };

const HOSTILE: Array<[string, string]> = [
  ['shell metacharacters and both quotes', 'it\'s "q" a b$HOME;echo pwned\\x'],
  ['Cyrillic with spaces', 'пароль Ёё'],
  ['70 characters', 'A1b2C3d4E5f6G7h8I9j0-_.~!@#%^&*()=+[]{}|:,<>?/'.padEnd(70, 'z')],
  ['backslashes', 'a\\b\\\\c\\\\\\d\\'],
  ['leading and trailing spaces, tab', ' \tpad me\t '],
  ['backtick command substitution', '`id`$(id)${IFS}'],
  ['embedded newline', 'line1\nline2'],
];

/** A tiny ISP: one account per user name; the test changes passwords as a cabinet would. */
class FakeIsp implements IspUpstream {
  readonly accounts = new Map<string, string>([[WAN.username, WAN.password]]);
  readonly dials: Array<Omit<DialRequest, 'password'>> = [];
  readonly #drops = new Map<string, Set<() => void>>();

  dial(req: DialRequest): DialResult {
    this.dials.push({ routerId: req.routerId, proto: req.proto, server: req.server, username: req.username });
    if (req.proto !== 'pppoe' && req.server !== WAN.server) return { ok: false, reason: 'server_unreachable', message: 'no route to VPN server' };
    if (this.accounts.get(req.username) !== req.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.12.34', gateway: '100.64.0.1', dns: ['100.64.0.53'] };
  }

  hangup(): void {}

  onDrop(routerId: string, listener: () => void): () => void {
    const set = this.#drops.get(routerId) ?? new Set();
    set.add(listener);
    this.#drops.set(routerId, set);
    return () => set.delete(listener);
  }

  drop(routerId: string): void {
    for (const l of this.#drops.get(routerId) ?? []) l();
  }
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(session: DriverSession, ok: (s: WanStatus) => boolean, ms = 5000): Promise<WanStatus> {
  const until = Date.now() + ms;
  let last: WanStatus | undefined;
  while (Date.now() < until) {
    last = await session.wanStatus();
    if (ok(last)) return last;
    await sleep(50);
  }
  throw new Error(`WAN status not reached; last: ${JSON.stringify(last)}`);
}

for (const transport of ['http', 'ssh'] as const) {
  describe(`openwrt driver end to end over ${transport}`, function () {
    this.timeout(30000);
    let emu: Awaited<ReturnType<typeof startOpenWrtEmulator>>;
    let isp: FakeIsp;
    let session: DriverSession | undefined;
    const ctx: DriverContext = { logger: silent, requestTimeoutMs: 5000, maxResponseBytes: 1 << 20, transport };
    const target = (): Target => ({ host: emu.host, httpPort: emu.httpPort, sshPort: emu.sshPort ?? undefined });
    const connect = async (password = ROOT_PW): Promise<DriverSession> => openwrtDriver.connect(target(), { username: 'root', password }, ctx);

    beforeEach(async () => {
      isp = new FakeIsp();
      emu = await startOpenWrtEmulator({
        host: HOST,
        httpPort: 0,
        sshPort: 0,
        rootPassword: ROOT_PW,
        wan: { ...WAN },
        upstream: isp,
        timings: { dialMs: 50, redialMs: 100 },
      });
      session = await connect();
    });

    afterEach(async () => {
      await session?.close();
      session = undefined;
      await emu.close();
    });

    it('a wrong admin password → AuthError', async () => {
      const err = await connect('wrong-admin-pw').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(AuthError);
      expect((err as Error).message).to.not.include('wrong-admin-pw');
      // Never retried: one refused login on the router (rpcd counts them; dropbear is not modelled so).
      if (transport === 'http') expect(emu.failedLogins).to.equal(1);
    });

    if (transport === 'http') {
      it('fingerprint: what the emulator answers without a login matches OpenWrt with high confidence', async () => {
        const fetchProbe = async (method: 'GET' | 'POST', path: string, body?: string): Promise<HttpProbe> => {
          const res = await fetch(`http://${emu.host}:${emu.httpPort}${path}`, { method, body, redirect: 'manual' });
          const headers: Record<string, string> = {};
          res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
          return { port: emu.httpPort, status: res.status, headers, body: (await res.text()).slice(0, 65536) };
        };
        const probe: Probe = { host: emu.host, http: await fetchProbe('GET', '/'), extra: {} };
        for (const r of openwrtFingerprint.requests) probe.extra[r.id] = await fetchProbe(r.method, r.path, r.body);
        const result = openwrtFingerprint.match(probe);
        expect(result?.family).to.equal('openwrt');
        expect(result!.confidence).to.be.greaterThan(0.95);
      });
    }

    it('info names the family and vendor', async () => {
      const info = await session!.info();
      expect(info).to.include({ family: 'openwrt', vendor: 'OpenWrt' });
    });

    it('readWan: L2TP settings, password only on request', async () => {
      const wan = await session!.readWan();
      expect(wan).to.deep.equal({ interface: 'wan', proto: 'l2tp', server: WAN.server, username: WAN.username, hasPassword: true });
      expect((await session!.readWan({ withPassword: true })).password).to.equal(WAN.password);
    });

    it('wanStatus: up with the ISP address', async () => {
      const st = await waitFor(session!, (s) => s.state === 'up');
      expect(st.ipv4).to.equal('100.64.12.34');
    });

    it('wanStatus: auth_failed when the ISP changed the password', async () => {
      await waitFor(session!, (s) => s.state === 'up');
      isp.accounts.set(WAN.username, 'changed-in-cabinet');
      isp.drop(emu.host);
      await session!.reconnectWan();
      const st = await waitFor(session!, (s) => s.state === 'down' && s.reason === 'auth_failed');
      expect(st.state).to.equal('down');
    });

    it('backup → set → restore gives byte-identical committed config', async () => {
      const original = await emu.exportCommitted('network');
      const backup = await session!.backup();
      expect(backup.family).to.equal('openwrt');
      expect(JSON.stringify(await session!.backup())).to.equal(JSON.stringify(backup));
      const pending = await session!.setWanCredentials({ username: 'someone-else', password: 'x y z' }, { confirmWindowSeconds: 60 });
      await pending.confirm();
      expect(await emu.exportCommitted('network')).to.not.equal(original);
      await session!.restore(backup);
      expect(await emu.exportCommitted('network')).to.equal(original);
      expect(JSON.stringify(await session!.backup())).to.equal(JSON.stringify(backup));
    });

    for (const [label, pw] of HOSTILE) {
      it(`setWanCredentials stores a hostile password exactly (${label})`, async () => {
        const pending = await session!.setWanCredentials({ password: pw }, { confirmWindowSeconds: 60 });
        await pending.confirm();
        const back = await session!.readWan({ withPassword: true });
        // Compare without printing the value on failure.
        expect(back.password === pw, 'password read back through the driver').to.equal(true);
        expect((await emu.getCommitted('network', 'wan', 'password')) === pw, 'password committed on the router').to.equal(true);
      });
    }

    it('the WAN comes up with the new password once the ISP has it too; confirm keeps it', async () => {
      await waitFor(session!, (s) => s.state === 'up');
      isp.accounts.set(WAN.username, 'new-pass-1');
      const pending = await session!.setWanCredentials({ password: 'new-pass-1' }, { confirmWindowSeconds: 2 });
      if (transport === 'http') expect(pending.autoRevertSeconds).to.equal(2);
      else expect(pending.autoRevertSeconds).to.equal(undefined);
      await waitFor(session!, (s) => s.state === 'up');
      await pending.confirm();
      await sleep(2500);
      expect(await emu.getCommitted('network', 'wan', 'password')).to.equal('new-pass-1');
      expect((await session!.readWan({ withPassword: true })).password).to.equal('new-pass-1');
    });

    it('rollback restores the old settings and the WAN', async () => {
      const original = await emu.exportCommitted('network');
      const pending = await session!.setWanCredentials({ username: 'u2', password: 'rejected-by-isp' }, { confirmWindowSeconds: 60 });
      await waitFor(session!, (s) => s.state === 'down' && s.reason === 'auth_failed');
      await pending.rollback();
      expect(await emu.exportCommitted('network')).to.equal(original);
      expect((await session!.readWan({ withPassword: true })).password).to.equal(WAN.password);
      await waitFor(session!, (s) => s.state === 'up');
      await pending.rollback(); // idempotent
    });

    if (transport === 'http') {
      it('an unconfirmed change reverts by itself after the window', async () => {
        const original = await emu.exportCommitted('network');
        const pending = await session!.setWanCredentials({ password: 'never-confirmed' }, { confirmWindowSeconds: 1 });
        expect(await emu.getCommitted('network', 'wan', 'password')).to.equal('never-confirmed');
        await sleep(2000);
        expect(await emu.exportCommitted('network')).to.equal(original);
        const err = await pending.confirm().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(RouterctlError);
        expect((err as RouterctlError).code).to.equal('rolled_back');
        // The rolled-back change came back as staged in the session; the next change must not carry it.
        const next = await session!.setWanCredentials({ password: 'second' }, { confirmWindowSeconds: 60 });
        await next.confirm();
        expect(await emu.getCommitted('network', 'wan', 'password')).to.equal('second');
      });
    }

    it('refuses passwords the router cannot store, touching nothing', async () => {
      const original = await emu.exportCommitted('network');
      for (const pw of ['', 'nul\u0000inside', ...(transport === 'ssh' ? ['bell\u0007'] : [])]) {
        const err = await session!.setWanCredentials({ password: pw }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(RouterctlError);
        expect((err as RouterctlError).code).to.equal('usage');
      }
      expect(await emu.exportCommitted('network')).to.equal(original);
    });

    it('after an authfail block (autostart false) the new password brings the WAN back', async () => {
      await session!.close();
      await emu.close();
      isp.accounts.set(WAN.username, 'isp-side-new');
      emu = await startOpenWrtEmulator({
        host: HOST,
        httpPort: 0,
        sshPort: 0,
        rootPassword: ROOT_PW,
        wan: { ...WAN, authfail: true },
        upstream: isp,
        timings: { dialMs: 50, redialMs: 100 },
      });
      session = await connect();
      const blocked = await waitFor(session, (s) => s.state === 'down' && s.reason === 'auth_failed');
      expect(blocked.rawErrors).to.be.an('array');
      await sleep(300);
      expect((await session.wanStatus()).state).to.equal('down');
      const pending = await session.setWanCredentials({ password: 'isp-side-new' }, { confirmWindowSeconds: 60 });
      await waitFor(session, (s) => s.state === 'up');
      await pending.confirm();
    });

    it('reconnectWan redials; close is idempotent', async () => {
      await waitFor(session!, (s) => s.state === 'up');
      const dialsBefore = isp.dials.length;
      await session!.reconnectWan();
      await waitFor(session!, (s) => s.state === 'up' && isp.dials.length > dialsBefore);
      await session!.close();
      await session!.close();
    });
  });
}
