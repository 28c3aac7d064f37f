// Small statistics over latency samples, and address classes.
import net from 'node:net';

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function quantile(xs: readonly number[], q: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** mtr's Javg: the mean absolute difference between consecutive round trips. */
export function jitter(xs: readonly number[]): number | undefined {
  if (xs.length < 2) return undefined;
  let sum = 0;
  for (let i = 1; i < xs.length; i++) sum += Math.abs(xs[i]! - xs[i - 1]!);
  return sum / (xs.length - 1);
}

export function r1(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 10) / 10;
}

export function pct(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

function ipv4ToInt(ip: string): number | undefined {
  if (!net.isIPv4(ip)) return undefined;
  return ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
}

export function inSubnet(ip: string, base: string, prefix: number): boolean {
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined || prefix < 0 || prefix > 32) return false;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (a & mask) === (b & mask);
}

export type AddressClass = 'public' | 'cgnat' | 'private' | 'loopback' | 'link_local' | 'documentation' | 'invalid';

/** IPv4 address class as the WAN-address check reads it. */
export function addressClass(ip: string): AddressClass {
  if (!net.isIPv4(ip)) return 'invalid';
  if (inSubnet(ip, '127.0.0.0', 8)) return 'loopback';
  if (inSubnet(ip, '169.254.0.0', 16)) return 'link_local';
  if (inSubnet(ip, '100.64.0.0', 10)) return 'cgnat';
  if (inSubnet(ip, '10.0.0.0', 8) || inSubnet(ip, '172.16.0.0', 12) || inSubnet(ip, '192.168.0.0', 16)) return 'private';
  if (inSubnet(ip, '192.0.2.0', 24) || inSubnet(ip, '198.51.100.0', 24) || inSubnet(ip, '203.0.113.0', 24)) return 'documentation';
  return 'public';
}
