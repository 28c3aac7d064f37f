import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AuthError,
  NotFoundError,
  ProtocolError,
  RouterctlError,
  TimeoutError,
  UnreachableError,
  UnsupportedError,
} from '../../../src/core/errors.js';
import { UbusClient } from '../../../drivers/openwrt/ubus-client.js';
import type { DriverLogger } from '../../../drivers/types.js';
import { realBodyRaw } from './fixtures.js';

const HOST = '127.0.22.1';
const PASSWORD = 'Sekr3t-pw-"q"-$HOME;x\\y';
const SID1 = '69b42afc560b07aa4665e00c9ebe4b0a';
const SID2 = '0123456789abcdef0123456789abcdef';

interface RpcRequest {
  id: number;
  method: string;
  params?: [string, string, string, Record<string, unknown>];
}

type Answer = { status?: number; body: string; headers?: Record<string, string> } | 'reset' | 'hang';
type Handler = (req: RpcRequest, raw: string) => Answer;

/** Replays a recorded reply with the id of the request it answers. */
function replay(fixture: string, req: RpcRequest, patch?: (body: Record<string, unknown>) => void): Answer {
  const body = JSON.parse(realBodyRaw(fixture)) as Record<string, unknown>;
  body.id = req.id;
  patch?.(body);
  return { body: JSON.stringify(body) };
}

const loginAs = (sid: string) => (req: RpcRequest): Answer =>
  replay('01', req, (b) => {
    ((b.result as unknown[])[1] as Record<string, unknown>).ubus_rpc_session = sid;
  });

class FakeUhttpd {
  readonly requests: Array<{ rpc: RpcRequest; raw: string }> = [];
  handler: Handler = () => ({ status: 500, body: '' });
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let rpc: RpcRequest;
      try {
        rpc = JSON.parse(raw) as RpcRequest;
      } catch {
        res.writeHead(200).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
        return;
      }
      this.requests.push({ rpc, raw });
      const a = this.handler(rpc, raw);
      if (a === 'reset') {
        req.socket.destroy();
        return;
      }
      if (a === 'hang') return;
      // uhttpd sends no Server header and chunked JSON (fixture 80).
      res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
      res.end(a.body);
    });
  });
  readonly #sockets = new Set<Socket>();

  async start(): Promise<string> {
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, HOST, resolve));
    return `http://${HOST}:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  calls(object: string, method: string): Array<{ rpc: RpcRequest; raw: string }> {
    return this.requests.filter((r) => r.rpc.params?.[1] === object && r.rpc.params?.[2] === method);
  }
}

function recordingLogger(): DriverLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn') };
}

async function caught(p: Promise<unknown>): Promise<RouterctlError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(RouterctlError);
    const e = err as RouterctlError;
    // Whatever went wrong, the admin password is in neither the message nor the details.
    expect(`${e.message} ${JSON.stringify(e.details)}`).to.not.include(PASSWORD);
    return e;
  }
  throw new Error('expected a rejection');
}

describe('openwrt ubus client', function () {
  this.timeout(10000);
  let srv: FakeUhttpd;
  let baseUrl: string;
  let logger: ReturnType<typeof recordingLogger>;
  const client = (over: Partial<{ timeoutMs: number; maxResponseBytes: number }> = {}): UbusClient =>
    new UbusClient({ baseUrl, timeoutMs: over.timeoutMs ?? 2000, maxResponseBytes: over.maxResponseBytes ?? 1 << 20, logger });

  beforeEach(async () => {
    srv = new FakeUhttpd();
    baseUrl = await srv.start();
    logger = recordingLogger();
  });
  afterEach(async () => {
    await srv.stop();
    for (const line of logger.lines) expect(line).to.not.include(PASSWORD);
  });

  it('logs in (fixture 01) and calls with the session id', async () => {
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : replay('13', req));
    const c = client();
    await c.login('root', PASSWORD, 600);
    expect(c.sessionId).to.equal(SID1);
    expect(c.sessionTimeout).to.equal(300);
    const data = await c.call('uci', 'get', { config: 'network', section: 'wan' });
    expect((data as { values: Record<string, string> }).values.proto).to.equal('l2tp');
    const login = srv.calls('session', 'login')[0]!.rpc;
    expect(login.params![0]).to.equal('00000000000000000000000000000000');
    expect(login.params![3]).to.deep.equal({ username: 'root', password: PASSWORD, timeout: 600 });
    expect(srv.calls('uci', 'get')[0]!.rpc.params![0]).to.equal(SID1);
    expect(srv.calls('uci', 'get')[0]!.rpc).to.include({ jsonrpc: '2.0' });
  });

  it('wrong password → AuthError after exactly one login request (fixture 02)', async () => {
    srv.handler = (req) => replay('02', req);
    const e = await caught(client().login('root', PASSWORD));
    expect(e).to.be.instanceOf(AuthError);
    expect(srv.requests).to.have.length(1);
  });

  it('login without a password field → ProtocolError (fixture 04, [2])', async () => {
    srv.handler = (req) => replay('04', req);
    expect(await caught(client().login('root', PASSWORD))).to.be.instanceOf(ProtocolError);
  });

  it('-32002 on a working session: logs in again once and retries (fixtures 54, 13)', async () => {
    let logins = 0;
    srv.handler = (req) => {
      if (req.params?.[2] === 'login') return loginAs(++logins === 1 ? SID1 : SID2)(req);
      return req.params?.[0] === SID1 ? replay('54', req) : replay('13', req);
    };
    const c = client();
    await c.login('root', PASSWORD);
    const data = await c.call('uci', 'get', { config: 'network', section: 'wan' });
    expect((data as { values: Record<string, string> }).values.username).to.equal('089xxxxxxx');
    expect(srv.calls('session', 'login')).to.have.length(2);
    expect(srv.calls('uci', 'get').map((r) => r.rpc.params![0])).to.deep.equal([SID1, SID2]);
    expect(c.sessionId).to.equal(SID2);
  });

  it('-32002 again after the fresh login → ACL ProtocolError with advice, and no more re-logins for it', async () => {
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : replay('20', req));
    const c = client();
    await c.login('viewer', PASSWORD);
    const e = await caught(c.call('uci', 'set', { config: 'network', section: 'wan', values: { password: 'x' } }));
    expect(e).to.be.instanceOf(ProtocolError);
    expect(e.details).to.include({ acl: true, rpcCode: -32002 });
    expect(e.message).to.match(/root|ACL/);
    expect(srv.calls('session', 'login')).to.have.length(2);
    await caught(c.call('uci', 'set', { config: 'network', section: 'wan', values: { password: 'x' } }));
    expect(srv.calls('session', 'login')).to.have.length(2);
  });

  it('a wrong password during the re-login is an AuthError, not retried', async () => {
    let logins = 0;
    srv.handler = (req) => (req.params?.[2] === 'login' ? (++logins === 1 ? loginAs(SID1)(req) : replay('02', req)) : replay('54', req));
    const c = client();
    await c.login('root', PASSWORD);
    expect(await caught(c.call('uci', 'get', { config: 'network' }))).to.be.instanceOf(AuthError);
    expect(logins).to.equal(2);
  });

  it('maps ubus statuses and JSON-RPC errors (fixtures 18, 19, 57, 60, 61, 65)', async () => {
    const byMethod: Record<string, string> = { get: '18', board: '57', nosuchmethod: '60', configs: '61', dhcp: '19' };
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : replay(byMethod[req.params![2]] ?? '60', req));
    const c = client();
    await c.login('root', PASSWORD);
    const nf = await caught(c.call('uci', 'get', { config: 'nosuchconfig' }));
    expect(nf).to.be.instanceOf(NotFoundError);
    expect(nf.details).to.include({ ubusStatus: 4 });
    expect(await caught(c.call('system', 'board'))).to.be.instanceOf(NotFoundError);
    expect(await caught(c.call('uci', 'nosuchmethod'))).to.be.instanceOf(UnsupportedError);
    const inv = await caught(c.call('uci', 'configs'));
    expect(inv).to.be.instanceOf(ProtocolError);
    expect(inv.details).to.include({ ubusStatus: 2 });
    srv.handler = (req) => replay('19', req);
    const denied = await caught(c.call('uci', 'get', { config: 'dhcp' }));
    expect(denied).to.be.instanceOf(ProtocolError);
    expect(denied.details).to.include({ ubusStatus: 6 });
    srv.handler = (req) => replay('65', req);
    expect(await caught(c.call('uci', 'frob'))).to.be.instanceOf(UnsupportedError);
  });

  it('a bare [0] returns undefined (fixture 16); unauthenticated list works (fixture 62)', async () => {
    srv.handler = (req) => (req.method === 'list' ? replay('62', req) : req.params?.[2] === 'login' ? loginAs(SID1)(req) : replay('16', req));
    const c = client();
    expect(await c.list()).to.deep.equal(['file', 'rc', 'rpc-sys', 'session', 'uci']);
    await c.login('root', PASSWORD);
    expect(await c.call('uci', 'get', { config: 'network', section: 'vpn0' })).to.equal(undefined);
  });

  it('garbage body → ProtocolError with a short excerpt', async () => {
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : { body: `<html>${'oops '.repeat(2000)}</html>` });
    const c = client();
    await c.login('root', PASSWORD);
    const e = await caught(c.call('uci', 'get', { config: 'network' }));
    expect(e).to.be.instanceOf(ProtocolError);
    expect((e.details.excerpt as string).length).to.be.at.most(121);
  });

  it('a login reply that is not JSON never quotes the body (it might echo the password)', async () => {
    srv.handler = (_req, raw) => ({ body: `echo: ${raw}` });
    const e = await caught(client().login('root', PASSWORD));
    expect(e).to.be.instanceOf(ProtocolError);
    expect(e.details.excerpt).to.equal(undefined);
  });

  it('replies that are JSON but not JSON-RPC, or carry another id → ProtocolError', async () => {
    srv.handler = () => ({ body: '[1,2]' });
    expect(await caught(client().login('root', PASSWORD))).to.be.instanceOf(ProtocolError);
    srv.handler = () => ({ body: '{"jsonrpc":"2.0","id":999,"result":[0]}' });
    expect(await caught(client().login('root', PASSWORD))).to.be.instanceOf(ProtocolError);
    srv.handler = (req) => ({ body: JSON.stringify({ jsonrpc: '2.0', id: req.id, result: 'x' }) });
    expect(await caught(client().login('root', PASSWORD))).to.be.instanceOf(ProtocolError);
  });

  it('HTTP 500 and 404 → ProtocolError; a redirect is not followed', async () => {
    srv.handler = () => ({ status: 500, body: 'Internal Server Error' });
    const e = await caught(client().login('root', PASSWORD));
    expect(e).to.be.instanceOf(ProtocolError);
    expect(e.details.httpStatus).to.equal(500);
    srv.handler = () => ({ status: 404, body: '' });
    expect((await caught(client().login('root', PASSWORD))).message).to.match(/uhttpd-mod-ubus/);
    srv.handler = () => ({ status: 307, body: '', headers: { Location: 'https://127.0.22.1/ubus' } });
    expect((await caught(client().login('root', PASSWORD))).message).to.match(/HTTPS/);
    expect(srv.requests).to.have.length(3);
  });

  it('connection reset → UnreachableError', async () => {
    srv.handler = () => 'reset';
    expect(await caught(client().login('root', PASSWORD))).to.be.instanceOf(UnreachableError);
  });

  it('connection refused → UnreachableError', async () => {
    const port = Number(new URL(baseUrl).port);
    await srv.stop();
    srv = new FakeUhttpd();
    await srv.start();
    const c = new UbusClient({ baseUrl: `http://${HOST}:${port}`, timeoutMs: 2000, maxResponseBytes: 1 << 20 });
    expect(await caught(c.login('root', PASSWORD))).to.be.instanceOf(UnreachableError);
  });

  it('no answer → TimeoutError after the request timeout', async () => {
    srv.handler = () => 'hang';
    const started = Date.now();
    expect(await caught(client({ timeoutMs: 200 }).login('root', PASSWORD))).to.be.instanceOf(TimeoutError);
    expect(Date.now() - started).to.be.below(2000);
  });

  it('a body larger than maxResponseBytes → ProtocolError', async () => {
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : { body: JSON.stringify({ jsonrpc: '2.0', id: req.id, result: [0, { x: 'a'.repeat(50000) }] }) });
    const c = client({ maxResponseBytes: 4096 });
    await c.login('root', PASSWORD);
    const e = await caught(c.call('uci', 'get', { config: 'network' }));
    expect(e).to.be.instanceOf(ProtocolError);
    expect(e.message).to.match(/larger/);
  });

  it('logout destroys the session (fixture 71) and is safe to repeat', async () => {
    srv.handler = (req) => (req.params?.[2] === 'login' ? loginAs(SID1)(req) : replay('71', req));
    const c = client();
    await c.login('root', PASSWORD);
    await c.logout();
    await c.logout();
    const destroys = srv.calls('session', 'destroy');
    expect(destroys).to.have.length(1);
    expect(destroys[0]!.rpc.params![0]).to.equal(SID1);
    expect(await caught(c.call('uci', 'get', { config: 'network' }))).to.be.instanceOf(ProtocolError);
  });

  it('ensureSessionTimeout logs in again with a longer timeout only when needed', async () => {
    let logins = 0;
    srv.handler = (req) => {
      if (req.params?.[2] === 'login') return loginAs(++logins === 1 ? SID1 : SID2)(req);
      return replay('71', req);
    };
    const c = client();
    await c.login('root', PASSWORD);
    await c.ensureSessionTimeout(200);
    expect(logins).to.equal(1);
    srv.handler = (req) => {
      if (req.params?.[2] === 'login') {
        logins++;
        return replay('01', req, (b) => {
          const d = (b.result as unknown[])[1] as Record<string, unknown>;
          d.ubus_rpc_session = SID2;
          d.timeout = (req.params![3].timeout as number) ?? 300;
        });
      }
      return replay('71', req);
    };
    await c.ensureSessionTimeout(400);
    expect(logins).to.equal(2);
    expect(c.sessionId).to.equal(SID2);
    expect(c.sessionTimeout).to.equal(400);
    expect(srv.calls('session', 'destroy')[0]!.rpc.params![0]).to.equal(SID1);
    expect(srv.calls('session', 'login').at(-1)!.rpc.params![3].timeout).to.equal(400);
  });
});
