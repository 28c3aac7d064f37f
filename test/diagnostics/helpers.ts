// Shared pieces of the diagnostics tests: injected check results, a loopback-only host, the lab config.
import { CATALOGUE } from '../../src/diagnostics/catalogue.js';
import type { HostEnv } from '../../src/diagnostics/host.js';
import type { CheckId, CheckResult, CheckStatus, Json } from '../../src/diagnostics/types.js';

/** Every check passed (C10, C12, C22 skipped as in a real run). */
export function healthyResults(): CheckResult[] {
  return CATALOGUE.map((d): CheckResult => ({
    id: d.id,
    key: d.key,
    layer: d.layer,
    segment: d.segment,
    phase: d.phase,
    status: (['C03', 'C10', 'C12', 'C22'].includes(d.id) ? 'skip' : 'pass') as CheckStatus,
    problems: [],
    values: (d.id === 'C17' ? { failing_roles: [], answering_roles: ['router', 'isp', 'public'] } : {}) as Record<string, Json>,
    thresholds: {},
    duration_ms: 1,
  })).sort((a, b) => a.id.localeCompare(b.id));
}

export function patch(results: CheckResult[], id: CheckId, change: Partial<CheckResult>): CheckResult[] {
  return results.map((r) => (r.id === id ? { ...r, ...change } : r));
}

export function patchAll(results: CheckResult[], changes: Partial<Record<CheckId, Partial<CheckResult>>>): CheckResult[] {
  let out = results;
  for (const [id, change] of Object.entries(changes)) out = patch(out, id as CheckId, change!);
  return out;
}

/** A host that sees only loopback: the lab's "home network", and nothing of the machine's own. */
export function loopbackHost(opts: { gateway?: string | null; resolvers?: string[] } = {}): HostEnv {
  return {
    interfaces: () => ({ lo: [{ address: '127.0.60.2', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.60.2/8' }] }),
    gateway: async () => opts.gateway ?? null,
    resolvers: () => opts.resolvers ?? [],
    wireless: async () => [],
    // Never a real ping in tests: ICMP "unavailable" makes every train use TCP to loopback.
    ping: async () => ({ available: false, replies: [], fragNeeded: false, error: 'disabled in tests' }),
  };
}
