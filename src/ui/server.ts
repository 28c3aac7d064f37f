// The wizard's web server: Node's own `http` on 127.0.0.1. A framework would add a dependency for
// what is here a dozen routes, and the checks that matter (Host, Origin, token → cookie, JSON only)
// are easier to see and to test when they are written out in one place.
//
//   GET  /?token=…     the link: a one-time token → session cookie, then 303 to / (no token in the URL)
//   GET  /             the page          GET /app.js, /app.css   its script and style
//   GET  /api/state    UiState as JSON   GET /api/events         UiState after every change (SSE)
//   GET  /api/report   the technician report (HTML, as a download)
//   POST /api/discover {}  /api/login {host, password?, remember?}  /api/check {passwordChanged}
//   POST /api/sync {password}  /api/quit {}
// Every request: Host must be this server. Every request but the link: the session cookie. POST:
// our Origin and application/json. Nothing is logged but the method and the path (never a query).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toRouterctlError } from '../core/errors.js';
import type { Lang } from '../i18n/index.js';
import { wizardPageTexts } from '../i18n/wizard.js';
import type { AppLogger } from '../log/logger.js';
import { CLIENT_JS } from './client.js';
import { CSP, PAGE_CSS, pageHtml } from './page.js';
import { Gate, langFromAcceptLanguage, mediaType, type Refusal } from './security.js';
import type { StopReason } from './state.js';
import { BusyError, checkTypedPassword, type Wizard } from './wizard.js';

export const LOOPBACK = '127.0.0.1';
const MAX_BODY_BYTES = 16 * 1024;
const HEARTBEAT_MS = 15_000;

export interface UiServerOptions {
  wizard: Wizard;
  logger: AppLogger;
  /** Stop after this long without a request from the page (never while a step runs). */
  idleMs: number;
  /** 0 (default): any free port. */
  port?: number | undefined;
  /** Language when the browser names none of ours. */
  defaultLang?: Lang | undefined;
}

export interface RunningUi {
  /** The link to open, with the one-time token. */
  url: string;
  origin: string;
  port: number;
  /** Stops the server (tells the page first); resolves when it is closed. */
  stop(reason: StopReason): Promise<void>;
  /** Resolves with the reason once the server stopped. */
  stopped: Promise<StopReason>;
}

const BASE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': CSP,
};

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': type, 'content-length': String(buf.length), ...extra });
  res.end(buf);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** A short page for refusals (no script, no style). */
function refusalPage(title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>routerctl</title></head><body><p>${title}</p></body></html>\n`;
}

const LINK_USED =
  'This link was already used or is not valid. Run <code>routerctl ui</code> again for a new one. · ' +
  'Эта ссылка уже использована или неверна: запустите <code>routerctl ui</code> ещё раз. · ' +
  'Це посилання вже використане або неправильне: запустіть <code>routerctl ui</code> ще раз.';

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw Object.assign(new Error('expected a JSON object'), { status: 400 });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw Object.assign(new Error('expected a JSON object'), { status: 400 });
  return value as Record<string, unknown>;
}

export async function startUiServer(o: UiServerOptions): Promise<RunningUi> {
  const { wizard, logger } = o;
  const texts = wizardPageTexts();
  // Made once the port is known (the Host and Origin it accepts name the port).
  const held: { gate?: Gate } = {};
  let lastActivity = Date.now();
  const streams = new Set<http.ServerResponse>();
  let resolveStopped!: (reason: StopReason) => void;
  const stopped = new Promise<StopReason>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;

  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, r: Refusal, pathname: string): void => {
    logger.warn(`ui: refused ${req.method ?? '?'} ${pathname}: ${r.why}`);
    if (pathname.startsWith('/api/')) sendJson(res, r.status, { error: r.why });
    else send(res, r.status, 'text/html; charset=utf-8', refusalPage(r.why === 'no session' ? LINK_USED : 'Refused.'));
  };

  const writeState = (res: http.ServerResponse): void => {
    res.write(`event: state\ndata: ${JSON.stringify(wizard.state)}\n\n`);
  };
  // Many changes in one tick (a burst of progress) go out as one state.
  let flushQueued = false;
  const unsubscribe = wizard.onChange(() => {
    // A step that runs (or just ended) counts as activity: the page is waiting for it.
    lastActivity = Date.now();
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      for (const res of streams) writeState(res);
    });
  });

  const handlePost = async (pathname: string, body: Record<string, unknown>): Promise<{ status: number; value: unknown }> => {
    switch (pathname) {
      case '/api/discover':
        void wizard.discover();
        return { status: 202, value: { ok: true } };
      case '/api/login': {
        const host = body['host'];
        if (typeof host !== 'string') return { status: 400, value: { error: 'host is missing' } };
        const password = body['password'] === undefined ? undefined : checkTypedPassword(body['password'], 'the router password');
        void wizard.login({ host, password, remember: body['remember'] === true });
        return { status: 202, value: { ok: true } };
      }
      case '/api/check':
        void wizard.check({ passwordChanged: body['passwordChanged'] === true });
        return { status: 202, value: { ok: true } };
      case '/api/sync': {
        const password = checkTypedPassword(body['password'], 'the new password');
        void wizard.sync({ password });
        return { status: 202, value: { ok: true } };
      }
      case '/api/quit':
        // Not in the middle of a step: a sync must end with the router either changed or put back.
        if (wizard.busy) throw new BusyError();
        setImmediate(() => void stop('quit'));
        return { status: 202, value: { ok: true } };
      default:
        return { status: 404, value: { error: 'not found' } };
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const g = held.gate;
    if (!g) return sendJson(res, 503, { error: 'starting' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendJson(res, 400, { error: 'bad request' });
    }
    const pathname = url.pathname;
    const method = req.method ?? 'GET';
    const hostRefusal = g.checkHost(req);
    if (hostRefusal) return refuse(req, res, hostRefusal, pathname);

    // The link: exchange the token once, then go to the same page without it.
    if (method === 'GET' && pathname === '/' && url.searchParams.has('token')) {
      const originRefusal = g.checkOrigin(req, false);
      if (originRefusal) return refuse(req, res, originRefusal, pathname);
      const session = g.exchange(url.searchParams.get('token'));
      if (session) {
        lastActivity = Date.now();
        logger.info('ui: the browser opened the wizard');
        return send(res, 303, 'text/plain; charset=utf-8', 'See /\n', { location: '/', 'set-cookie': g.cookieHeader(session) });
      }
      if (g.authed(req)) return send(res, 303, 'text/plain; charset=utf-8', 'See /\n', { location: '/' });
      return refuse(req, res, { status: 403, why: 'no session' }, pathname);
    }
    if (!g.authed(req)) return refuse(req, res, { status: 403, why: 'no session' }, pathname);

    if (method === 'POST') {
      const originRefusal = g.checkOrigin(req, true);
      if (originRefusal) return refuse(req, res, originRefusal, pathname);
      if (mediaType(req) !== 'application/json') return refuse(req, res, { status: 415, why: 'not application/json' }, pathname);
      lastActivity = Date.now();
      let body: Record<string, unknown>;
      try {
        body = await readJson(req);
      } catch (err) {
        return sendJson(res, (err as { status?: number }).status ?? 400, { error: (err as Error).message });
      }
      try {
        const { status, value } = await handlePost(pathname, body);
        logger.debug(`ui: POST ${pathname} ${status}`);
        return sendJson(res, status, value);
      } catch (err) {
        if (err instanceof BusyError) return sendJson(res, 409, { error: 'busy' });
        const e = toRouterctlError(err);
        logger.debug(`ui: POST ${pathname} refused`, { code: e.code });
        return sendJson(res, e.code === 'usage' ? 400 : 500, { error: e.message, code: e.code });
      }
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    const originRefusal = g.checkOrigin(req, false);
    if (originRefusal) return refuse(req, res, originRefusal, pathname);
    lastActivity = Date.now();
    logger.debug(`ui: GET ${pathname}`);
    switch (pathname) {
      case '/': {
        const lang = langFromAcceptLanguage(req.headers['accept-language']) ?? o.defaultLang ?? 'en';
        return send(res, 200, 'text/html; charset=utf-8', pageHtml({ lang, texts }), { 'content-language': lang });
      }
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_JS);
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      case '/api/state':
        return sendJson(res, 200, wizard.state);
      case '/api/events': {
        if (method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' });
        res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        res.write('retry: 2000\n\n');
        writeState(res);
        streams.add(res);
        const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        beat.unref();
        req.on('close', () => {
          clearInterval(beat);
          streams.delete(res);
        });
        return;
      }
      case '/api/report': {
        const html = await wizard.reportHtml();
        if (html === undefined) return sendJson(res, 404, { error: 'no check has run yet' });
        const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
        return send(res, 200, 'text/html; charset=utf-8', html, { 'content-disposition': `attachment; filename="routerctl-report-${stamp}.html"` });
      }
      case '/favicon.ico':
        return send(res, 204, 'text/plain', '');
      default:
        return sendJson(res, 404, { error: 'not found' });
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('ui: request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const gate = new Gate(port);
  held.gate = gate;
  const origin = `http://${LOOPBACK}:${port}`;
  const url = `${origin}/?token=${gate.token!}`;

  const idleCheck = setInterval(
    () => {
      if (!wizard.busy && Date.now() - lastActivity >= o.idleMs) {
        logger.info(`ui: no request for ${Math.round(o.idleMs / 1000)} s; stopping`);
        void stop('idle');
      }
    },
    Math.max(200, Math.min(5000, Math.floor(o.idleMs / 4))),
  );

  function stop(reason: StopReason): Promise<void> {
    stopping ??= (async () => {
      clearInterval(idleCheck);
      wizard.markStopped(reason);
      unsubscribe();
      // The page learns why, then every stream ends.
      for (const res of streams) {
        writeState(res);
        res.end();
      }
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 500).unref();
      });
      resolveStopped(reason);
    })();
    return stopping;
  }

  return { url, origin, port, stop, stopped };
}
