// Why: the uhttpd stand-in: routes /ubus, /cgi-bin/luci and static pages and injects the test faults; the
// listening itself (HTTP + HTTPS, socket tracking) is shared with the other emulators.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenHttpAndHttps } from '../../emulator-http.js';
import { handleLuci, notFound, serveIndex, type LandingDeps } from './landing.js';
import { handleUbusHttp, uhttpdHeaders, type JsonRpcDeps } from './ubus-http.js';

export type HttpFault = 'ubus_500' | 'garbage' | 'hang' | 'drop' | null;

/** uhttpd's HTTPS listener (`listen_https`, px5g's self-signed certificate on a real router). */
export interface HttpsListenerOptions {
  key: string;
  cert: string;
  /** 0 = ephemeral. */
  port?: number | undefined;
  /** uhttpd `redirect_https`: plain HTTP answers 302 to the HTTPS port. */
  redirectHttp?: boolean | undefined;
  /** OpenSSL cipher string, e.g. "DEFAULT:@SECLEVEL=0" for a legacy (weak-key) certificate. */
  ciphers?: string | undefined;
  /** An old router that speaks TLS 1.0 only: 'TLSv1' (with ciphers "DEFAULT:@SECLEVEL=0"). */
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
}

export interface HttpServerHandle {
  port: number;
  httpsPort?: number | undefined;
  /** Plain-text bytes received over TLS after the handshake, and TLS connections, since start (pinning tests). */
  tlsStats(): { connections: number; bytes: number };
  /** Replaces the HTTPS certificate (a reset router, a new one at the same address); new connections get it. */
  setCertificate(key: string, cert: string): void;
  setFault(f: HttpFault): void;
  close(): Promise<void>;
}

export async function startHttpServer(host: string, port: number, deps: JsonRpcDeps & LandingDeps, tls?: HttpsListenerOptions): Promise<HttpServerHandle> {
  let fault: HttpFault = null;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const isUbus = path === '/ubus' || path === '/ubus/';
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') return; // never answer; close() destroys the socket
    if (isUbus && req.method === 'POST' && fault === 'ubus_500') {
      req.resume();
      res.statusCode = 500;
      res.statusMessage = 'Internal Server Error';
      uhttpdHeaders(res, 'text/html');
      res.end('<h1>Internal Server Error</h1>');
      return;
    }
    if (isUbus && req.method === 'POST' && fault === 'garbage') {
      req.resume();
      res.statusCode = 200;
      res.statusMessage = 'OK';
      uhttpdHeaders(res, 'application/json');
      res.end('<html><body>\x00\x01 not json {"jsonrpc":');
      return;
    }
    const done = (p: Promise<void> | void): void => {
      Promise.resolve(p).catch(() => {
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
    };
    if (isUbus) return done(handleUbusHttp(deps, req, res));
    if (path === '/cgi-bin/luci' || path.startsWith('/cgi-bin/luci/')) return done(handleLuci(deps, req, res));
    if ((path === '/' || path === '/index.html') && (req.method === 'GET' || req.method === 'HEAD')) return serveIndex(res);
    req.resume();
    notFound(req, res);
  };
  // uhttpd `redirect_https`: plain HTTP answers 302 to the HTTPS port.
  const redirectToHttps = (req: IncomingMessage, res: ServerResponse): void => {
    if (listeners.httpsPort === undefined) return handler(req, res);
    req.resume();
    res.statusCode = 302;
    res.setHeader('Location', `https://${host}:${listeners.httpsPort}${req.url ?? '/'}`);
    uhttpdHeaders(res, 'text/html');
    res.end();
  };
  const listeners = await listenHttpAndHttps({
    host,
    port,
    keepAliveMs: 20_000, // uhttpd: Keep-Alive: timeout=20
    onRequest: handler,
    onPlainRequest: tls?.redirectHttp ? redirectToHttps : undefined,
    tls: tls && {
      key: tls.key,
      cert: tls.cert,
      port: tls.port,
      ...(tls.ciphers ? { ciphers: tls.ciphers, minVersion: 'TLSv1' as const } : {}),
      ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
    },
  });
  return {
    port: listeners.httpPort,
    httpsPort: listeners.httpsPort,
    tlsStats: () => listeners.tlsStats(),
    setCertificate(key, cert) {
      listeners.setSecureContext({ key, cert, ...(tls?.ciphers ? { ciphers: tls.ciphers } : {}) });
    },
    setFault(f) {
      fault = f;
    },
    close: () => listeners.close(),
  };
}
