// Tiny loopback servers for discovery tests. Everything binds to 127.0.31.x on ports chosen by the
// OS; nothing here talks to a real network.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

// Self-signed test certificate (CN=routerctl-test, IP:127.0.31.1, valid until 2126). Test-only key.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwsdft4TLATqmQg8G
hEbn8S3Tgo59CtBKQl7qcMs0ZymhRANCAAR8EYfsxgyGkhS2d7AFkSaF74qJSbxE
zMXOxWfgE9UH5cSumkxlRXu94t1LaYDSXKNl2O4ee5IUyPBgodNwJ4IN
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUCgAwIBAgIUIXHLFebvO62LOb42vx8gs1hKjd4wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOcm91dGVyY3RsLXRlc3QwIBcNMjYxMTI1MTUxMTUzWhgPMjEy
NjExMDExNTExNTNaMBkxFzAVBgNVBAMMDnJvdXRlcmN0bC10ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEfBGH7MYMhpIUtnewBZEmhe+KiUm8RMzFzsVn4BPV
B+XErppMZUV7veLdS2mA0lyjZdjuHnuSFMjwYKHTcCeCDaNkMGIwHQYDVR0OBBYE
FJxrcBg7ueIxy62jbU91UlTFgPbuMB8GA1UdIwQYMBaAFJxrcBg7ueIxy62jbU91
UlTFgPbuMA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAfATAKBggqhkjO
PQQDAgNIADBFAiEA9wHyFvUirE6dDtrReVwnL0hVP6YAA5Kb2LkO7ocHgBECID4/
c1jikRNanyoV9x1q07V1+9AA4p4jJtAqrUjKTBEH
-----END CERTIFICATE-----
`;

export interface Running {
  host: string;
  port: number;
  /** "METHOD /path" of every request (HTTP servers) or one entry per connection (TCP servers). */
  seen: string[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

function listen(server: net.Server, host: string, seen: string[], sockets: Set<net.Socket>): Promise<Running> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        host,
        port,
        seen,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function withBody(handler: Handler, seen: string[]): http.RequestListener {
  return (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  };
}

export function startHttp(host: string, handler: Handler): Promise<Running> {
  const seen: string[] = [];
  return listen(http.createServer(withBody(handler, seen)), host, seen, new Set());
}

export function startHttps(host: string, handler: Handler): Promise<Running> {
  const seen: string[] = [];
  return listen(https.createServer({ key: TEST_KEY, cert: TEST_CERT }, withBody(handler, seen)), host, seen, new Set());
}

/** Sends `lines` (e.g. the SSH identification) on connect and then waits, like an SSH server. */
export function startTcpGreeter(host: string, lines: string): Promise<Running> {
  const seen: string[] = [];
  const server = net.createServer((s) => {
    seen.push('connect');
    s.on('error', () => undefined);
    s.write(lines);
  });
  return listen(server, host, seen, new Set());
}

/** Accepts connections and never says a word: every probe to it must run into its timeout. */
export function startBlackHole(host: string): Promise<Running> {
  const seen: string[] = [];
  const server = net.createServer((s) => {
    seen.push('connect');
    s.on('error', () => undefined);
  });
  return listen(server, host, seen, new Set());
}

/** A port on `host` that nothing listens on (bound once by us, then closed): connections are refused. */
export async function closedPort(host: string): Promise<number> {
  const r = await startBlackHole(host);
  await r.close();
  return r.port;
}

export function sendHtml(res: http.ServerResponse, html: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
  res.end(html);
}
