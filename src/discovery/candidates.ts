// Candidate addresses: `HOST`, `HOST:PORT`, `[IPv6]`, `[IPv6]:PORT` (a bare IPv6 literal without a
// port is accepted too), or an object `{ host, http?, https?, ssh? }` from a config file.
// The port of the string form is the HTTP (web interface) port: that is the one a person sees in
// the browser's address bar. HTTPS and SSH ports come from `ports.*` unless an object names them;
// `https: false` / `ssh: false` turns that probe off for one candidate.
import net from 'node:net';
import type { Target } from '../../drivers/types.js';
import { UsageError } from '../core/errors.js';

export type CandidateInput = string | CandidateObject;

export interface CandidateObject {
  host: string;
  http?: number | undefined;
  https?: number | false | undefined;
  ssh?: number | false | undefined;
}

export interface DefaultPorts {
  http: number;
  https: number;
  ssh: number;
}

export type HostPortResult = { ok: true; host: string; port?: number | undefined } | { ok: false; error: string };

// RFC 1123 host names (letters, digits, hyphens; dot-separated labels of up to 63 characters).
const HOSTNAME_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** True for an IPv4/IPv6 literal or a syntactically valid host name. */
export function isValidHost(host: string): boolean {
  return net.isIP(host) !== 0 || (HOSTNAME_RE.test(host) && !/^[0-9.]+$/.test(host));
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return isValidPort(port) ? port : undefined;
}

/** Pure, non-throwing parse of `HOST[:PORT]`; the config schema uses it to point at a bad line. */
export function parseHostPort(input: string): HostPortResult {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'empty address' };
  if (text.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (!m) return { ok: false, error: 'expected [IPv6] or [IPv6]:PORT' };
    const host = m[1]!;
    if (net.isIPv6(host) === false) return { ok: false, error: `"${host}" is not an IPv6 address` };
    if (m[2] === undefined) return { ok: true, host };
    const port = parsePort(m[2]);
    return port === undefined ? { ok: false, error: `port "${m[2]}" is not 1-65535` } : { ok: true, host, port };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    // More than one colon and no brackets: a bare IPv6 literal, which cannot carry a port.
    return net.isIPv6(text) ? { ok: true, host: text } : { ok: false, error: 'an IPv6 address with a port must be written [ADDR]:PORT' };
  }
  const [host, portText] = colons === 1 ? (text.split(':') as [string, string]) : [text, undefined];
  if (!isValidHost(host)) return { ok: false, error: `"${host}" is not an IP address or host name` };
  if (portText === undefined) return { ok: true, host };
  const port = parsePort(portText);
  return port === undefined ? { ok: false, error: `port "${portText}" is not 1-65535` } : { ok: true, host, port };
}

function describe(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : JSON.stringify(input) ?? String(input);
}

/** One candidate → Target. Throws UsageError naming the bad item. */
export function parseCandidate(input: CandidateInput, ports: DefaultPorts): Target {
  if (typeof input === 'string') {
    const r = parseHostPort(input);
    if (!r.ok) throw new UsageError(`bad candidate ${describe(input)}: ${r.error}`, { candidate: input });
    return { host: r.host, httpPort: r.port ?? ports.http, httpsPort: ports.https, sshPort: ports.ssh };
  }
  if (input === null || typeof input !== 'object' || typeof input.host !== 'string') {
    throw new UsageError(`bad candidate ${describe(input)}: expected "HOST[:PORT]" or { host, http?, https?, ssh? }`);
  }
  const host = input.host.trim();
  if (!isValidHost(host)) throw new UsageError(`bad candidate ${describe(input)}: "${host}" is not an IP address or host name`);
  const pick = (name: 'http' | 'https' | 'ssh', value: unknown, allowOff: boolean): number | undefined => {
    if (value === undefined) return ports[name];
    if (value === false && allowOff) return undefined;
    if (!isValidPort(value)) throw new UsageError(`bad candidate ${describe(input)}: ${name} port must be 1-65535${allowOff ? ' or false' : ''}`);
    return value;
  };
  return {
    host,
    httpPort: pick('http', input.http, false)!,
    httpsPort: pick('https', input.https, true),
    sshPort: pick('ssh', input.ssh, true),
  };
}

/** Same host and ports → same target (the first one wins). */
export function targetKey(t: Target): string {
  return `${t.host.toLowerCase()}|${t.httpPort}|${t.httpsPort ?? '-'}|${t.sshPort ?? '-'}`;
}

/** Many candidates → Targets, duplicates dropped, order kept. */
export function parseCandidates(inputs: readonly CandidateInput[], ports: DefaultPorts): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const input of inputs) {
    const t = parseCandidate(input, ports);
    const key = targetKey(t);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

/** `--candidates a,b:8080,[fe80::1]:81` (or the flag given several times) → list of strings. */
export function splitCandidateList(value: string | readonly string[]): string[] {
  const parts = (typeof value === 'string' ? [value] : value).flatMap((v) => v.split(','));
  const items = parts.map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError('--candidates needs at least one address');
  return items;
}
