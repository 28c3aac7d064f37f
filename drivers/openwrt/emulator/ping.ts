// Why: busybox ping as the emulated router runs it (the SSH shell and rpcd's `file exec` of /bin/ping).
// What answers comes from the lab's network model (`reachable`); without one, a router whose WAN is up
// reaches everything. Output and exit codes are busybox's (ping.c print_stats_and_exit): the summary
// lines, "-q" leaving out the per-reply lines, exit 1 when nothing answered.
import net from 'node:net';

/** What a ping from this router reaches: the lab answers from its state (WAN, faults, its "internet"). */
export type Reachability = (host: string) => { ok: boolean; rttMs: number };

export interface PingNet {
  /** netifd has a WAN up (a default route). */
  online(): boolean;
  reachable?: Reachability | undefined;
}

export interface PingRun {
  code: number;
  stdout: string;
  stderr: string;
}

const USAGE = 'BusyBox v1.37.0 multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n';
const WITH_VALUE = new Set(['-c', '-W', '-w', '-I', '-s', '-t', '-i']);

function ms(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

export function busyboxPing(argv: readonly string[], n: PingNet): PingRun {
  let host: string | undefined;
  let count = 0; // busybox: 0 = until interrupted; the emulator has no ^C, so it stops at 3
  let quiet = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (WITH_VALUE.has(a)) {
      if (a === '-c') count = parseInt(argv[i + 1] ?? '', 10) || 0;
      i++;
    } else if (a === '-q') quiet = true;
    else if (a.startsWith('-')) continue;
    else host ??= a;
  }
  if (!host) return { code: 1, stdout: '', stderr: USAGE };
  if (!net.isIP(host)) return { code: 1, stdout: '', stderr: `ping: bad address '${host}'\n` };
  const c = count > 0 ? count : 3;
  const head = `PING ${host} (${host}): 56 data bytes\n`;
  if (!n.online()) return { code: 1, stdout: head, stderr: 'ping: sendto: Network unreachable\n' };
  const r = n.reachable ? n.reachable(host) : { ok: true, rttMs: 12 };
  let out = head;
  const times: number[] = [];
  if (r.ok) {
    for (let s = 0; s < c; s++) {
      const us = Math.max(1, Math.round(r.rttMs * 1000)) + s * 104;
      times.push(us);
      if (!quiet) out += `64 bytes from ${host}: seq=${s} ttl=57 time=${ms(us)} ms\n`;
    }
  }
  const received = times.length;
  out += `\n--- ${host} ping statistics ---\n${c} packets transmitted, ${received} packets received, ${Math.floor(((c - received) * 100) / c)}% packet loss\n`;
  if (received > 0) {
    const avg = Math.floor(times.reduce((a, b) => a + b, 0) / received);
    out += `round-trip min/avg/max = ${ms(Math.min(...times))}/${ms(avg)}/${ms(Math.max(...times))} ms\n`;
  }
  return { code: received === 0 ? 1 : 0, stdout: out, stderr: '' };
}
