// The OS default gateway: usually the home router. On Linux it is read from /proc/net/route, which
// needs no child process and no `ip` binary (missing in minimal images); see dependencies.md row 10.
//
// /proc/net/route columns (tab-separated, after a header line):
//   Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
// Destination, Gateway and Mask are 32-bit hex numbers in host byte order, i.e. little-endian on
// every platform Node runs Linux on: "0101A8C0" is 192.168.1.1. Flags: RTF_UP 0x1, RTF_GATEWAY 0x2.
// The default route has Destination 0 and Mask 0; with several, the lowest Metric wins.
import { readFile as fsReadFile } from 'node:fs/promises';

export interface RouteEntry {
  iface: string;
  destination: string;
  gateway: string;
  flags: number;
  metric: number;
  mask: string;
}

export type ReadTextFile = (path: string, encoding: 'utf8') => Promise<string>;

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** "0101A8C0" → "192.168.1.1"; undefined when not 8 hex digits. */
export function hexToIPv4(hex: string): string | undefined {
  if (!/^[0-9a-f]{8}$/i.test(hex)) return undefined;
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** Parses the whole file; malformed rows are skipped. */
export function parseProcNetRoute(text: string): RouteEntry[] {
  const rows: RouteEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const [iface, dst, gw, flags, , , metric, mask] = cols as [string, string, string, string, string, string, string, string];
    const destination = hexToIPv4(dst);
    const gateway = hexToIPv4(gw);
    const maskIp = hexToIPv4(mask);
    const flagNum = Number.parseInt(flags, 16);
    const metricNum = Number.parseInt(metric, 10);
    if (!destination || !gateway || !maskIp || Number.isNaN(flagNum) || Number.isNaN(metricNum)) continue;
    rows.push({ iface, destination, gateway, flags: flagNum, metric: metricNum, mask: maskIp });
  }
  return rows;
}

/** The default gateway in the file's text, or null. Rows that are down or have no gateway are ignored. */
export function gatewayFromProcNetRoute(text: string): string | null {
  const defaults = parseProcNetRoute(text).filter(
    (r) =>
      r.destination === '0.0.0.0' &&
      r.mask === '0.0.0.0' &&
      (r.flags & RTF_UP) !== 0 &&
      (r.flags & RTF_GATEWAY) !== 0 &&
      r.gateway !== '0.0.0.0',
  );
  defaults.sort((a, b) => a.metric - b.metric);
  return defaults[0]?.gateway ?? null;
}

/**
 * The OS default gateway (IPv4), or null when there is none or it cannot be read.
 * IPv6 (/proc/net/ipv6_route) is left out on purpose: a router's admin pages are reached over
 * its IPv4 LAN address, and an IPv6 default route is usually a link-local address.
 */
export async function defaultGateway(readFile: ReadTextFile = fsReadFile, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === 'linux' || platform === 'android') {
    try {
      return gatewayFromProcNetRoute(await readFile('/proc/net/route', 'utf8'));
    } catch {
      return null; // no /proc (some sandboxes): discovery goes on with the candidates
    }
  }
  // macOS (`route -n get default`) and Windows (`Get-NetRoute -DestinationPrefix 0.0.0.0/0`) need a
  // child process; not done yet. Returning null means: probe only the configured candidates, which
  // already hold the usual router addresses.
  return null;
}
