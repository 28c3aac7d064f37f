// The one HTTP request helper both drivers use: every failure a typed error, bounded in time (idle
// timeout and an overall deadline that catches a slow drip) and in size, no redirect followed, and
// nothing of the request (which may carry a password) in any error.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProtocolError, RouterctlError, TimeoutError, UnreachableError } from '../../src/core/errors.js';
import { isTransient, transportError } from '../../src/transport/errors.js';
import { HttpTransport, httpsRedirectOf, retryIdempotent } from '../../src/transport/http.js';
import { collectGarbage } from '../gc.js';

const HOST = '127.0.82.1';
const SECRET = 'hunter2 "pw" $x';

describe('transport: HTTP requests to a router', function () {
  this.timeout(15_000);
  let server: http.Server;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const sockets = new Set<Socket>();
  let port: number;

  before(async () => {
    server = http.createServer((req, res) => handler(req, res));
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

  const transport = (o: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport =>
    new HttpTransport({ baseUrl: `http://${HOST}:${port}`, label: 'Test', timeoutMs: 300, maxResponseBytes: 4096, ...o });
  const post = (t = transport()): Promise<unknown> => t.request({ method: 'POST', path: '/ubus?x=1', body: JSON.stringify({ password: SECRET }) }).catch((e: unknown) => e);

  function clean(err: unknown): void {
    expect(err).to.be.instanceOf(RouterctlError);
    const e = err as RouterctlError;
    expect(e.code).to.not.equal('internal');
    expect(e.message + JSON.stringify(e.details)).to.not.include(SECRET);
    expect(e.message + JSON.stringify(e.details)).to.not.include('x=1');
    expect(e.cause).to.equal(undefined);
  }

  it('answers with status, headers and text; redirects are not followed', async () => {
    handler = (req, res) => {
      req.resume();
      res.writeHead(302, { Location: 'https://elsewhere/' });
      res.end('moved');
    };
    const r = await transport().request({ method: 'GET', path: '/' });
    expect(r).to.include({ status: 302, text: 'moved' });
    expect(r.headers['location']).to.equal('https://elsewhere/');
  });

  it('connection reset → UnreachableError; refused → UnreachableError', async () => {
    handler = (req) => req.socket.destroy();
    const reset = await post();
    expect(reset).to.be.instanceOf(UnreachableError);
    clean(reset);
    const refused = await post(new HttpTransport({ baseUrl: `http://${HOST}:9`, label: 'Test', timeoutMs: 300, maxResponseBytes: 100 }));
    expect(refused).to.be.instanceOf(UnreachableError);
    clean(refused);
  });

  it('silence → TimeoutError after the idle timeout; a slow drip → TimeoutError at the overall deadline', async () => {
    handler = () => undefined;
    let t0 = Date.now();
    const silent = await post();
    expect(silent).to.be.instanceOf(TimeoutError);
    expect(Date.now() - t0).to.be.lessThan(1500);
    clean(silent);

    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': '1000' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 50);
      res.on('close', () => clearInterval(timer));
    };
    t0 = Date.now();
    const drip = await post(transport({ deadlineMs: 700 }));
    expect(drip).to.be.instanceOf(TimeoutError);
    expect(Date.now() - t0).to.be.within(600, 1500);
    clean(drip);
  });

  it('a slow drip is still cut at the overall deadline when the garbage collector runs during the request', async () => {
    const gc = collectGarbage();
    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': '1000' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 50);
      res.on('close', () => clearInterval(timer));
    };
    const collector = setInterval(gc, 100);
    try {
      const t0 = Date.now();
      const drip = await Promise.race([post(transport({ deadlineMs: 500 })), new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3000))]);
      expect(drip).to.be.instanceOf(TimeoutError);
      expect(Date.now() - t0).to.be.within(400, 1500);
      clean(drip);
    } finally {
      clearInterval(collector);
    }
  });

  it('names the HTTPS address a router redirects to, only for the same router and only for https', () => {
    const reply = (status: number, location?: string): Parameters<typeof httpsRedirectOf>[0] => ({ status, headers: location ? { location } : {}, text: '' });
    const base = 'http://192.0.2.1:8080';
    expect(httpsRedirectOf(reply(302, 'https://192.0.2.1/cgi-bin/luci'), base)).to.equal('https://192.0.2.1');
    expect(httpsRedirectOf(reply(301, 'https://192.0.2.1:8443/'), base)).to.equal('https://192.0.2.1:8443');
    expect(httpsRedirectOf(reply(302, '/cgi-bin/luci'), base)).to.equal(undefined);
    expect(httpsRedirectOf(reply(302, 'https://evil.example/'), base)).to.equal(undefined);
    expect(httpsRedirectOf(reply(200, 'https://192.0.2.1/'), base)).to.equal(undefined);
    expect(httpsRedirectOf(reply(302, 'https://[bad'), base)).to.equal(undefined);
  });

  it('a reply larger than the limit → ProtocolError (too_large), without reading it all', async () => {
    let sent = 0;
    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    };
    const err = await post();
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).details['reason']).to.equal('too_large');
    expect(sent).to.be.lessThan(64 * 1024 * 1024);
    clean(err);
  });

  it('refuses to send an oversized request', async () => {
    const err = await transport({ maxRequestBytes: 10 })
      .request({ method: 'POST', path: '/', body: 'x'.repeat(11) })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
  });

  it('classifies what may pass on a second try, and retries reads once only', async () => {
    expect(isTransient(new UnreachableError('x'))).to.equal(true);
    expect(isTransient(new TimeoutError('x'))).to.equal(true);
    expect(isTransient(new ProtocolError('x', { httpStatus: 502 }))).to.equal(true);
    expect(isTransient(new ProtocolError('x', { reason: 'not_json' }))).to.equal(true);
    expect(isTransient(new ProtocolError('x', { httpStatus: 404 }))).to.equal(false);
    expect(isTransient(new RouterctlError('auth_failed', 'x'))).to.equal(false);
    let calls = 0;
    const flaky = async (): Promise<string> => {
      calls++;
      if (calls === 1) throw new UnreachableError('blip');
      return 'ok';
    };
    expect(await retryIdempotent(flaky, isTransient, 1)).to.equal('ok');
    calls = 0;
    const down = async (): Promise<string> => {
      calls++;
      throw new UnreachableError('down');
    };
    expect(await retryIdempotent(down, isTransient, 1).catch((e: unknown) => e)).to.be.instanceOf(UnreachableError);
    expect(calls).to.equal(2);
  });

  it('maps odd low-level errors to typed ones and never quotes their message', () => {
    const where = { label: 'Test', base: 'http://h:1', path: '/p' };
    const leaky = Object.assign(new Error(`request failed: {"password":"${SECRET}"}`), { code: 'EWEIRD', config: { data: SECRET } });
    const e = transportError(leaky, where);
    expect(e).to.be.instanceOf(ProtocolError);
    clean(e);
    expect(transportError(Object.assign(new Error('x'), { code: 'ECONNABORTED' }), where)).to.be.instanceOf(TimeoutError);
    expect(transportError(new Error('socket hang up'), where)).to.be.instanceOf(UnreachableError);
    expect(transportError(undefined, where)).to.be.instanceOf(ProtocolError);
    expect(transportError('text', where)).to.be.instanceOf(ProtocolError);
  });
});
