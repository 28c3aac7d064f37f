// The router's "Web server" (doc §1 `Server` header): routes /auth and /rci/ and injects the test faults;
// the listening itself (HTTP + HTTPS, socket tracking) is shared with the other emulators. Common
// headers from fixture auth-get-200-no-password.http.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenHttpAndHttps } from '../../emulator-http.js';
import type { AuthManager } from './auth.js';
import { argumentError, rciGet, rciPost, type RciDeps } from './rci.js';

export type HttpFault = 'http_500' | 'garbage' | 'hang' | 'drop' | null;

/** "about a megabyte" (doc §2.3). */
const MAX_BODY = 1 << 20;

/** The web server's HTTPS side (KeeneticOS serves the same UI and RCI over HTTPS with its own certificate). */
export interface HttpsListenerOptions {
  key: string;
  cert: string;
  /** 0 = ephemeral. */
  port?: number | undefined;
}

export interface HttpServerHandle {
  port: number;
  httpsPort?: number | undefined;
  /** TLS connections and the plain-text bytes they carried after the handshake (pinning tests). */
  tlsStats(): { connections: number; bytes: number };
  setCertificate(key: string, cert: string): void;
  setFault(f: HttpFault): void;
  close(): Promise<void>;
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('Server', 'Web server');
  res.setHeader('Cache-Control', ['no-cache', 'private', 'must-revalidate']);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
}

function json(res: ServerResponse, body: unknown): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

export async function startHttpServer(host: string, port: number, auth: AuthManager, deps: RciDeps, tls?: HttpsListenerOptions): Promise<HttpServerHandle> {
  let fault: HttpFault = null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://router');
    const path = url.pathname;
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') return; // never answers; close() destroys the socket
    baseHeaders(res);
    const body = await readBody(req);
    if (body === undefined) {
      res.statusCode = 413; // UNVERIFIED: the status for an over-long body is not documented
      res.end();
      return;
    }
    const isRci = path === '/rci' || path.startsWith('/rci/');
    if (isRci && fault === 'http_500') {
      res.statusCode = 500;
      res.end('<html><body>500 Internal Server Error</body></html>');
      return;
    }
    if (isRci && fault === 'garbage') {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.end('\u0000\u0001<html>{"interface": [');
      return;
    }
    if (path === '/auth') return auth.handle(req, res, body);
    if (isRci) {
      if (!auth.authenticated(req)) {
        res.statusCode = 401;
        res.end();
        return;
      }
      const segs = path.slice('/rci'.length).split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
      if (req.method === 'GET') return json(res, rciGet(deps, segs, url.searchParams));
      if (req.method === 'POST') {
        // Every POST carries a JSON body (doc §3, §8); a missing or broken one is an argument error (UNVERIFIED shape).
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return json(res, argumentError());
        }
        return json(res, rciPost(deps, segs, parsed));
      }
      res.statusCode = 405;
      res.end();
      return;
    }
    if (path === '/' && req.method === 'GET') {
      // The web UI's page; its content is not captured, so this is a stand-in.
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html');
      res.end('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keenetic</title></head><body><div id="app"></div></body></html>');
      return;
    }
    res.statusCode = 404;
    res.end();
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
  const open = await listenHttpAndHttps({ host, port, keepAliveMs: 5000, onRequest, tls });
  return {
    port: open.httpPort,
    httpsPort: open.httpsPort,
    tlsStats: () => open.tlsStats(),
    setCertificate(key, cert) {
      open.setSecureContext({ key, cert });
    },
    setFault(f) {
      fault = f;
    },
    close: () => open.close(),
  };
}
