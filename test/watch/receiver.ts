// A webhook receiver on loopback (127.0.9x.x) for the alert tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  url: string;
  bodies: unknown[];
  hits: number;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.9x.x that answers `failures` times with `status` (or hangs), then 204. */
export async function startReceiver(host: string, o: { failures?: number; status?: number; hang?: boolean } = {}): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], hits: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.hits++;
      if (o.hang) return; // never answers
      if (r.hits <= (o.failures ?? 0)) {
        res.writeHead(o.status ?? 500).end('no');
        return;
      }
      r.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  r.url = `http://${host}:${(server.address() as AddressInfo).port}/hook/SECRET-TOKEN`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

