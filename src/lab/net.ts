// Small helpers for the lab's loopback servers: listen on a given address and close without waiting
// for idle keep-alive sockets (tests and the demo stop many servers).
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export async function listen(server: Server, host: string, port = 0): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  (server as Server & { trackedSockets?: Set<Socket> }).trackedSockets = sockets;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  const sockets = (server as Server & { trackedSockets?: Set<Socket> }).trackedSockets;
  for (const socket of sockets ?? []) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Only 127.0.0.0/8 may carry lab traffic. */
export function assertLoopback(host: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`lab addresses must be in 127.0.0.0/8, got ${host}`);
}
