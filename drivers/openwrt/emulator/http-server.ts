// Why: the uhttpd stand-in: routes /ubus, /cgi-bin/luci and static pages, injects the test faults, and tracks
// sockets so close() ends every connection at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleLuci, notFound, serveIndex, type LandingDeps } from './landing.js';
import { handleUbusHttp, uhttpdHeaders, type JsonRpcDeps } from './ubus-http.js';

export type HttpFault = 'ubus_500' | 'garbage' | 'hang' | 'drop' | null;

export interface HttpServerHandle {
  port: number;
  setFault(f: HttpFault): void;
  close(): Promise<void>;
}

export async function startHttpServer(host: string, port: number, deps: JsonRpcDeps & LandingDeps): Promise<HttpServerHandle> {
  let fault: HttpFault = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
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
  });
  server.keepAliveTimeout = 20_000; // uhttpd: Keep-Alive: timeout=20
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    setFault(f) {
      fault = f;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
