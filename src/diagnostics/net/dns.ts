// DNS questions asked of one resolver directly (node:dns Resolver with its own server list, so no
// OS cache sits in between), time-boxed by us as well as by c-ares.
import type { LookupAddress } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { round } from './tcp.js';

export type DnsOutcome = 'answer' | 'nodata' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'unreachable' | 'aborted' | 'error';

export interface DnsResult {
  server: string;
  /** The name asked. */
  qname: string;
  outcome: DnsOutcome;
  /** A resolver that works: it answered, also with "no such name" (NXDOMAIN is an answer). */
  ok: boolean;
  ms?: number | undefined;
  addresses?: string[] | undefined;
}

const CODES: Record<string, DnsOutcome> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  ETIMEOUT: 'timeout',
  ECONNREFUSED: 'unreachable',
  ECANCELLED: 'aborted',
};

/** "1.2.3.4" + port 53 → "1.2.3.4"; "1.2.3.4:5353" stays; IPv6 gets brackets when a port is added. */
export function serverAddress(address: string, defaultPort: number): string {
  if (/^\[.*\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  if (defaultPort === 53) return address;
  return net.isIPv6(address) ? `[${address}]:${defaultPort}` : `${address}:${defaultPort}`;
}

export function randomLabel(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Asks `servers` (in order, as the OS resolver would) for the A record of `name`. */
export async function queryA(
  servers: string | readonly string[],
  name: string,
  opts: { timeoutMs: number; tries: number; signal?: AbortSignal | undefined; /** keep c-ares' own servers (resolv.conf) */ system?: boolean | undefined },
): Promise<DnsResult> {
  const resolver = new Resolver({ timeout: opts.timeoutMs, tries: opts.tries });
  const list = opts.system ? resolver.getServers() : typeof servers === 'string' ? [servers] : [...servers];
  const server = list.join(',');
  try {
    if (!opts.system) resolver.setServers(list);
  } catch {
    return { server, qname: name, outcome: 'error', ok: false };
  }
  const started = performance.now();
  const bound = opts.timeoutMs * opts.tries * Math.min(2, Math.max(1, list.length)) + 250;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => resolver.cancel();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const lookup = resolver.resolve4(name).then(
      (addresses): DnsResult => ({ server, qname: name, outcome: 'answer', ok: true, ms: round(performance.now() - started), addresses }),
      (err: NodeJS.ErrnoException): DnsResult => {
        const outcome = CODES[err.code ?? ''] ?? 'error';
        const answered = outcome === 'nxdomain' || outcome === 'nodata';
        return { server, qname: name, outcome, ok: answered, ...(answered ? { ms: round(performance.now() - started) } : {}) };
      },
    );
    const limit = new Promise<DnsResult>((resolve) => {
      timer = setTimeout(() => {
        resolver.cancel();
        resolve({ server, qname: name, outcome: 'timeout', ok: false });
      }, bound);
    });
    const r = await Promise.race([lookup, limit]);
    return opts.signal?.aborted && !r.ok ? { ...r, outcome: 'aborted' } : r;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A `lookup` for http/https/net that asks `servers` through c-ares (cancellable, time-boxed) instead of
 * getaddrinfo: a dead resolver must not leave threadpool lookups that keep the process alive for the
 * system resolver's own 5 s × attempts after the diagnosis has ended. (/etc/hosts is not consulted,
 * as ChromeOS does for its probes.)
 */
export function caresLookup(servers: readonly string[], timeoutMs: number, signal?: AbortSignal): net.LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
    if (net.isIP(hostname)) {
      const family = net.isIP(hostname);
      return options.all ? done(null, [{ address: hostname, family }]) : done(null, hostname, family);
    }
    const list = servers.length > 0 ? servers : undefined;
    queryA(list ?? [], hostname, { timeoutMs, tries: 1, signal, system: list === undefined }).then((r) => {
      const address = r.addresses?.[0];
      if (!r.ok || !address) {
        const err: NodeJS.ErrnoException = new Error(`${hostname}: ${r.outcome}`);
        err.code = r.outcome === 'nxdomain' || r.outcome === 'nodata' ? 'ENOTFOUND' : 'EAI_AGAIN';
        return done(err, '', 4);
      }
      return options.all ? done(null, [{ address, family: 4 }]) : done(null, address, 4);
    }, (err: Error) => done(err, '', 4));
  };
}
