// Small helpers for the lab's loopback servers: listen on a given address and close without waiting
// for idle keep-alive sockets (tests and the demo stop many servers).
import { readdirSync, statSync } from 'node:fs';
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

/**
 * True inside a named network namespace (`ip netns exec`), recognised as `ip netns identify` does: the
 * same inode as a /run/netns entry. Nothing there can reach the machine's own network.
 */
export function inNamedNetns(): boolean {
  try {
    const self = statSync('/proc/self/ns/net');
    return readdirSync('/run/netns').some((f) => {
      const st = statSync(`/run/netns/${f}`);
      return st.ino === self.ino && st.dev === self.dev;
    });
  } catch {
    return false;
  }
}

/** Lab addresses: 127.0.0.0/8, or any address inside a test's own named network namespace. */
export function assertLabHost(host: string): void {
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return;
  if (!inNamedNetns()) throw new Error(`lab addresses must be in 127.0.0.0/8 (or inside an \`ip netns\` namespace), got ${host}`);
}
