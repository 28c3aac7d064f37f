// ICMP echo through the system `ping` (no raw sockets in Node), parsed from its text. Linux iputils,
// busybox and macOS print the same per-reply lines; when `ping` is missing or not permitted the caller
// falls back to TCP connect and labels the figures "tcp". Arguments go through execFile (no shell).
import { execFile } from 'node:child_process';

export interface PingReply {
  seq: number;
  ms: number;
}

export interface PingParsed {
  sent?: number | undefined;
  received?: number | undefined;
  replies: PingReply[];
  /** A DF probe was refused because the packet is larger than the path MTU. */
  fragNeeded: boolean;
}

export interface PingResult extends PingParsed {
  /** false: no usable `ping` here (missing, not permitted): use another method. */
  available: boolean;
  error?: string | undefined;
}

const REPLY = /\b(?:icmp_)?seq=(\d+)\b.*?\btime[=<]\s*([\d.]+)\s*ms/i;
const SUMMARY = /(\d+)\s+packets transmitted,\s+(\d+)\s+(?:packets\s+)?received/i;
const FRAG = /message too long|frag(?:mentation)? needed|local error/i;

/** Pure: iputils / busybox / macOS output → numbers. Duplicates (DUP!) are ignored. */
export function parsePingOutput(text: string): PingParsed {
  const replies: PingReply[] = [];
  const seen = new Set<number>();
  for (const line of text.split(/\r?\n/).slice(0, 1000)) {
    if (/DUP!/.test(line)) continue;
    const m = REPLY.exec(line);
    if (!m) continue;
    const seq = Number(m[1]);
    const ms = Number(m[2]);
    if (!Number.isFinite(ms) || seen.has(seq)) continue;
    seen.add(seq);
    replies.push({ seq, ms });
  }
  const s = SUMMARY.exec(text);
  return {
    sent: s ? Number(s[1]) : undefined,
    received: s ? Number(s[2]) : replies.length,
    replies,
    fragNeeded: FRAG.test(text),
  };
}

export interface PingOptions {
  count: number;
  intervalMs: number;
  /** Wait for each reply. */
  timeoutMs: number;
  /** Payload size and "don't fragment" (Linux iputils only), for the path-MTU probe. */
  size?: number | undefined;
  dontFragment?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** The binary; tests point it at a stub. */
  command?: string | undefined;
  platform?: NodeJS.Platform | undefined;
}

export function pingArgs(host: string, o: PingOptions, platform: NodeJS.Platform): string[] {
  const count = String(Math.max(1, Math.floor(o.count)));
  // iputils refuses intervals under 0.2 s for non-root users.
  const interval = (Math.max(200, o.intervalMs) / 1000).toFixed(1);
  const waitS = String(Math.max(1, Math.ceil(o.timeoutMs / 1000)));
  const deadline = String(Math.ceil((Math.max(200, o.intervalMs) * o.count + o.timeoutMs) / 1000) + 1);
  if (platform === 'darwin') {
    return ['-n', '-c', count, '-i', interval, '-t', deadline, ...(o.size ? ['-s', String(o.size)] : []), ...(o.dontFragment ? ['-D'] : []), host];
  }
  return ['-n', '-c', count, '-i', interval, '-W', waitS, '-w', deadline, ...(o.size ? ['-s', String(o.size)] : []), ...(o.dontFragment ? ['-M', 'do'] : []), host];
}

export function runPing(host: string, o: PingOptions): Promise<PingResult> {
  const platform = o.platform ?? process.platform;
  if (platform === 'win32') return Promise.resolve({ available: false, replies: [], fragNeeded: false, error: 'ICMP through ping.exe is not parsed' });
  const args = pingArgs(host, o, platform);
  const hardTimeout = Math.max(200, o.intervalMs) * o.count + o.timeoutMs + 1500;
  return new Promise((resolve) => {
    if (o.signal?.aborted) return resolve({ available: true, replies: [], fragNeeded: false, error: 'aborted' });
    execFile(
      o.command ?? 'ping',
      args,
      { timeout: hardTimeout, maxBuffer: 256 * 1024, signal: o.signal, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const text = `${String(stdout)}\n${String(stderr)}`;
        const parsed = parsePingOutput(text);
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.code === 'ENOENT') return resolve({ available: false, replies: [], fragNeeded: false, error: 'no ping command' });
        if (/operation not permitted|permission denied|socket: /i.test(String(stderr)) && parsed.replies.length === 0) {
          return resolve({ available: false, replies: [], fragNeeded: false, error: 'ping not permitted' });
        }
        if (e?.name === 'AbortError') return resolve({ ...parsed, available: true, error: 'aborted' });
        // Exit status 1 = some or all replies missing: an answer, not an error.
        resolve({ ...parsed, available: true, error: e && parsed.sent === undefined && !parsed.fragNeeded ? (e.killed ? 'timeout' : firstLine(String(stderr)) || e.message) : undefined });
      },
    );
  });
}

function firstLine(s: string): string {
  return s.split(/\r?\n/).find((l) => l.trim() !== '')?.trim().slice(0, 120) ?? '';
}
