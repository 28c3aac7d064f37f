// The HTTP session's call sequences against a scripted rpcd (no emulator needed): staging checks,
// apply/confirm/rollback, status fallbacks for LuCI-style ACLs.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openwrtDriver } from '../../../drivers/openwrt/index.js';
import { RouterctlError } from '../../../src/core/errors.js';
import type { DriverContext, DriverSession } from '../../../drivers/types.js';
import { realData } from './fixtures.js';

const HOST = '127.0.22.1';
const SID = '69b42afc560b07aa4665e00c9ebe4b0a';

type Values = Record<string, Record<string, unknown>>;
type Rpc = { id: number; method: string; params: [string, string, string, Record<string, unknown>] };

/** Just enough rpcd/netifd: one session, staged `set`s, apply/confirm/rollback, configurable denials. */
class ScriptedRpcd {
  committed: Values = structuredClone((realData('12') as { values: Values }).values);
  staged: string[][] = [];
  extraStaged: string[][] = [];
  pending: Values | undefined;
  denied = new Set<string>();
  missing = new Set<string>();
  status: Record<string, unknown> = { up: false, pending: false, available: true, autostart: false, proto: 'l2tp', data: {} };
  applyStatus = 0;
  ignoreDelete = false;
  readonly log: string[] = [];
  readonly #server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const rpc = JSON.parse(raw) as Rpc;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...this.#answer(rpc) }));
    });
  });

  #view(): Values {
    const v = structuredClone(this.committed);
    for (const [op, s, o, val] of this.staged) {
      if (op === 'remove') delete v[s!]![o!];
      else v[s!]![o!] = val;
    }
    return v;
  }

  #answer(rpc: Rpc): { result?: unknown[]; error?: unknown } {
    const [, object, method, args] = rpc.params;
    const key = `${object}.${method}`;
    this.log.push(method === 'login' ? `login timeout=${String(args.timeout)}` : `${key} ${JSON.stringify(args)}`);
    if (this.missing.has(object)) return { error: { code: -32000, message: 'Object not found' } };
    if (this.denied.has(key)) return { error: { code: -32002, message: 'Access denied' } };
    switch (key) {
      case 'session.login':
        return { result: [0, { ubus_rpc_session: SID, timeout: args.timeout ?? 300 }] };
      case 'session.destroy':
        return { result: [0] };
      case 'uci.get':
        return { result: [0, { values: this.#view() }] };
      case 'uci.set':
        for (const [k, v] of Object.entries(args.values as Record<string, string>)) {
          // rpcd stages nothing for an unchanged value in this script; the driver must cope either way.
          if (this.#view()[args.section as string]![k] !== v) this.staged.push(['set', args.section as string, k, v]);
        }
        this.staged.push(...this.extraStaged);
        return { result: [0] };
      case 'uci.delete':
        if (!this.ignoreDelete) for (const o of args.options as string[]) this.staged.push(['remove', args.section as string, o]);
        return { result: [0] };
      case 'uci.changes':
        return { result: [0, { changes: this.staged }] };
      case 'uci.revert':
        this.staged = [];
        return { result: [0] };
      case 'uci.apply':
        if (this.applyStatus) return { result: [this.applyStatus] };
        if (this.staged.length === 0) return { result: [5] };
        this.pending = structuredClone(this.committed);
        this.committed = this.#view();
        this.staged = [];
        return { result: [0] };
      case 'uci.confirm':
        if (!this.pending) return { result: [5] };
        this.pending = undefined;
        return { result: [0] };
      case 'uci.rollback': {
        if (!this.pending) return { result: [5] };
        const newer = this.committed;
        this.committed = this.pending;
        this.pending = undefined;
        // rpcd puts the rolled-back change back into the session's staging (doc §4.2).
        for (const [k, v] of Object.entries(newer.wan!)) if (this.committed.wan![k] !== v) this.staged.push(['set', 'wan', k, v as string]);
        return { result: [0] };
      }
      case 'network.interface.status':
      case 'network.interface.wan.status':
        return { result: [0, this.status] };
      case 'network.interface.dump':
        return { result: [0, { interface: [{ interface: 'wan', ...this.status }] }] };
      case 'network.interface.up':
      case 'network.interface.down':
        this.status = { ...this.status, autostart: method === 'up', pending: method === 'up' };
        return { result: [0] };
      default:
        return { error: { code: -32000, message: 'Object not found' } };
    }
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, HOST, resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  calls(prefix: string): string[] {
    return this.log.filter((l) => l.startsWith(prefix));
  }
}

const ctx: DriverContext = {
  logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
  requestTimeoutMs: 3000,
  maxResponseBytes: 1 << 20,
};

async function rejection(p: Promise<unknown>): Promise<RouterctlError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).to.be.instanceOf(RouterctlError);
  return err as RouterctlError;
}

describe('openwrt HTTP session call sequences', () => {
  let rpcd: ScriptedRpcd;
  let session: DriverSession;

  beforeEach(async () => {
    rpcd = new ScriptedRpcd();
    const port = await rpcd.start();
    session = await openwrtDriver.connect({ host: HOST, httpPort: port }, { username: 'root', password: 'pw' }, ctx);
  });
  afterEach(async () => {
    await session.close();
    await rpcd.stop();
  });

  it('logs in with a timeout that covers the default confirm window', () => {
    expect(rpcd.log[0]).to.equal('login timeout=600');
  });

  it('set → changes check → apply with rollback → up (autostart was false) → confirm with the same session', async () => {
    const pending = await session.setWanCredentials({ password: 'n3w' }, { confirmWindowSeconds: 90 });
    expect(pending.autoRevertSeconds).to.equal(90);
    expect(rpcd.calls('uci.apply')).to.deep.equal(['uci.apply {"rollback":true,"timeout":90}']);
    expect(rpcd.calls('network.interface.up')).to.deep.equal(['network.interface.up {"interface":"wan"}']);
    await pending.confirm();
    await pending.confirm();
    expect(rpcd.calls('uci.confirm')).to.have.length(1);
    expect(rpcd.committed.wan!.password).to.equal('n3w');
    expect(await rejection(pending.rollback())).to.have.property('code', 'usage');
  });

  it('a long confirm window gets a session that outlives it', async () => {
    await session.setWanCredentials({ password: 'n3w' }, { confirmWindowSeconds: 900 });
    expect(rpcd.calls('session.destroy')).to.have.length(1);
    expect(rpcd.calls('login')).to.deep.equal(['login timeout=600', 'login timeout=960']);
  });

  it('something else staged → revert, ProtocolError, nothing applied', async () => {
    rpcd.extraStaged = [['set', 'lan', 'ipaddr', '10.0.0.1']];
    const err = await rejection(session.setWanCredentials({ password: 'n3w' }));
    expect(err.code).to.equal('protocol');
    expect(JSON.stringify(err.details)).to.not.include('n3w');
    expect(rpcd.calls('uci.revert')).to.have.length(1);
    expect(rpcd.calls('uci.apply')).to.have.length(0);
    expect(rpcd.committed.wan!.password).to.equal('oldpass');
  });

  it('rollback: uci rollback, then the change that came back staged is reverted; the interface is started', async () => {
    const pending = await session.setWanCredentials({ username: 'u2', password: 'n3w' });
    rpcd.status = { ...rpcd.status, up: false, pending: false, autostart: false };
    await pending.rollback();
    expect(rpcd.committed.wan).to.include({ username: '089xxxxxxx', password: 'oldpass' });
    expect(rpcd.staged).to.deep.equal([]);
    expect(rpcd.calls('uci.rollback')).to.have.length(1);
    expect(rpcd.calls('uci.revert')).to.have.length(1);
    await pending.rollback();
    expect(rpcd.calls('uci.rollback')).to.have.length(1);
    expect(await rejection(pending.confirm())).to.have.property('code', 'rolled_back');
  });

  it('confirm after the router already reverted ([5]) → rolled_back', async () => {
    const pending = await session.setWanCredentials({ password: 'n3w' });
    // The timer reverted: the old settings are committed again and nothing waits for confirmation.
    rpcd.committed = rpcd.pending!;
    rpcd.pending = undefined;
    expect(await rejection(pending.confirm())).to.have.property('code', 'rolled_back');
  });

  it('another apply pending ([6]) → busy, staging reverted', async () => {
    rpcd.applyStatus = 6;
    expect(await rejection(session.setWanCredentials({ password: 'n3w' }))).to.have.property('code', 'busy');
    expect(rpcd.staged).to.deep.equal([]);
  });

  it('an unchanged password applies nothing and returns a no-op change', async () => {
    const pending = await session.setWanCredentials({ password: 'oldpass' });
    expect(pending.autoRevertSeconds).to.equal(undefined);
    expect(rpcd.calls('uci.apply')).to.have.length(0);
    await pending.confirm();
  });

  it('refuses a WAN without a password (dhcp)', async () => {
    rpcd.committed.wan = { '.type': 'interface', '.name': 'wan', proto: 'dhcp', device: 'wan' };
    expect(await rejection(session.setWanCredentials({ password: 'x' }))).to.have.property('code', 'wan_no_password');
  });

  it('LuCI-style ACL: status denied → dump, remembered for the next poll without new logins', async () => {
    rpcd.denied.add('network.interface.status');
    rpcd.status = { up: false, pending: true, available: true, autostart: true };
    expect(await session.wanStatus()).to.deep.equal({ state: 'connecting' });
    const logins = rpcd.calls('login').length;
    const statusCalls = rpcd.calls('network.interface.status').length;
    expect(await session.wanStatus()).to.deep.equal({ state: 'connecting' });
    expect(rpcd.calls('login')).to.have.length(logins);
    expect(rpcd.calls('network.interface.status')).to.have.length(statusCalls);
  });

  it('info without the system object (fixture 57) falls back to family and vendor', async () => {
    rpcd.missing.add('system');
    expect(await session.info()).to.deep.equal({ family: 'openwrt', vendor: 'OpenWrt' });
  });

  it('reconnect is down then up on the main object', async () => {
    await session.reconnectWan();
    expect(rpcd.log.filter((l) => l.startsWith('network.interface.up') || l.startsWith('network.interface.down'))).to.deep.equal([
      'network.interface.down {"interface":"wan"}',
      'network.interface.up {"interface":"wan"}',
    ]);
  });

  it('restore sets only what differs and deletes options the backup lacks, then confirms', async () => {
    const backup = await session.backup();
    rpcd.committed.wan!.password = 'other';
    rpcd.committed.wan!.mtu = '1400';
    await session.restore(backup);
    expect(rpcd.calls('uci.set')).to.deep.equal(['uci.set {"config":"network","section":"wan","values":{"password":"oldpass"}}']);
    expect(rpcd.calls('uci.delete')).to.deep.equal(['uci.delete {"config":"network","section":"wan","options":["mtu"]}']);
    expect(rpcd.calls('uci.apply')).to.deep.equal(['uci.apply {"rollback":true,"timeout":60}']);
    expect(rpcd.calls('uci.confirm')).to.have.length(1);
    expect(JSON.stringify(await session.backup())).to.equal(JSON.stringify(backup));
    // autostart was false: the interface is started.
    expect(rpcd.calls('network.interface.up')).to.have.length(1);
  });

  it('restore that does not read back → restore_failed and the apply is rolled back', async () => {
    const backup = await session.backup();
    rpcd.committed.wan!.mtu = '1400';
    rpcd.committed.wan!.password = 'other';
    rpcd.ignoreDelete = true;
    expect(await rejection(session.restore(backup))).to.have.property('code', 'restore_failed');
    expect(rpcd.calls('uci.rollback')).to.have.length(1);
    expect(rpcd.calls('uci.confirm')).to.have.length(0);
    expect(rpcd.committed.wan!.password).to.equal('other');
    expect(rpcd.staged).to.deep.equal([]);
  });

  it('restore with nothing to change applies nothing', async () => {
    await session.restore(await session.backup());
    expect(rpcd.calls('uci.apply')).to.have.length(0);
  });

  it('restore refuses a backup of another family or with a bad shape', async () => {
    expect(await rejection(session.restore({ family: 'keenetic', format: 1, settings: {} }))).to.have.property('code', 'usage');
    expect(await rejection(session.restore({ family: 'openwrt', format: 1, settings: { network: { 'wan;x': {} } } }))).to.have.property('code', 'usage');
    expect(await rejection(session.restore({ family: 'openwrt', format: 1, settings: { network: { wan: { mtu: 1500 } } } }))).to.have.property('code', 'usage');
  });
});
