// ISP profiles (config/isp/*.yaml, and <config dir>/isp/*.yaml for a user's own): what the provider's
// line should look like (WAN type, VPN server, MTU), where its payment and login pages live, and how
// its customers reach support. Validated with zod; an error names the file, the key and the line.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, UsageError } from '../core/errors.js';
import { packageRoot } from '../config/load.js';
import type { WanSettings } from '../../drivers/types.js';

const localized = z.strictObject({ en: z.string().min(1), ru: z.string().min(1), uk: z.string().min(1) });
const hostPattern = z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, { message: 'expected a host name or *.domain' });

export const ispProfileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, { message: 'expected lower-case letters, digits and dashes' }),
  displayName: localized,
  /** How auto-selection recognises this provider from the router's WAN settings. */
  match: z.strictObject({
    /** VPN server names (L2TP/PPTP) of this provider. */
    servers: z.array(z.string().min(1)).default([]),
    /** WAN types that select this profile when no server matched (a generic profile). */
    protos: z.array(z.enum(['pppoe', 'l2tp', 'pptp', 'ipoe'])).default([]),
  }),
  wan: z.strictObject({
    proto: z.enum(['pppoe', 'l2tp', 'pptp', 'ipoe']),
    server: z.string().min(1).nullable().default(null),
    /** Other servers that are also right (e.g. a legacy PPTP name). */
    altServers: z.array(z.string().min(1)).default([]),
    auth: z.enum(['pap', 'chap', 'mschap', 'auto']).default('auto'),
    mtu: z.number().int().min(576).max(9000),
    mssClamp: z.boolean().default(true),
  }),
  underlay: z.strictObject({ expectPrivateDhcp: z.boolean().default(false) }).default({ expectPrivateDhcp: false }),
  dns: z.strictObject({ isp: z.array(z.string()).default([]) }).default({ isp: [] }),
  portal: z
    .strictObject({
      billingHosts: z.array(hostPattern).default([]),
      loginHosts: z.array(hostPattern).default([]),
      /** Words on the provider's block page (case-insensitive). */
      markers: z.array(z.string().min(1)).default([]),
    })
    .default({ billingHosts: [], loginHosts: [], markers: [] }),
  support: z.strictObject({
    phone: z.string().min(1).nullable().default(null),
    outageUrl: z.string().url().nullable().default(null),
    /** How to get a temporary password, in the customer's words. */
    tempPassword: localized.nullable().default(null),
  }),
  tariff: z
    .strictObject({ downMbps: z.number().positive().nullable().default(null), upMbps: z.number().positive().nullable().default(null) })
    .default({ downMbps: null, upMbps: null }),
});

export type IspProfile = z.infer<typeof ispProfileSchema>;

function issueLine(text: string, issuePath: readonly PropertyKey[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const node = doc.getIn(issuePath as unknown[], true) as { range?: [number, number, number] } | undefined;
  return node?.range ? lc.linePos(node.range[0]).line : undefined;
}

export function parseIspProfile(text: string, file: string): IspProfile {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(`${file}: YAML syntax error: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  const r = ispProfileSchema.safeParse(doc.toJS());
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = issue.path.map(String).join('.');
    const line = issueLine(text, issue.path);
    throw new ConfigError(`${file}${line ? `:${line}` : ''} ${key || '(top level)'}: ${issue.message}`, { file, key });
  }
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (r.data.name !== expected) throw new ConfigError(`${file} name: expected "${expected}" (the file name), got "${r.data.name}"`, { file });
  return r.data;
}

export function builtinProfileDir(): string {
  return path.join(packageRoot(), 'config', 'isp');
}

/** All profiles: the built-in ones, then the user's (same name replaces). */
export function loadIspProfiles(dirs: readonly string[]): Map<string, IspProfile> {
  const out = new Map<string, IspProfile>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch {
      continue; // a missing user folder is fine
    }
    for (const name of names.slice(0, 200)) {
      const file = path.join(dir, name);
      const profile = parseIspProfile(readFileSync(file, 'utf8'), file);
      out.set(profile.name, profile);
    }
  }
  return out;
}

export interface ProfileChoice {
  profile?: IspProfile | undefined;
  /** flag: --isp; server / proto: recognised from the router's WAN; config: diagnostics.isp; none. */
  source: 'flag' | 'server' | 'proto' | 'config' | 'none';
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/:\d+$/, '').toLowerCase() === b.replace(/:\d+$/, '').toLowerCase();
}

/**
 * --isp NAME wins; then the router's VPN server names the provider; then a generic profile for the WAN
 * type; then the configured provider (diagnostics.isp, which keeps working after a factory reset).
 */
export function chooseProfile(
  profiles: ReadonlyMap<string, IspProfile>,
  opts: { flag?: string | undefined; configured?: string | null | undefined; wan?: Pick<WanSettings, 'proto' | 'server'> | undefined },
): ProfileChoice {
  if (opts.flag) {
    const p = profiles.get(opts.flag);
    if (!p) throw new UsageError(`unknown ISP profile "${opts.flag}"; known: ${[...profiles.keys()].join(', ') || '(none)'}`);
    return { profile: p, source: 'flag' };
  }
  const wan = opts.wan;
  if (wan?.server) {
    const byServer = [...profiles.values()].find((p) => p.match.servers.some((s) => sameHost(s, wan.server!)));
    if (byServer) return { profile: byServer, source: 'server' };
  }
  if (wan && wan.proto !== 'other' && wan.proto !== 'static') {
    const proto = wan.proto === 'dhcp' ? 'ipoe' : wan.proto;
    const byProto = [...profiles.values()].find((p) => p.match.protos.includes(proto));
    if (byProto) return { profile: byProto, source: 'proto' };
  }
  if (opts.configured) {
    const p = profiles.get(opts.configured);
    if (!p) throw new ConfigError(`diagnostics.isp: no ISP profile named "${opts.configured}"; known: ${[...profiles.keys()].join(', ')}`);
    return { profile: p, source: 'config' };
  }
  return { source: 'none' };
}

/** A host matches "name" exactly or "*.domain" as any sub-domain (and the domain itself). */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => {
    const pat = p.toLowerCase();
    if (pat.startsWith('*.')) return h === pat.slice(2) || h.endsWith(pat.slice(1));
    return h === pat;
  });
}
