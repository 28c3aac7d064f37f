// Who may talk to the wizard, over plain HTTP against the BUILT CLI's `routerctl ui` (on the lab's
// config, so even a request that got through would only reach loopback): no token, a used token, a
// foreign Host (DNS rebinding), a foreign Origin, a cross-site form (urlencoded, text/plain,
// multipart) — all refused; only 127.0.0.1 is bound; the server stops after inactivity and on
// SIGINT/SIGTERM; the page loads nothing from elsewhere.
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { eventually, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from '../e2e/cli-helpers.js';
import { startUi, type UiProcess } from './helpers.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: fetch() may not set Host, and must not follow the redirect. */
function request(port: number, o: { method?: string; path?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: o.host ?? '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers: { host: `127.0.0.1:${port}`, ...o.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(o.body);
  });
}

describe('ui: security of the wizard server (built CLI)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let ui: UiProcess;
  let cookie: string;
  let origin: string;

  const json = (port: number, p: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    request(port, { method: 'POST', path: p, headers: { 'content-type': 'application/json', origin, cookie, ...headers }, body: JSON.stringify(body) });

  before(async () => {
    sandbox = await makeSandbox();
    lab = await startLabProcess(sandbox, ['--speed', 'fast']);
    ui = await startUi(sandbox, ['--config', lab.info.configPath]);
    origin = ui.origin;
  });

  after(async () => {
    await ui?.stop();
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('prints one JSON line with a loopback URL carrying a long random token', () => {
    const url = new URL(ui.url);
    expect(url.hostname).to.equal('127.0.0.1');
    expect(url.pathname).to.equal('/');
    expect(url.searchParams.get('token')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(ui.stdout).to.have.length(1);
  });

  it('refuses everything without the token or the cookie', async () => {
    for (const p of ['/', '/api/state', '/api/events', '/api/report', '/app.js']) {
      const r = await request(ui.port, { path: p });
      expect(r.status, p).to.equal(403);
    }
    expect((await request(ui.port, { path: '/?token=wrong' })).status).to.equal(403);
    const post = await request(ui.port, { method: 'POST', path: '/api/discover', headers: { 'content-type': 'application/json', origin }, body: '{}' });
    expect(post.status).to.equal(403);
  });

  it('exchanges the token once for an HttpOnly SameSite=Strict cookie and redirects to a URL without it', async () => {
    const token = new URL(ui.url).searchParams.get('token')!;
    const r = await request(ui.port, { path: `/?token=${token}`, headers: { 'sec-fetch-site': 'none' } });
    expect(r.status).to.equal(303);
    expect(r.headers.location).to.equal('/');
    const setCookie = r.headers['set-cookie']![0]!;
    expect(setCookie).to.match(/; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).to.not.contain(token);
    cookie = setCookie.split(';')[0]!;
    expect(r.headers['referrer-policy']).to.equal('no-referrer');
    // Used once: the same link is now worthless.
    expect((await request(ui.port, { path: `/?token=${token}` })).status).to.equal(403);
    const page = await request(ui.port, { headers: { cookie } });
    expect(page.status).to.equal(200);
    expect(page.body).to.not.contain(token);
  });

  it('serves a page that loads nothing from elsewhere, behind a strict CSP', async () => {
    const page = await request(ui.port, { headers: { cookie, 'accept-language': 'uk-UA,uk;q=0.9,ru;q=0.8' } });
    expect(page.headers['content-security-policy']).to.match(/default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    expect(page.headers['content-security-policy']).to.contain("form-action 'none'");
    expect(page.headers['content-security-policy']).to.contain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).to.equal('DENY');
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.body).to.match(/<html lang="uk"/);
    expect(page.body).to.not.match(/(src|href)="(https?:)?\/\//i);
    const css = await request(ui.port, { path: '/app.css', headers: { cookie } });
    expect(css.body).to.not.match(/url\(|@import|https?:/);
    const js = await request(ui.port, { path: '/app.js', headers: { cookie } });
    expect(js.status).to.equal(200);
    expect(js.body).to.not.match(/https?:\/\//);
  });

  it('refuses a foreign Host (DNS rebinding), even with the cookie', async () => {
    for (const host of ['evil.example', `evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`, `localhost.evil.example:${ui.port}`, `[::1]:${ui.port}`]) {
      const r = await request(ui.port, { path: '/api/state', headers: { cookie, host } });
      expect(r.status, host).to.equal(421);
      expect(r.body).to.not.contain('"version"');
    }
    // HTTP/1.0 without any Host header.
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: ui.port }, () => s.end(`GET /api/state HTTP/1.0\r\nCookie: ${cookie}\r\n\r\n`));
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      s.on('error', reject);
    });
    expect(raw).to.match(/^HTTP\/1\.[01] (421|400) /);
    expect((await request(ui.port, { path: '/api/state', headers: { cookie, host: `localhost:${ui.port}` } })).status).to.equal(200);
  });

  it('refuses a foreign Origin and cross-site fetch metadata; a POST needs our Origin', async () => {
    for (const o of ['http://evil.example', `http://127.0.0.1:${ui.port + 1}`, 'null', `https://127.0.0.1:${ui.port}`]) {
      expect((await json(ui.port, '/api/discover', {}, { origin: o })).status, o).to.equal(403);
      expect((await request(ui.port, { path: '/api/state', headers: { cookie, origin: o } })).status, o).to.equal(403);
    }
    const noOrigin = await request(ui.port, { method: 'POST', path: '/api/discover', headers: { 'content-type': 'application/json', cookie }, body: '{}' });
    expect(noOrigin.status).to.equal(403);
    for (const site of ['cross-site', 'same-site']) {
      expect((await request(ui.port, { path: '/api/state', headers: { cookie, 'sec-fetch-site': site } })).status, site).to.equal(403);
    }
    expect((await request(ui.port, { path: '/api/state', headers: { cookie, 'sec-fetch-site': 'same-origin' } })).status).to.equal(200);
  });

  it('refuses what a cross-site HTML form can send (urlencoded, text/plain, multipart), even from our own origin', async () => {
    const bodies: [string, string][] = [
      ['application/x-www-form-urlencoded', 'password=evil'],
      ['text/plain', '{"password":"evil","x":"="}'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="password"\r\n\r\nevil\r\n--x--\r\n'],
    ];
    for (const [type, body] of bodies) {
      const r = await request(ui.port, { method: 'POST', path: '/api/sync', headers: { 'content-type': type, origin, cookie }, body });
      expect(r.status, type).to.equal(415);
    }
    // A preflight gets no CORS grant.
    const pre = await request(ui.port, { method: 'OPTIONS', path: '/api/sync', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).to.equal(403);
    expect(pre.headers['access-control-allow-origin']).to.equal(undefined);
    const state = JSON.parse((await request(ui.port, { path: '/api/state', headers: { cookie } })).body) as { busy: unknown; fix?: unknown };
    expect(state.fix).to.equal(undefined);
  });

  it('takes a password only in a JSON body, never from the URL, and checks the steps are in order', async () => {
    const inUrl = await request(ui.port, { method: 'POST', path: '/api/sync?password=evil', headers: { 'content-type': 'application/json', origin, cookie }, body: '{}' });
    expect(inUrl.status).to.equal(400);
    expect(inUrl.body).to.not.contain('evil');
    // No router chosen and logged in yet: the sync is refused as out of order.
    const early = await json(ui.port, '/api/sync', { password: 'not-yet-Zq1' });
    expect(early.status).to.equal(400);
    expect(early.body).to.not.contain('not-yet-Zq1');
    expect((await json(ui.port, '/api/login', { host: '192.168.1.1' })).status).to.equal(400);
    expect((await request(ui.port, { method: 'POST', path: '/api/check', headers: { 'content-type': 'application/json', origin, cookie }, body: '[1]' })).status).to.equal(400);
    expect((await request(ui.port, { method: 'POST', path: '/api/check', headers: { 'content-type': 'application/json', origin, cookie }, body: 'x'.repeat(20_000) })).status).to.equal(413);
  });

  it('shows the login budget and stops knocking before the router could lock the person out', async () => {
    const state = async (): Promise<{ busy: unknown; find: { routers: { host: string }[] }; login?: { status: string; reason?: string; budget: { remaining: number; windowMinutes: number }; error?: { retryAfterSeconds?: number } } }> =>
      JSON.parse((await request(ui.port, { path: '/api/state', headers: { cookie } })).body);
    const settled = async (): Promise<Awaited<ReturnType<typeof state>>> => eventually('the step to end', async () => ((s) => (s.busy === null ? s : undefined))(await state()), 20_000);
    expect((await json(ui.port, '/api/discover', {})).status).to.equal(202);
    const found = await settled();
    const host = lab.info.routers.find((r) => r.family === 'openwrt')!.address;
    expect(found.find.routers.map((r) => r.host)).to.include(host);
    const seen: { reason?: string; remaining: number; status: string }[] = [];
    const typed = ['Wrong-one-Zq', 'Wrong-two-Zq', 'Wrong-three-Zq'];
    for (const password of [undefined, ...typed]) {
      const r = await json(ui.port, '/api/login', password === undefined ? { host } : { host, password });
      expect(r.status).to.equal(202);
      const s = await settled();
      seen.push({ reason: s.login!.reason, remaining: s.login!.budget.remaining, status: s.login!.status });
      expect(JSON.stringify(s)).to.not.match(/Wrong-(one|two|three)-Zq/);
      if (s.login!.reason === 'locked') expect(s.login!.error!.retryAfterSeconds).to.be.greaterThan(0);
    }
    expect(seen).to.deep.equal([
      { reason: 'factory_refused', remaining: 2, status: 'ask' },
      { reason: 'wrong', remaining: 1, status: 'ask' },
      { reason: 'wrong', remaining: 0, status: 'ask' },
      // The third typed one is never sent: routerctl's own budget stops first.
      { reason: 'locked', remaining: 0, status: 'ask' },
    ]);
  });

  it('listens on 127.0.0.1 only', async () => {
    const other = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.2', port: ui.port }, () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(other).to.equal('ECONNREFUSED');
  });

  it('stops on SIGINT with exit 0 and logs no token', async () => {
    const second = await startUi(sandbox, ['--config', lab.info.configPath]);
    second.child.kill('SIGINT');
    expect(await second.exited).to.equal(0);
    const token = new URL(second.url).searchParams.get('token')!;
    const log = await readFile(path.join(sandbox.env['XDG_STATE_HOME']!, 'routerctl', 'routerctl.log'), 'utf8');
    expect(log).to.contain('ui: serving the wizard');
    expect(log).to.not.contain(token);
    expect(second.stderr.join('')).to.not.contain(token);
  });

  it('stops by itself after ui.idleSeconds without a request', async () => {
    const labConfig = YAML.parse(await readFile(lab.info.configPath, 'utf8')) as Record<string, unknown>;
    const file = path.join(sandbox.dir, 'idle.yaml');
    await writeFile(file, YAML.stringify({ ...labConfig, ui: { idleSeconds: 1 } }));
    const started = Date.now();
    const idle = await startUi(sandbox, ['--config', file]);
    expect(await idle.exited).to.equal(0);
    expect(Date.now() - started).to.be.within(900, 8000);
  });
});
