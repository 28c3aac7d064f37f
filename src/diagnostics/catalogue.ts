// The check catalogue as data (docs/diagnostics.md §3.2): id, key, layer, chain segment, phase,
// order inside the phase, what it depends on, and its own time box. The code of each check lives in
// src/diagnostics/checks/. Phases run in order; checks of one step run in parallel.
import type { DiagnosticsConfig } from '../config/schema.js';
import type { DiagContext } from './context.js';
import { hostIpConfig, hostLink, wifiLink } from './checks/host.js';
import { dnsCheck, httpsCheck, internetIpCheck, pmtuCheck, portalCheck, qualityCheck, throughputCheck } from './checks/internet.js';
import { lanGateway } from './checks/lan.js';
import {
  lanConflictCheck,
  routerEgressCheck,
  routerHealthCheck,
  routerMtuCheck,
  wanAddressCheck,
  wanLinkCheck,
  wanPppCheck,
  wanProfileCheck,
  wanStabilityCheck,
  wanUnderlayCheck,
} from './checks/router.js';
import type { CheckId, CheckOutcome, PhaseName, Segment } from './types.js';

export interface CheckDef {
  id: CheckId;
  key: string;
  layer: string;
  segment: Segment;
  phase: PhaseName;
  /** Order inside the phase: steps run one after another, the checks of a step in parallel. */
  step: number;
  /** A failure here skips the checks that depend on it (shown as a blocking check). */
  blocking: boolean;
  /** Skipped (with the reason) when one of these failed, errored, or was itself skipped for that. */
  dependsOn: CheckId[];
  /** Its own time box; the runner also cuts it at the phase's end. */
  timeoutMs(cfg: DiagnosticsConfig, routerRequestMs: number): number;
  /**
   * C05 has none: the runner opens the router session itself. `budgetMs` is the time this run of the
   * check really has (its own box, cut at the phase's end): probes fit their counts and waits into it.
   */
  run?(ctx: DiagContext, signal: AbortSignal, budgetMs: number): Promise<CheckOutcome>;
}

const ROUTER_DEPS: CheckId[] = ['C05'];
const LINK_DEPS: CheckId[] = ['C05', 'C06'];
const req = (_c: DiagnosticsConfig, routerMs: number): number => routerMs + 500;

export const CATALOGUE: readonly CheckDef[] = [
  { id: 'C01', key: 'host.link', layer: 'this device', segment: 'device', phase: 'host', step: 1, blocking: true, dependsOn: [], timeoutMs: () => 1500, run: hostLink },
  { id: 'C02', key: 'host.ipconfig', layer: 'device ↔ router DHCP', segment: 'device', phase: 'host', step: 2, blocking: true, dependsOn: ['C01'], timeoutMs: () => 2000, run: hostIpConfig },
  { id: 'C03', key: 'wifi.link', layer: 'Wi-Fi radio', segment: 'wifi', phase: 'host', step: 2, blocking: false, dependsOn: ['C01'], timeoutMs: () => 1500, run: wifiLink },
  {
    id: 'C04',
    key: 'lan.gateway',
    layer: 'LAN path to router',
    segment: 'router',
    phase: 'lan',
    step: 1,
    blocking: true,
    dependsOn: ['C02'],
    timeoutMs: (c) => c.ping.gatewayCount * Math.max(200, c.ping.gatewayIntervalMs) + 2 * c.ping.timeoutMs + 1500,
    run: lanGateway,
  },
  { id: 'C05', key: 'router.session', layer: 'router management', segment: 'router', phase: 'router', step: 0, blocking: true, dependsOn: ['C04'], timeoutMs: (_c, r) => r * 3 },
  { id: 'C06', key: 'wan.link', layer: 'cable / ONT / ISP port', segment: 'line', phase: 'router', step: 1, blocking: true, dependsOn: ROUTER_DEPS, timeoutMs: req, run: wanLinkCheck },
  { id: 'C07', key: 'wan.profile', layer: 'router configuration', segment: 'router', phase: 'router', step: 2, blocking: false, dependsOn: LINK_DEPS, timeoutMs: req, run: wanProfileCheck },
  {
    id: 'C08',
    key: 'wan.underlay',
    layer: 'ISP access network',
    segment: 'line',
    phase: 'router',
    step: 2,
    blocking: true,
    dependsOn: LINK_DEPS,
    timeoutMs: (c, r) => c.ppp.waitMs + 2 * r,
    run: wanUnderlayCheck,
  },
  { id: 'C10', key: 'wan.stability', layer: 'line quality over time', segment: 'line', phase: 'router', step: 2, blocking: false, dependsOn: LINK_DEPS, timeoutMs: req, run: wanStabilityCheck },
  { id: 'C13', key: 'router.health', layer: 'router itself', segment: 'router', phase: 'router', step: 2, blocking: false, dependsOn: ROUTER_DEPS, timeoutMs: req, run: routerHealthCheck },
  { id: 'C15', key: 'router.lan_conflict', layer: 'addressing topology', segment: 'router', phase: 'router', step: 2, blocking: false, dependsOn: ROUTER_DEPS, timeoutMs: req, run: lanConflictCheck },
  {
    id: 'C09',
    key: 'wan.ppp',
    layer: 'PPP session and auth',
    segment: 'provider',
    phase: 'router',
    step: 3,
    blocking: true,
    dependsOn: [...LINK_DEPS, 'C08'],
    timeoutMs: (c, r) => c.ppp.waitMs + 3 * r,
    run: wanPppCheck,
  },
  { id: 'C14', key: 'router.mtu', layer: 'MTU/MSS config', segment: 'router', phase: 'router', step: 3, blocking: false, dependsOn: ROUTER_DEPS, timeoutMs: req, run: routerMtuCheck },
  { id: 'C11', key: 'wan.address', layer: 'addressing', segment: 'provider', phase: 'router', step: 4, blocking: false, dependsOn: [...LINK_DEPS, 'C09'], timeoutMs: req, run: wanAddressCheck },
  {
    id: 'C12',
    key: 'router.egress',
    layer: 'ISP upstream vs everything below',
    segment: 'provider',
    phase: 'router',
    step: 4,
    blocking: false,
    dependsOn: [...LINK_DEPS, 'C09'],
    // busybox sends one echo a second and waits -W 1 for the last; the targets run in parallel.
    timeoutMs: (c, r) => c.ping.routerCount * 1000 + 1000 + r,
    run: routerEgressCheck,
  },
  { id: 'C16', key: 'inet.ip', layer: 'internet reachability without DNS', segment: 'internet', phase: 'internet', step: 1, blocking: true, dependsOn: ['C02'], timeoutMs: () => 3500, run: internetIpCheck },
  { id: 'C17', key: 'inet.dns', layer: 'name resolution', segment: 'internet', phase: 'internet', step: 1, blocking: false, dependsOn: ['C02'], timeoutMs: (c) => 2 * c.dns.timeoutMs * c.dns.tries + 750, run: dnsCheck },
  { id: 'C18', key: 'inet.portal', layer: 'HTTP path / captive portal', segment: 'internet', phase: 'internet', step: 1, blocking: false, dependsOn: ['C02'], timeoutMs: (c) => c.probes.timeoutMs + 500, run: portalCheck },
  { id: 'C19', key: 'inet.https', layer: 'TLS path', segment: 'internet', phase: 'internet', step: 1, blocking: false, dependsOn: ['C02'], timeoutMs: (c) => c.probes.timeoutMs + 500, run: httpsCheck },
  {
    id: 'C20',
    key: 'inet.pmtu',
    layer: 'path MTU',
    segment: 'internet',
    phase: 'internet',
    step: 1,
    blocking: false,
    dependsOn: ['C02'],
    timeoutMs: (c) => 2 * c.probes.timeoutMs + 4 * c.ping.timeoutMs + 500,
    run: pmtuCheck,
  },
  {
    id: 'C21',
    key: 'inet.quality',
    layer: 'localisation of loss and latency',
    segment: 'internet',
    phase: 'internet',
    step: 1,
    blocking: false,
    dependsOn: ['C02'],
    timeoutMs: (c) => c.quality.count * Math.max(200, c.quality.intervalMs) + 2 * c.ping.timeoutMs + 1000,
    run: qualityCheck,
  },
  {
    id: 'C22',
    key: 'inet.throughput',
    layer: 'capacity (on demand)',
    segment: 'internet',
    phase: 'throughput',
    step: 1,
    blocking: false,
    dependsOn: ['C16'],
    timeoutMs: (c) => c.throughput.seconds * 1000 + 2000,
    run: throughputCheck,
  },
];

export const PHASES: readonly PhaseName[] = ['host', 'lan', 'router', 'internet', 'throughput'];

export function checkDef(id: CheckId): CheckDef {
  const d = CATALOGUE.find((c) => c.id === id);
  if (!d) throw new Error(`no check ${id}`);
  return d;
}
