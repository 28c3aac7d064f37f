// The ISP's HTTP faces in the lab: the cabinet-like control API (change a password, a balance) and the
// "internet" probe target, which answers only through a router that holds a PPP session.
import http from 'node:http';
import { isLabFault, LAB_FAULTS, type LabFaults } from './faults.js';
import type { SimulatedIsp } from './isp.js';

const MAX_BODY = 64 * 1024;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GET    /accounts               -> [{ username, balance, online }]   (never passwords)
 * POST   /accounts/<user>        {"password": "..."} and/or {"balance": n}   -> { ok: true }
 * GET    /faults                 -> { active: [...], known: {name: description} }
 * POST   /faults/<name>          switch a fault on  -> { ok: true, active: [...] }
 * DELETE /faults/<name>          switch it off (router_reset and router_down cannot be undone)
 */
export function createControlServer(isp: SimulatedIsp, faults?: LabFaults): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://isp.lab');
      const match = /^\/accounts\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && url.pathname === '/accounts') return sendJson(res, 200, isp.listAccounts());
      if (faults && req.method === 'GET' && url.pathname === '/faults') return sendJson(res, 200, { active: faults.list(), known: LAB_FAULTS });
      const fault = /^\/faults\/([a-z_]+)$/.exec(url.pathname)?.[1];
      if (faults && fault !== undefined && (req.method === 'POST' || req.method === 'DELETE')) {
        await readBody(req).catch(() => '');
        if (!isLabFault(fault)) return sendJson(res, 404, { error: `no such fault; known: ${Object.keys(LAB_FAULTS).join(', ')}` });
        try {
          await faults.set(fault, req.method === 'POST');
        } catch (err) {
          return sendJson(res, 409, { error: (err as Error).message });
        }
        return sendJson(res, 200, { ok: true, active: faults.list() });
      }
      if (req.method === 'POST' && match) {
        const username = decodeURIComponent(match[1] ?? '');
        if (!isp.hasAccount(username)) return sendJson(res, 404, { error: 'no such account' });
        let body: unknown;
        try {
          body = JSON.parse(await readBody(req));
        } catch {
          return sendJson(res, 400, { error: 'expected a JSON object' });
        }
        const { password, balance } = (body ?? {}) as { password?: unknown; balance?: unknown };
        if (password === undefined && balance === undefined) return sendJson(res, 400, { error: 'nothing to change: give "password" and/or "balance"' });
        if (password !== undefined && (typeof password !== 'string' || password === '')) return sendJson(res, 400, { error: '"password" must be a non-empty string' });
        if (balance !== undefined && typeof balance !== 'number') return sendJson(res, 400, { error: '"balance" must be a number' });
        if (typeof password === 'string') isp.changePassword(username, password);
        if (typeof balance === 'number') isp.setBalance(username, balance);
        return sendJson(res, 200, { ok: true });
      }
      sendJson(res, 404, { error: 'not found' });
    })().catch(() => sendJson(res, 500, { error: 'internal error' }));
  });
}

/** How the lab's internet treats a request through a router right now (faults; the payment page). */
export interface InternetBehaviour {
  /** Reset the connection (the provider has no upstream). */
  reset?: boolean | undefined;
  /** Accept and never answer. */
  hold?: boolean | undefined;
  delayMs?: number | undefined;
}

/**
 * GET /via/<router address>/generate_204 -> 204 while that router is online; otherwise the connection
 * is reset, which is what a client behind a router without a WAN session sees. While the router's
 * account is below zero, the provider redirects to its payment page (`portalUrl`).
 */
export function createInternetServer(
  isp: SimulatedIsp,
  routerIdByHost: (host: string) => string | undefined,
  opts: { portalUrl?: string | undefined; behaviour?: ((routerId: string) => InternetBehaviour) | undefined } = {},
): http.Server {
  return http.createServer((req, res) => {
    const match = /^\/via\/([^/]+)\/(generate_204|connecttest\.txt)$/.exec(req.url ?? '');
    const routerId = match ? routerIdByHost(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!match || !routerId) {
      res.writeHead(404).end();
      return;
    }
    const b = opts.behaviour?.(routerId) ?? {};
    if (!isp.isOnline(routerId) || b.reset) {
      req.socket.destroy();
      return;
    }
    if (b.hold) return; // the lab closes held sockets when it stops
    if (opts.portalUrl && isp.isBlocked(routerId)) {
      res.writeHead(302, { location: opts.portalUrl, 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Услуга приостановлена: пополните баланс.</body></html>');
      return;
    }
    const answer = (): void => {
      if (match[2] === 'generate_204') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('Microsoft Connect Test');
    };
    if (b.delayMs) setTimeout(answer, b.delayMs).unref();
    else answer();
  });
}
