// What the host-side checks read from the OS, behind one injectable interface so that tests (and the
// lab) feed loopback values instead: interfaces, the default gateway, the resolvers, Wi-Fi, `ping`.
import dns from 'node:dns';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { defaultGateway } from '../discovery/gateway.js';
import { runPing, type PingOptions, type PingResult } from './net/ping.js';

export interface WirelessLink {
  iface: string;
  /** Signal level in dBm when the driver reports it in dBm. */
  signalDbm?: number | undefined;
  /** Link quality as the driver reports it (often out of 70). */
  quality?: number | undefined;
}

export interface HostEnv {
  interfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  /** The OS default gateway (IPv4), or null. */
  gateway(): Promise<string | null>;
  /** The resolvers this computer uses ("IP" or "IP:PORT"). */
  resolvers(): string[];
  /** Associated Wi-Fi interfaces; empty when not on Wi-Fi (or unknown). */
  wireless(): Promise<WirelessLink[]>;
  ping(host: string, opts: Omit<PingOptions, 'command' | 'platform'>): Promise<PingResult>;
}

/** /proc/net/wireless (Linux): "wlan0: 0000   54.  -56.  -256 ..." → link quality and level. */
export function parseProcNetWireless(text: string): WirelessLink[] {
  const out: WirelessLink[] = [];
  for (const line of text.split('\n').slice(2, 50)) {
    const m = /^\s*([^:\s]+):\s+\S+\s+(-?[\d.]+)\.?\s+(-?[\d.]+)\.?/.exec(line);
    if (!m) continue;
    const quality = Number(m[2]);
    const level = Number(m[3]);
    out.push({
      iface: m[1]!,
      ...(Number.isFinite(quality) ? { quality } : {}),
      // Negative levels are dBm; some drivers report a positive 0-100 scale instead.
      ...(Number.isFinite(level) && level < 0 && level > -130 ? { signalDbm: level } : {}),
    });
  }
  return out;
}

export const osHostEnv: HostEnv = {
  interfaces: () => os.networkInterfaces(),
  gateway: () => defaultGateway(),
  resolvers: () => dns.getServers(),
  async wireless() {
    if (process.platform !== 'linux') return [];
    try {
      return parseProcNetWireless(await readFile('/proc/net/wireless', 'utf8'));
    } catch {
      return [];
    }
  },
  ping: (host, opts) => runPing(host, opts),
};
