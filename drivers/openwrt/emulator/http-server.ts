// Why: the uhttpd stand-in: routes /ubus, /cgi-bin/luci and static pages, injects the test faults, and tracks
// sockets so close() ends every connection at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
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
  const sockets = new Set<Socket>();
  let httpsPort: number | undefined;
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
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const listen = (srv: Server, p: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(p, host, () => {
        srv.off('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });

  const server: Server = createServer((req, res) => {
    if (tls?.redirectHttp && httpsPort !== undefined) {
      req.resume();
      res.statusCode = 302;
      res.setHeader('Location', `https://${host}:${httpsPort}${req.url ?? '/'}`);
      uhttpdHeaders(res, 'text/html');
      res.end();
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 20_000; // uhttpd: Keep-Alive: timeout=20
  server.on('connection', track);
  const stats = { connections: 0, bytes: 0 };
  let secure: ReturnType<typeof createHttpsServer> | undefined;
  if (tls) {
    secure = createHttpsServer(
      { key: tls.key, cert: tls.cert, ...(tls.ciphers ? { ciphers: tls.ciphers, minVersion: 'TLSv1' as const } : {}), ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}) },
      handler,
    );
    secure.keepAliveTimeout = 20_000;
    secure.on('connection', track);
    secure.on('secureConnection', (s: Socket) => {
      stats.connections++;
      s.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    });
    httpsPort = await listen(secure, tls.port ?? 0);
  }
  const httpPort = await listen(server, port).catch(async (err: unknown) => {
    await new Promise<void>((resolve) => (secure ? secure.close(() => resolve()) : resolve()));
    throw err;
  });
  return {
    port: httpPort,
    httpsPort,
    tlsStats: () => ({ ...stats }),
    setCertificate(key, cert) {
      secure?.setSecureContext({ key, cert, ...(tls?.ciphers ? { ciphers: tls.ciphers } : {}) });
    },
    setFault(f) {
      fault = f;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => (secure ? secure.close(() => resolve()) : resolve())),
      ]);
    },
  };
}
