// The listening side every emulated router's web server shares: plain HTTP plus an optional HTTPS
// listener with its own certificate, sockets tracked so close() ends every connection at once, and
// counters of TLS connections and the bytes they carried (the pinning tests prove nothing was sent).
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';

export interface EmulatorListeners {
  httpPort: number;
  httpsPort?: number | undefined;
  tlsStats(): { connections: number; bytes: number };
  /** A new certificate (a reset router, another one at the same address); new connections get it. */
  setSecureContext(options: SecureContextOptions): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  /** 0 = ephemeral. */
  port: number;
  /** The firmware's keep-alive idle timeout. */
  keepAliveMs: number;
  onRequest: RequestListener;
  /** What the plain listener does, when it differs (e.g. uhttpd's redirect to HTTPS). */
  onPlainRequest?: RequestListener | undefined;
  tls?: (ServerOptions & { port?: number | undefined }) | undefined;
}

function listenOn(srv: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve((srv.address() as AddressInfo).port);
    });
  });
}

const closeQuietly = (srv: Server | undefined): Promise<void> => new Promise<void>((resolve) => (srv ? srv.close(() => resolve()) : resolve()));

export async function listenHttpAndHttps(o: ListenOptions): Promise<EmulatorListeners> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const stats = { connections: 0, bytes: 0 };
  let secure: Server | undefined;
  let httpsPort: number | undefined;
  if (o.tls) {
    const { port: tlsPort, ...tlsOptions } = o.tls;
    const https = createHttpsServer(tlsOptions, o.onRequest);
    https.keepAliveTimeout = o.keepAliveMs;
    https.on('connection', track);
    https.on('secureConnection', (s: Socket) => {
      stats.connections++;
      s.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    });
    secure = https;
    httpsPort = await listenOn(https, o.host, tlsPort ?? 0);
  }
  const plain = createServer(o.onPlainRequest ?? o.onRequest);
  plain.keepAliveTimeout = o.keepAliveMs;
  plain.on('connection', track);
  const httpPort = await listenOn(plain, o.host, o.port).catch(async (err: unknown) => {
    await closeQuietly(secure);
    throw err;
  });
  return {
    httpPort,
    httpsPort,
    tlsStats: () => ({ ...stats }),
    setSecureContext(options) {
      (secure as ReturnType<typeof createHttpsServer> | undefined)?.setSecureContext(options);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([closeQuietly(plain), closeQuietly(secure)]);
    },
  };
}

/** A request body as text; a body over `max` bytes rejects (the emulator answers as its router does). */
export function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) reject(new Error('too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
