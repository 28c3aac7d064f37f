// The RCI client against a scripted HTTP server that replays the captured /auth heads and RCI replies
// byte for byte, so the login is checked against what a real router sends.
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { challengeHash, RciClient } from '../../../drivers/keenetic/rci-client.js';
import {
  AuthError,
  LockedOutError,
  ProtocolError,
  RouterctlError,
  TimeoutError,
  UnreachableError,
  UnsupportedError,
} from '../../../src/core/errors.js';
import { fixtureJson, fixtureText, rawHttp, silent, type RawHttp } from './fixtures.js';

const HOST = '127.0.10.20';

interface Seen {
  method: string;
  path: string;
  cookie?: string | undefined;
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

function replayHead(res: ServerResponse, raw: RawHttp, skip: string[] = []): void {
  res.statusCode = raw.status;
  for (const [k, v] of raw.lines) {
    if (['transfer-encoding', 'content-length', 'connection', 'date', ...skip].includes(k.toLowerCase())) continue;
    const prev = res.getHeader(k);
    res.setHeader(k, prev === undefined ? v : [...(Array.isArray(prev) ? prev : [String(prev)]), v]);
  }
}

function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('keenetic RCI client', function () {
  this.timeout(8000);
  let server: Server;
  let port: number;
  let handler: Handler;
  let seen: Seen[];
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = { method: req.method ?? '', path: req.url ?? '', cookie: req.headers.cookie, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(s);
        handler(s, res);
      });
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, HOST, r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen = [];
  });

  const client = (timeoutMs = 2000, maxResponseBytes = 1 << 20): RciClient =>
    new RciClient({ baseUrl: `http://${HOST}:${port}`, timeoutMs, maxResponseBytes, logger: silent });

  const CHALLENGE = rawHttp('auth-get-401-challenge.http');
  const FIXTURE_COOKIE = 'ICNYEPYFESWFL=QYGTYZSROQLOELYE';

  /** A router whose /auth is the captured one; `password` decides whether POST /auth succeeds. */
  const router = (password: string, rci: Handler = (_r, res) => sendJson(res, fixtureJson('rci-show-system.response.json'))): Handler => {
    let authed = false;
    return (req, res) => {
      if (req.path === '/auth' && req.method === 'GET') {
        if (authed && req.cookie === FIXTURE_COOKIE) return void res.end();
        replayHead(res, CHALLENGE);
        return void res.end();
      }
      if (req.path === '/auth' && req.method === 'POST') {
        const body = JSON.parse(req.body) as { login: string; password: string };
        const ok = req.cookie === FIXTURE_COOKIE && body.password === challengeHash(body.login, 'Keenetic Hopper', password, 'NZTNNJVJEGJSTRGZFKWSGCNINRIAVVRO');
        authed = ok;
        res.statusCode = ok ? 200 : 401;
        return void res.end();
      }
      if (req.path === '/auth' && req.method === 'DELETE') {
        authed = false;
        return void res.end();
      }
      if (!authed || req.cookie !== FIXTURE_COOKIE) {
        res.statusCode = 401;
        return void res.end();
      }
      rci(req, res);
    };
  };

  it('hashes exactly as doc §2.1 (known answers, computed independently)', () => {
    expect(challengeHash('admin', 'Keenetic Hopper', '1234', 'NZTNNJVJEGJSTRGZFKWSGCNINRIAVVRO')).to.equal(
      '6784195ba3f0082a37093c44026674e6a057354104f1361b4bc12ccc46378bec',
    );
    expect(challengeHash('admin', 'Keenetic Hopper', 'пароль Ёё', 'NZTNNJVJEGJSTRGZFKWSGCNINRIAVVRO')).to.equal(
      '29de70c218ca2a9c566cfb798e03de65ac7671b80f574aca77eb67d866348c72',
    );
  });

  it('logs in against the captured challenge with the cookie bound to it, then reads RCI', async () => {
    handler = router('1234');
    const c = client();
    await c.login('admin', '1234');
    expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(['GET /auth', 'POST /auth']);
    expect(seen[0]!.cookie).to.equal(undefined);
    expect(seen[1]!.cookie).to.equal(FIXTURE_COOKIE);
    expect(JSON.parse(seen[1]!.body)).to.deep.equal({ login: 'admin', password: '6784195ba3f0082a37093c44026674e6a057354104f1361b4bc12ccc46378bec' });
    expect(await c.get('show/system')).to.deep.equal(fixtureJson('rci-show-system.response.json'));
    expect(seen[2]).to.deep.include({ method: 'GET', path: '/rci/show/system', cookie: FIXTURE_COOKIE });
    await c.logout();
    expect(seen[3]).to.deep.include({ method: 'DELETE', path: '/auth', cookie: FIXTURE_COOKIE });
    await c.logout(); // idempotent: no second request
    expect(seen).to.have.length(4);
  });

  it('a wrong password is one POST and an AuthError', async () => {
    handler = router('right');
    const err = await client().login('admin', 'wrong').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect(seen.filter((s) => s.method === 'POST')).to.have.length(1);
  });

  it('no admin password set: 200 at once, the captured cookie is kept (fixture auth-get-200-no-password.http)', async () => {
    const raw = rawHttp('auth-get-200-no-password.http');
    handler = (req, res) => {
      if (req.path === '/auth') {
        replayHead(res, raw);
        return void res.end('{}');
      }
      sendJson(res, req.cookie === 'SEKLGYBCRCTC=ZHIBHDARYLUXTWQF' ? { ok: true } : fixtureJson('rci-status-error-no-such-command.json'));
    };
    const c = client();
    await c.login('admin', '');
    expect(c.noPasswordSet).to.equal(true);
    expect(seen.filter((s) => s.method === 'POST')).to.have.length(0);
    expect(await c.get('x')).to.deep.equal({ ok: true });
  });

  it('lockout signals become LockedOutError with what the router says', async () => {
    handler = (_req, res) => {
      res.statusCode = 403; // doc §2.2: 403 on /auth without a challenge
      res.end('Forbidden');
    };
    const e1 = await client().login('admin', 'x').catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(LockedOutError);
    expect((e1 as LockedOutError).details).to.deep.include({ httpStatus: 403, routerSays: 'Forbidden' });
    expect(seen.filter((s) => s.method === 'POST')).to.have.length(0);

    handler = (_req, res) => {
      res.statusCode = 429;
      res.setHeader('Retry-After', '120');
      res.end();
    };
    const e2 = await client().login('admin', 'x').catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(LockedOutError);
    expect((e2 as LockedOutError).details.retryAfterSeconds).to.equal(120);

    handler = (req, res) => {
      if (req.method === 'GET') {
        replayHead(res, CHALLENGE);
        return void res.end();
      }
      res.statusCode = 403;
      res.end('too many attempts, blocked for 15 minutes');
    };
    const e3 = await client().login('admin', 'x').catch((e: unknown) => e);
    expect(e3).to.be.instanceOf(LockedOutError);
    expect((e3 as LockedOutError).message).to.contain('blocked for 15 minutes');
  });

  it('a Basic-only router is unsupported, a 401 without the pair is a protocol error', async () => {
    handler = (_req, res) => {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Basic realm="x"');
      res.end();
    };
    expect(await client().login('admin', 'x').catch((e: unknown) => e)).to.be.instanceOf(UnsupportedError);
    handler = (_req, res) => {
      res.statusCode = 401;
      res.end();
    };
    expect(await client().login('admin', 'x').catch((e: unknown) => e)).to.be.instanceOf(ProtocolError);
  });

  it('errors inside HTTP 200 are typed; batches keep their order (fixtures)', async () => {
    handler = router('pw', (req, res) => {
      if (req.path === '/rci/foo') return sendJson(res, fixtureJson('rci-status-error-no-such-command.json'));
      if (req.path === '/rci/' && req.method === 'POST') {
        const body = JSON.parse(req.body) as unknown[];
        if (body.length === 4) return sendJson(res, fixtureJson('rci-batch-l2tp-pingcheck-save.response.json'));
        return sendJson(res, [{ status: [{ status: 'error', code: '7405602', ident: 'Command::Base', message: `argument parse error: "${JSON.stringify(body).slice(60, 90)}"` }] }]);
      }
      if (req.path === '/rci/crit') return sendJson(res, { a: { status: [{ status: 'critical', code: '1', ident: 'X', message: 'boom' }] } });
      sendJson(res, {});
    });
    const c = client();
    await c.login('admin', 'pw');
    expect(await c.get('foo').catch((e: unknown) => e)).to.be.instanceOf(UnsupportedError);
    expect(await c.get('crit').catch((e: unknown) => e)).to.be.instanceOf(ProtocolError);
    const request = fixtureJson('rci-batch-l2tp-pingcheck-save.request.json') as unknown[];
    const reply = await c.batch(request);
    expect(reply).to.deep.equal(fixtureJson('rci-batch-l2tp-pingcheck-save.response.json'));
    expect(JSON.parse(seen.at(-1)!.body)).to.deep.equal(request);
    // A secret sent in the body never appears in the error, even when the router echoes it.
    const secret = 'S3CRET-"quoted"-value-0123456789';
    const err = (await c.batch([{ interface: { name: 'PPPoE0', authentication: { password: secret } } }], [secret]).catch((e: unknown) => e)) as RouterctlError;
    expect(err).to.be.instanceOf(ProtocolError);
    expect(JSON.stringify({ m: err.message, d: err.details })).to.not.contain('S3CRET');
    // A reply array of another length is refused.
    expect(await c.batch([{}, {}]).catch((e: unknown) => e)).to.be.instanceOf(ProtocolError);
  });

  it('an expired session (401 on /rci) logs in again once', async () => {
    let expireOnce = true;
    const inner = router('pw');
    handler = (req, res) => {
      if (req.path.startsWith('/rci/') && expireOnce) {
        expireOnce = false;
        res.statusCode = 401;
        return void res.end();
      }
      inner(req, res);
    };
    const c = client();
    await c.login('admin', 'pw');
    expect(await c.get('show/system')).to.have.property('hostname', 'Keenetic-1575');
    expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal(['GET /auth', 'POST /auth', 'GET /rci/show/system', 'GET /auth', 'POST /auth', 'GET /rci/show/system']);
  });

  it('transport and HTTP failures are typed', async () => {
    const answer = (fn: (res: ServerResponse) => void): Handler => router('pw', (_req, res) => fn(res));
    const check = async (h: Handler, type: new (...a: never[]) => RouterctlError, opts: { timeoutMs?: number; max?: number } = {}): Promise<void> => {
      handler = h;
      const c = client(opts.timeoutMs, opts.max);
      await c.login('admin', 'pw');
      const err = await c.get('show/version').catch((e: unknown) => e);
      expect(err, type.name).to.be.instanceOf(type);
    };
    await check(answer((res) => sendJson(res, '<html>oops', 200)), ProtocolError);
    await check(
      answer((res) => {
        res.statusCode = 500;
        res.end('x');
      }),
      ProtocolError,
    );
    await check(
      answer((res) => {
        res.statusCode = 404;
        res.end();
      }),
      UnsupportedError,
    );
    await check(answer((res) => sendJson(res, { big: 'x'.repeat(5000) })), ProtocolError, { max: 1000 });
    await check(answer((res) => res.socket?.destroy()), UnreachableError);
    await check(answer(() => undefined), TimeoutError, { timeoutMs: 300 });
    const refused = new RciClient({ baseUrl: 'http://127.0.10.21:9', timeoutMs: 1000, maxResponseBytes: 1000 });
    expect(await refused.login('admin', 'x').catch((e: unknown) => e)).to.be.instanceOf(UnreachableError);
  });

  it('fixture texts stay what the tests assume', () => {
    expect(fixtureText('auth-get-401-challenge.http')).to.contain('X-NDM-Challenge: NZTNNJVJEGJSTRGZFKWSGCNINRIAVVRO');
  });
});
