import { expect } from 'chai';
import type { Driver, ProbeRequest } from '../../drivers/types.js';
import { httpProbe, planExtraRequests, probeTarget, readSshBanner } from '../../src/discovery/probe.js';
import { closedPort, type Running, sendHtml, startBlackHole, startHttp, startHttps, startTcpGreeter } from './servers.js';

const HOST = '127.0.31.5';
const T = 400;

function driverWith(family: string, requests: ProbeRequest[]): Driver {
  return {
    family,
    vendor: family,
    defaultUser: 'admin',
    fingerprint: { requests, match: () => null },
    connect: () => Promise.reject(new Error('not used in discovery')),
  };
}

describe('discovery/probe', () => {
  const running: Running[] = [];
  const keep = <R extends Running>(r: R): R => {
    running.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });

  it('does not follow redirects and lower-cases header names', async () => {
    const srv = keep(await startHttp(HOST, (req, res) => sendHtml(res, 'moved', 302, { Location: '/cgi-bin/luci', 'X-Router': 'yes' })));
    const p = await httpProbe({ tls: false, host: HOST, port: srv.port, timeoutMs: T, maxBodyBytes: 1000 });
    expect(p).to.include({ port: srv.port, status: 302, body: 'moved' });
    expect(p!.headers).to.include({ location: '/cgi-bin/luci', 'x-router': 'yes' });
    expect(srv.seen).to.deep.equal(['GET /']);
  });

  it('cuts the body at maxBodyBytes', async () => {
    const srv = keep(await startHttp(HOST, (_req, res) => sendHtml(res, 'a'.repeat(200_000))));
    const p = await httpProbe({ tls: false, host: HOST, port: srv.port, timeoutMs: T, maxBodyBytes: 1000 });
    expect(p!.body).to.have.length(1000);
  });

  it('returns what arrived when the body stalls, within the timeout', async () => {
    const srv = keep(
      await startHttp(HOST, (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.write('<title>slow</title>'); // and never ends
      }),
    );
    const started = performance.now();
    const p = await httpProbe({ tls: false, host: HOST, port: srv.port, timeoutMs: T, maxBodyBytes: 1000 });
    expect(performance.now() - started).to.be.below(T * 1.5);
    expect(p).to.include({ status: 200, body: '<title>slow</title>' });
  });

  it('gives undefined for refused, silent and non-HTTP ports', async () => {
    const hole = keep(await startBlackHole(HOST));
    const ssh = keep(await startTcpGreeter(HOST, 'SSH-2.0-dropbear\r\n'));
    const refused = await closedPort(HOST);
    const started = performance.now();
    const results = await Promise.all([
      httpProbe({ tls: false, host: HOST, port: refused, timeoutMs: T, maxBodyBytes: 100 }),
      httpProbe({ tls: false, host: HOST, port: hole.port, timeoutMs: T, maxBodyBytes: 100 }),
      httpProbe({ tls: true, host: HOST, port: hole.port, timeoutMs: T, maxBodyBytes: 100 }),
      httpProbe({ tls: false, host: HOST, port: ssh.port, timeoutMs: T, maxBodyBytes: 100 }),
    ]);
    expect(results).to.deep.equal([undefined, undefined, undefined, undefined]);
    expect(performance.now() - started).to.be.below(T * 1.5);
  });

  it('reads a self-signed HTTPS landing page', async () => {
    const srv = keep(await startHttps(HOST, (_req, res) => sendHtml(res, '<title>Router</title>')));
    const p = await httpProbe({ tls: true, host: HOST, port: srv.port, timeoutMs: T, maxBodyBytes: 1000 });
    expect(p).to.include({ status: 200, body: '<title>Router</title>' });
  });

  it('reads the SSH identification line, skipping lines before it', async () => {
    const ssh = keep(await startTcpGreeter(HOST, 'Welcome\r\nSSH-2.0-dropbear_2022.83\r\n'));
    expect(await readSshBanner(HOST, ssh.port, T)).to.equal('SSH-2.0-dropbear_2022.83');
    const web = keep(await startHttp(HOST, (_req, res) => sendHtml(res, 'x')));
    expect(await readSshBanner(HOST, web.port, T)).to.equal(undefined);
    const hole = keep(await startBlackHole(HOST));
    expect(await readSshBanner(HOST, hole.port, T)).to.equal(undefined);
  });

  it('plans each distinct extra request once, filing it under every id', () => {
    const ubus: ProbeRequest = { id: 'ubus', method: 'POST', path: '/ubus', body: '{}', contentType: 'application/json' };
    const warnings: unknown[] = [];
    const plans = planExtraRequests(
      [
        driverWith('a', [ubus, { id: 'auth', method: 'GET', path: '/auth' }]),
        driverWith('b', [ubus, { ...ubus, id: 'ubus-b' }]),
        driverWith('c', [{ id: 'auth', method: 'GET', path: '/other' }]),
      ],
      { debug: () => undefined, info: () => undefined, warn: (m, meta) => warnings.push([m, meta]) },
    );
    expect(plans.map((p) => [p.request.path, p.ids])).to.deep.equal([
      ['/ubus', ['ubus', 'ubus-b']],
      ['/auth', ['auth']],
    ]);
    expect(warnings).to.have.length(1);
  });

  it('probes all services and extra requests of one target in parallel', async () => {
    const handler = (req: { url?: string | undefined; method?: string | undefined }, res: Parameters<Parameters<typeof startHttp>[1]>[1]) => {
      if (req.url === '/ubus') sendHtml(res, '{"jsonrpc":"2.0"}', 200, { 'Content-Type': 'application/json' });
      else if (req.url === '/redirect-only') sendHtml(res, '', 301, { Location: 'https://x/' });
      else sendHtml(res, '<title>LuCI</title>');
    };
    const web = keep(await startHttp(HOST, handler));
    const tls = keep(await startHttps(HOST, handler));
    const ssh = keep(await startTcpGreeter(HOST, 'SSH-2.0-dropbear\r\n'));
    const plans = planExtraRequests([driverWith('a', [{ id: 'ubus', method: 'POST', path: '/ubus', body: '{}' }, { id: 'r', method: 'GET', path: 'redirect-only' }])]);
    const probe = await probeTarget({ host: HOST, httpPort: web.port, httpsPort: tls.port, sshPort: ssh.port }, { timeoutMs: T, maxBodyBytes: 1000, extra: plans });
    expect(probe.http).to.include({ status: 200, port: web.port });
    expect(probe.https).to.include({ status: 200, port: tls.port });
    expect(probe.ssh).to.deep.equal({ port: ssh.port, banner: 'SSH-2.0-dropbear' });
    expect(probe.extra.ubus).to.include({ status: 200, port: web.port, body: '{"jsonrpc":"2.0"}' });
    expect(probe.extra.r).to.include({ status: 301 });
    expect(web.seen.sort()).to.deep.equal(['GET /', 'GET /redirect-only', 'POST /ubus']);
    expect(tls.seen.sort()).to.deep.equal(['GET /', 'GET /redirect-only', 'POST /ubus']);
  });
});
