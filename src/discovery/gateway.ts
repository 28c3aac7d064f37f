// The OS default gateway: usually the home router. On Linux it is read from /proc/net/route, which
// needs no child process and no `ip` binary (missing in minimal images); see dependencies.md row 10.
// On macOS and the BSDs `/sbin/route -n get default`, on Windows `ROUTE.EXE print -4 0.0.0.0`.
//
// /proc/net/route columns (tab-separated, after a header line):
//   Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
// Destination, Gateway and Mask are 32-bit hex numbers in host byte order, i.e. little-endian on
// every platform Node runs Linux on: "0101A8C0" is 192.168.1.1. Flags: RTF_UP 0x1, RTF_GATEWAY 0x2.
// The default route has Destination 0 and Mask 0; with several, the lowest Metric wins.
import { execFile } from 'node:child_process';
import { readFile as fsReadFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';

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
 * macOS `route -n get default`: "    gateway: 192.168.1.1" (the primary service's route; a VPN that
 * takes the default route shows its own address or no gateway line at all, then there is none).
 */
export function gatewayFromRouteGet(text: string): string | null {
  const m = /^\s*gateway:\s*(\S+)\s*$/m.exec(text);
  return m && isIPv4(m[1]!) && m[1] !== '0.0.0.0' ? m[1]! : null;
}

/**
 * Windows `route print -4 0.0.0.0`: in "Active Routes", rows of Network Destination, Netmask,
 * Gateway, Interface, Metric. Headers are translated ("Активные маршруты:") but the rows are numbers,
 * so rows are recognised by shape: 0.0.0.0 0.0.0.0 <IPv4> <IPv4> <metric>. "On-link" gateways and
 * "Persistent Routes" rows (metric "Default") do not match. The lowest metric wins.
 */
export function gatewayFromRoutePrint(text: string): string | null {
  const rows: { gateway: string; metric: number }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length !== 5 || cols[0] !== '0.0.0.0' || cols[1] !== '0.0.0.0') continue;
    const [, , gateway, iface, metric] = cols as [string, string, string, string, string];
    if (!isIPv4(gateway) || !isIPv4(iface) || gateway === '0.0.0.0' || !/^\d+$/.test(metric)) continue;
    rows.push({ gateway, metric: Number(metric) });
  }
  rows.sort((a, b) => a.metric - b.metric);
  return rows[0]?.gateway ?? null;
}

/** Runs a system command without a shell; resolves with its stdout. */
export type RunCommand = (file: string, args: string[], timeoutMs: number) => Promise<string>;

const runCommand: RunCommand = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, windowsHide: true, maxBuffer: 256 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/** Commands are given by absolute path: a PATH entry cannot stand in for them. */
const MACOS_ROUTE = '/sbin/route';
const windowsRoute = (env: NodeJS.ProcessEnv): string => `${env['SystemRoot'] ?? 'C:\\Windows'}\\System32\\ROUTE.EXE`;
const COMMAND_TIMEOUT_MS = 2000;

export interface GatewaySources {
  readFile?: ReadTextFile | undefined;
  run?: RunCommand | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * The OS default gateway (IPv4), or null when there is none or it cannot be read.
 * IPv6 (/proc/net/ipv6_route) is left out on purpose: a router's admin pages are reached over
 * its IPv4 LAN address, and an IPv6 default route is usually a link-local address.
 */
export async function defaultGateway(sources: GatewaySources | ReadTextFile = {}, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const src: GatewaySources = typeof sources === 'function' ? { readFile: sources } : sources;
  try {
    if (platform === 'linux' || platform === 'android') {
      return gatewayFromProcNetRoute(await (src.readFile ?? fsReadFile)('/proc/net/route', 'utf8'));
    }
    const run = src.run ?? runCommand;
    // Read-only commands that every install has; a failure only means: probe the candidates.
    if (platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd') {
      return gatewayFromRouteGet(await run(MACOS_ROUTE, ['-n', 'get', 'default'], COMMAND_TIMEOUT_MS));
    }
    if (platform === 'win32') {
      return gatewayFromRoutePrint(await run(windowsRoute(src.env ?? process.env), ['print', '-4', '0.0.0.0'], COMMAND_TIMEOUT_MS));
    }
  } catch {
    // no /proc (some sandboxes), no route command, or it timed out: discovery goes on with the candidates
  }
  return null;
}
