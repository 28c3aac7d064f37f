// Discovery: probe every candidate (and the default gateway) at once and ask every driver whether
// it recognises what answered. Nothing here logs in or sends a secret.
import type { Driver, DriverLogger, FingerprintResult, Probe, Target } from '../../drivers/types.js';
import type { Config } from '../config/schema.js';
import { parseCandidates, splitCandidateList } from './candidates.js';
import { defaultGateway } from './gateway.js';
import { planExtraRequests, probeTarget } from './probe.js';

export interface ServiceSummary {
  http: boolean;
  https: boolean;
  ssh: boolean;
}

export interface DiscoveredRouter {
  target: Target;
  /** This address is (also) the default gateway. */
  isGateway: boolean;
  /** Anything answered at all. Unreachable candidates are kept in the list, marked false. */
  reachable: boolean;
  services: ServiceSummary;
  /** HTTP status of GET / (HTTP first, else HTTPS). */
  httpStatus?: number | undefined;
  /** <title> of the landing page, for humans. */
  title?: string | undefined;
  sshBanner?: string | undefined;
  /** The best match, or null when no driver recognises it. */
  fingerprint: FingerprintResult | null;
  /** Every match, best first. */
  matches: FingerprintResult[];
  /** Two or more families share the top confidence: the caller must ask which one (e.g. --family). */
  ambiguous: boolean;
  /** The raw probe, for drivers and `--json` debugging. */
  probe: Probe;
}

export interface DiscoverOptions {
  candidates: readonly Target[];
  gateway: string | null;
  drivers: readonly Driver[];
  config: Pick<Config, 'discovery' | 'ports'>;
  logger?: DriverLogger | undefined;
}

const TIE_EPSILON = 1e-9;

function clampConfidence(c: number): number {
  return Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
}

/** Runs every driver's pure matcher; a throwing matcher counts as "no match" (and is logged). */
export function fingerprintProbe(probe: Probe, drivers: readonly Driver[], logger?: DriverLogger): { matches: FingerprintResult[]; ambiguous: boolean } {
  const matches: FingerprintResult[] = [];
  for (const driver of drivers) {
    try {
      const r = driver.fingerprint.match(probe);
      if (r) matches.push({ ...r, confidence: clampConfidence(r.confidence) });
    } catch (err) {
      logger?.warn('a driver fingerprint failed', { family: driver.family, host: probe.host, error: (err as Error).message });
    }
  }
  matches.sort((a, b) => b.confidence - a.confidence);
  const [first, second] = matches;
  const ambiguous = !!first && !!second && first.confidence - second.confidence < TIE_EPSILON && first.family !== second.family;
  return { matches, ambiguous };
}

function pageTitle(body: string | undefined): string | undefined {
  const m = body ? /<title[^>]*>([^<]{1,500})<\/title>/i.exec(body) : null;
  if (!m) return undefined;
  const title = m[1]!
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return title === '' ? undefined : title.slice(0, 120);
}

/** HTTPS is preferred when only HTTPS answered, or when HTTP redirects there. */
function preferHttps(probe: Probe): boolean {
  if (!probe.https) return false;
  if (!probe.http) return true;
  const location = probe.http.headers.location ?? '';
  return probe.http.status >= 300 && probe.http.status < 400 && /^https:/i.test(location);
}

function summarise(target: Target, isGateway: boolean, probe: Probe, drivers: readonly Driver[], logger?: DriverLogger): DiscoveredRouter {
  const services = { http: !!probe.http, https: !!probe.https, ssh: !!probe.ssh };
  const reachable = services.http || services.https || services.ssh || Object.values(probe.extra).some((p) => p !== undefined);
  const { matches, ambiguous } = reachable ? fingerprintProbe(probe, drivers, logger) : { matches: [], ambiguous: false };
  const page = probe.http && !preferHttps(probe) ? probe.http : (probe.https ?? probe.http);
  return {
    target: preferHttps(probe) ? { ...target, https: true } : target,
    isGateway,
    reachable,
    services,
    httpStatus: page?.status,
    title: pageTitle(page?.body),
    sshBanner: probe.ssh?.banner,
    fingerprint: matches[0] ?? null,
    matches,
    ambiguous,
    probe,
  };
}

/** Order: reachable gateway, fingerprinted (most confident first), other answering hosts, then the unreachable. */
function rank(r: DiscoveredRouter): number {
  if (!r.reachable) return 3;
  if (r.isGateway) return 0;
  return r.fingerprint ? 1 : 2;
}

function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => h.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return norm(a) === norm(b);
}

/**
 * Probes all candidates and the gateway in parallel, so the whole run takes about one probe timeout
 * however many addresses are dead.
 */
export async function discover(opts: DiscoverOptions): Promise<DiscoveredRouter[]> {
  const { discovery, ports } = opts.config;
  const targets = opts.candidates.map((target) => ({ target, isGateway: opts.gateway !== null && sameHost(target.host, opts.gateway) }));
  if (opts.gateway !== null && !targets.some((t) => t.isGateway)) {
    targets.unshift({ target: { host: opts.gateway, httpPort: ports.http, httpsPort: ports.https, sshPort: ports.ssh }, isGateway: true });
  }
  const extra = planExtraRequests(opts.drivers, opts.logger);
  opts.logger?.debug('discovery: probing', { hosts: targets.map((t) => t.target.host), timeoutMs: discovery.probeTimeoutMs });

  const results = await Promise.all(
    targets.map(async ({ target, isGateway }) => {
      const probe = await probeTarget(target, { timeoutMs: discovery.probeTimeoutMs, maxBodyBytes: discovery.maxBodyBytes, extra });
      return summarise(target, isGateway, probe, opts.drivers, opts.logger);
    }),
  );
  // Array.prototype.sort is stable: equal ranks keep the candidates' order.
  return results.sort((a, b) => rank(a) - rank(b) || (b.fingerprint?.confidence ?? 0) - (a.fingerprint?.confidence ?? 0) || Number(b.isGateway) - Number(a.isGateway));
}

export interface DiscoveryInputs {
  candidates: Target[];
  gateway: string | null;
  /** Why the gateway is (not) probed, for --verbose and --json. */
  gatewaySource: 'disabled-by-candidates-flag' | 'disabled-by-config' | 'config' | 'os' | 'none';
}

/**
 * What to probe. The rule:
 *  - `--candidates` given: exactly those addresses, and the gateway is NOT probed (the user said
 *    precisely where to look).
 *  - otherwise: `discovery.candidates` of the merged config (a list in a user file or in
 *    ROUTERCTL_CANDIDATES replaces the default list, as every list does), plus the gateway unless
 *    `discovery.includeGateway` is false. The gateway is `discovery.gateway` when set (the lab sets
 *    it), else the OS default gateway (`osGateway`, injectable for tests).
 */
export async function resolveDiscoveryInputs(
  config: Pick<Config, 'discovery' | 'ports'>,
  opts: { candidatesFlag?: string | readonly string[] | undefined; osGateway?: (() => Promise<string | null>) | undefined } = {},
): Promise<DiscoveryInputs> {
  if (opts.candidatesFlag !== undefined) {
    return { candidates: parseCandidates(splitCandidateList(opts.candidatesFlag), config.ports), gateway: null, gatewaySource: 'disabled-by-candidates-flag' };
  }
  const candidates = parseCandidates(config.discovery.candidates, config.ports);
  if (!config.discovery.includeGateway) return { candidates, gateway: null, gatewaySource: 'disabled-by-config' };
  if (config.discovery.gateway) return { candidates, gateway: config.discovery.gateway, gatewaySource: 'config' };
  const os = await (opts.osGateway ?? (() => defaultGateway()))();
  return { candidates, gateway: os, gatewaySource: os ? 'os' : 'none' };
}
