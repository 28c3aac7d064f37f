// Pings from the router (diagnostics C12) with busybox `ping`: the strict host check that guards the
// shell and rpcd's `file exec`, the argument list, and the parser of busybox's summary (README "Pings").
import net from 'node:net';
import { UsageError } from '../../src/core/errors.js';
import type { RouterPing } from '../types.js';

/** busybox ping's own reply wait: -W 1 (seconds). */
export const PING_WAIT_S = 1;
/** The most echo requests one call asks for (keeps each exec short: rpcd kills long ones). */
export const MAX_PING_COUNT = 10;

/**
 * Only canonical IP literals pass: digits and dots (IPv4) or hex digits and colons (IPv6, no zone id).
 * Nothing else ever reaches a shell or an argv.
 */
export function checkPingHost(host: string): string {
  const ok = (net.isIPv4(host) && /^[0-9.]+$/.test(host)) || (net.isIPv6(host) && /^[0-9A-Fa-f:.]+$/.test(host));
  if (!ok) throw new UsageError('a router ping target must be an IPv4 or IPv6 address literal', { host: host.slice(0, 64) });
  return host;
}

export function checkPingCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PING_COUNT) throw new UsageError(`ping count must be 1..${MAX_PING_COUNT}`, { count });
  return count;
}

/** busybox `ping -c N -W 1 -q HOST` as an argv (after the program name). */
export function pingArgs(host: string, count: number): string[] {
  return ['-c', String(checkPingCount(count)), '-W', String(PING_WAIT_S), '-q', checkPingHost(host)];
}

/**
 * Reads busybox ping's output: "N packets transmitted, M packets received, [D duplicates, ]X% packet loss"
 * and, when anything answered, "round-trip min/avg/max = a/b/c ms". No summary (bad address, no route:
 * "ping: sendto: Network unreachable") gives sent 0 and the first error line.
 */
export function parseBusyboxPing(host: string, stdout: string, stderr = ''): RouterPing {
  const summary = /^(\d+) packets transmitted, (\d+) packets received, (?:\d+ duplicates, )?(\d+)% packet loss$/m.exec(stdout);
  if (!summary) {
    const error = (stderr.split('\n').find((l) => l.trim() !== '') ?? 'no ping summary').replace(/^ping: /, '').slice(0, 120);
    return { host, sent: 0, received: 0, error };
  }
  const sent = parseInt(summary[1]!, 10);
  const received = Math.min(parseInt(summary[2]!, 10), sent);
  const out: RouterPing = { host, sent, received };
  const rtt = /^round-trip min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms$/m.exec(stdout);
  if (rtt && received > 0) out.rttAvgMs = Math.round(parseFloat(rtt[2]!) * 10) / 10;
  return out;
}
