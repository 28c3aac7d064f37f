// The embedded lab: a simulated ISP (accounts, DNS, an "internet" target, a control API) and emulated
// home routers on loopback addresses that mirror the usual home ones (192.168.1.1 -> 127.0.1.1).
// It writes a config file that points discovery, the internet check and every diagnose probe and
// resolver at itself, so every command run with `--config <configPath>` works on the lab exactly as it
// would at home. Faults (src/lab/faults.ts) turn it into each case `diagnose` must tell apart.
//
// Addresses: the ISP at 127.0.100.1 (control API, DNS, the /via/ internet check), routers at 127.0.1.1
// and 127.0.10.1 (each with a DNS proxy), "internet" operators at 127.0.200.1, 127.0.201.1, 127.0.202.1.
// Every resolver listens on one shared UDP port (diagnostics.dns.port in the written config).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { EmulatorTimings, RunningEmulator } from '../../drivers/emulator-types.js';
import { findFamily } from '../../drivers/index.js';
import { UbusClient } from '../../drivers/openwrt/ubus-client.js';
import { startDnsServer, type DnsMode, type LabDnsServer } from './dns-server.js';
import { isLabFault, LAB_FAULTS, LabFaults, type LabFault } from './faults.js';
import { LabOperator, type OperatorState } from './internet.js';
import { createControlServer, createInternetServer } from './isp-http.js';
import { ISP_PPP_PEER, SimulatedIsp } from './isp.js';
import { assertLabHost, closeServer, listen } from './net.js';
import { LAB_CA_CERT } from './tls.js';

export const LAB_VPN_SERVER = 'tp.internet.beeline.ru';
const ISP_HOST = '127.0.100.1';
/** The lab ISP's resolver answers these; the probe names point at the first operator (a., b., c. at each). */
function dnsRecords(ispHost: string, operators: readonly { host: string }[]): Record<string, string> {
  const [a, b, c] = operators.map((o) => o.host);
  return {
    [LAB_VPN_SERVER]: ispHost,
    'connectivitycheck.lab': ispHost,
    ...(a ? { 'probe.lab': a, '*.probe.lab': a, 'a.probe.lab': a } : {}),
    ...(b ? { 'b.probe.lab': b } : {}),
    ...(c ? { 'c.probe.lab': c } : {}),
  };
}
/** The lab ISP's payment page (a Beeline host, as the lab plays Beeline; never contacted: probes do not follow redirects). */
export const LAB_PORTAL_URL = 'http://my.beeline.ru/blocked';
export const LAB_OPERATORS: readonly { name: string; host: string }[] = [
  { name: 'lab-a', host: '127.0.200.1' },
  { name: 'lab-b', host: '127.0.201.1' },
  { name: 'lab-c', host: '127.0.202.1' },
];


export type LabSpeed = 'fast' | 'realistic';

export const LAB_TIMINGS: Record<LabSpeed, EmulatorTimings> = {
  fast: { dialMs: 60, redialMs: 150 },
  realistic: { dialMs: 2500, redialMs: 4000 },
};

export interface LabRouterSpec {
  family: string;
  host: string;
  wan: { proto: 'pppoe' | 'l2tp' | 'pptp'; username: string; password: string; server?: string };
}

export interface LabOptions {
  adminPassword?: string;
  speed?: LabSpeed;
  routers?: LabRouterSpec[];
  /** Where the lab writes its config; a fresh temporary folder by default. */
  dir?: string;
  /** Faults switched on once everything runs (see LAB_FAULTS). */
  faults?: readonly string[];
  /**
   * Where the ISP and the internet live, and their ports. Loopback and ephemeral ports by default;
   * other addresses only inside a test's own network namespace (the netns e2e test uses 203.0.113.x).
   */
  network?: {
    ispHost?: string;
    operators?: readonly { name: string; host: string }[];
    /** Every lab resolver's port (default: one free port shared by all). */
    dnsPort?: number;
    httpPort?: number;
    httpsPort?: number;
  };
}

export interface LabRouter {
  family: string;
  address: string;
  httpPort: number;
  sshPort?: number | undefined;
  adminUser: string;
  adminPassword: string;
  wanAccount: { username: string };
}

export interface RunningLab {
  routers: LabRouter[];
  isp: SimulatedIsp;
  ispControlUrl: string;
  internetUrl: string;
  dns: LabDnsServer;
  configPath: string;
  /** The lab's internet operators (HTTP/HTTPS probe targets, IP anchors). */
  operators: LabOperator[];
  faults: LabFaults;
  /** Switches a fault and waits until the lab acts on it. */
  setFault(fault: LabFault, on: boolean): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_LAB_ROUTERS: LabRouterSpec[] = [
  {
    family: 'openwrt',
    host: '127.0.1.1',
    wan: { proto: 'l2tp', username: '0891234567', password: 'Spring-2026', server: LAB_VPN_SERVER },
  },
  {
    family: 'keenetic',
    host: '127.0.10.1',
    wan: { proto: 'pppoe', username: 'kn0897654321', password: 'Winter-2026' },
  },
];

/**
 * Families the default lab does not run (the e2e suites expect its two routers), started beside them
 * when a story asks for one (`routerctl demo --driver mikrotik`).
 */
export const EXTRA_LAB_ROUTERS: LabRouterSpec[] = [
  { family: 'mikrotik', host: '127.0.20.1', wan: { proto: 'pppoe', username: 'mt0895551234', password: 'Mt-Lenta-2026' } },
  { family: 'asuswrt', host: '127.0.30.1', wan: { proto: 'pppoe', username: 'as0895554321', password: 'As-Polka-2026' } },
];

/** The default lab, plus the extra router of `family` when the default lab has none. */
export function labRoutersFor(family: string | undefined): LabRouterSpec[] {
  const f = family?.toLowerCase();
  if (!f || DEFAULT_LAB_ROUTERS.some((r) => r.family === f)) return DEFAULT_LAB_ROUTERS;
  const extra = EXTRA_LAB_ROUTERS.find((r) => r.family === f);
  return extra ? [...DEFAULT_LAB_ROUTERS, extra] : DEFAULT_LAB_ROUTERS;
}

export async function startLab(options: LabOptions = {}): Promise<RunningLab> {
  const speed = options.speed ?? 'realistic';
  const timings = LAB_TIMINGS[speed];
  const adminPassword = options.adminPassword ?? randomBytes(9).toString('base64url');
  const specs = options.routers ?? DEFAULT_LAB_ROUTERS;
  for (const f of options.faults ?? []) if (!isLabFault(f)) throw new Error(`unknown lab fault "${f}"; known: ${Object.keys(LAB_FAULTS).join(', ')}`);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    const ispHost = options.network?.ispHost ?? ISP_HOST;
    const operatorSpecs = options.network?.operators ?? LAB_OPERATORS;
    assertLabHost(ispHost);
    const DNS_RECORDS = dnsRecords(ispHost, operatorSpecs);
    const faults = new LabFaults();
    const state = { homeDown: false };
    const slowMs = (ms: number) => (): number => (faults.has('slow') ? ms : 0);
    const dns = await startDnsServer(ispHost, DNS_RECORDS, options.network?.dnsPort ?? 0, {
      mode: () => (faults.has('dns_down') || faults.has('blackhole') ? 'drop' : 'answer'),
      delayMs: slowMs(200),
    });
    cleanups.push(() => dns.close());
    const isp = new SimulatedIsp({
      vpnServers: [LAB_VPN_SERVER],
      pppoe: true,
      dns: [`${dns.host}`],
      dropSessionOnPasswordChange: true,
    });

    // What a ping from a router reaches: its ISP's gateway and resolver while its session is up, the
    // operators too unless the provider lost its upstream or black-holes everything; nothing else exists.
    const reachable = (routerId: string) => (host: string): { ok: boolean; rttMs: number } => {
      const rttMs = faults.has('slow') ? 60 : 3;
      if (!isp.isOnline(routerId)) return { ok: false, rttMs };
      if (host === ISP_PPP_PEER || host === ispHost) return { ok: true, rttMs };
      if (operatorSpecs.some((o) => o.host === host)) return { ok: !faults.has('upstream_down') && !faults.has('blackhole'), rttMs };
      return { ok: false, rttMs };
    };
    const routers: LabRouter[] = [];
    const emulators: RunningEmulator[] = [];
    for (const spec of specs) {
      assertLabHost(spec.host);
      const family = findFamily(spec.family);
      if (!family) throw new Error(`unknown router family in the lab: ${spec.family}`);
      isp.addAccount({ username: spec.wan.username, password: spec.wan.password, balance: 500 });
      const emulator = await family.startLabRouter({
        host: spec.host,
        adminPassword,
        wan: spec.wan,
        upstream: isp,
        timings,
        withSsh: true,
        reachable: reachable(spec.host),
      });
      cleanups.push(() => emulator.close());
      emulators.push(emulator);
      routers.push({
        family: spec.family,
        address: spec.host,
        httpPort: emulator.httpPort,
        sshPort: emulator.sshPort,
        adminUser: emulator.adminUser,
        adminPassword,
        wanAccount: { username: spec.wan.username },
      });
    }
    const home = routers[0];
    const homeOnline = (): boolean => home !== undefined && !state.homeDown && isp.isOnline(home.address);

    // The internet: operators whose ports follow the home router's state, and their public resolvers.
    const operators: LabOperator[] = [];
    for (const o of operatorSpecs) {
      assertLabHost(o.host);
      const op = await LabOperator.start(o.name, o.host, { httpPort: options.network?.httpPort, httpsPort: options.network?.httpsPort });
      cleanups.push(() => op.close());
      operators.push(op);
    }
    const publicMode = (): DnsMode => (!homeOnline() || faults.has('upstream_down') ? 'refused' : faults.has('blackhole') ? 'drop' : 'answer');
    const dnsServers: LabDnsServer[] = [];
    for (const o of operatorSpecs.slice(0, 2)) {
      const server = await startDnsServer(o.host, DNS_RECORDS, dns.port, { mode: publicMode, delayMs: slowMs(200) });
      cleanups.push(() => server.close());
      dnsServers.push(server);
    }
    // Each router's DNS proxy forwards to the ISP's resolver while its WAN is up.
    const proxies = new Map<string, LabDnsServer>();
    for (const r of routers) {
      const mode = (): DnsMode => {
        if (!isp.isOnline(r.address)) return 'servfail';
        if (faults.has('dns_down') || faults.has('blackhole')) return 'drop';
        return 'answer';
      };
      const proxy = await startDnsServer(r.address, DNS_RECORDS, dns.port, { mode, delayMs: slowMs(200) });
      cleanups.push(() => proxy.close());
      proxies.set(r.address, proxy);
    }

    const operatorState = (): OperatorState => {
      const base: OperatorState = { http: 'serve', https: 'serve', delayMs: faults.has('slow') ? 600 : 0, largeStalls: faults.has('mtu_blackhole') };
      if (!homeOnline() || faults.has('upstream_down')) return { ...base, http: 'closed', https: 'closed' };
      if (faults.has('blackhole')) return { ...base, http: 'hold', https: 'hold' };
      if (home && isp.isBlocked(home.address)) return { ...base, https: 'closed', portal: LAB_PORTAL_URL };
      return base;
    };
    let chain: Promise<void> = Promise.resolve();
    const reconcile = (): Promise<void> => {
      chain = chain.then(async () => {
        const st = operatorState();
        for (const op of operators) await op.apply(st);
      }).catch(() => undefined);
      return chain;
    };
    const unsubscribe = isp.onChange(() => void reconcile());
    cleanups.push(async () => unsubscribe());

    const savedBalance = new Map<string, number>();
    faults.onChange(async (fault, on) => {
      if (!home) return;
      const account = home.wanAccount.username;
      if (fault === 'account_blocked') {
        if (on) {
          savedBalance.set(account, isp.balanceOf(account) ?? 500);
          isp.setBalance(account, -100);
        } else isp.setBalance(account, savedBalance.get(account) ?? 500);
      } else if (fault === 'wan_cable') {
        isp.setCarrier(home.address, !on);
      } else if (fault === 'router_reset' && on) {
        await factoryResetWan(home);
      } else if (fault === 'router_down' && on) {
        state.homeDown = true;
        await emulators[0]?.close();
        await proxies.get(home.address)?.close();
        isp.hangup(home.address);
      }
      await reconcile();
    });

    const internetBehaviour = () => ({ reset: faults.has('upstream_down'), hold: faults.has('blackhole'), delayMs: faults.has('slow') ? 600 : 0 });
    const servers: Server[] = [
      createControlServer(isp, faults),
      createInternetServer(isp, (host) => (routers.some((r) => r.address === host) && !(state.homeDown && host === home?.address) ? host : undefined), {
        portalUrl: LAB_PORTAL_URL,
        behaviour: internetBehaviour,
      }),
    ];
    const [controlPort, internetPort] = [await listen(servers[0]!, ispHost), await listen(servers[1]!, ispHost)];
    for (const server of servers) cleanups.push(() => closeServer(server));

    const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'routerctl-lab-')));
    if (!options.dir) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const internetUrl = `http://${ispHost}:${internetPort}`;
    const configPath = path.join(dir, 'lab-config.yaml');
    const caFile = path.join(dir, 'lab-ca.pem');
    await writeFile(caFile, LAB_CA_CERT, { mode: 0o600 });
    await writeFile(configPath, labConfigYaml(routers, internetUrl, speed, { dnsPort: dns.port, operators, caFile }), { mode: 0o600 });

    await reconcile();
    for (const f of options.faults ?? []) await faults.set(f as LabFault, true);

    return {
      routers,
      isp,
      ispControlUrl: `http://${ispHost}:${controlPort}`,
      internetUrl,
      dns,
      configPath,
      operators,
      faults,
      setFault: (fault, on) => faults.set(fault, on),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A factory reset of the WAN as the lab plays it on an OpenWrt router: DHCP, no login, no server. */
async function factoryResetWan(router: LabRouter): Promise<void> {
  if (router.family !== 'openwrt') throw new Error(`router_reset is played on an OpenWrt home router only (this one is ${router.family})`);
  const client = new UbusClient({ baseUrl: `http://${router.address}:${router.httpPort}`, timeoutMs: 5000, maxResponseBytes: 1 << 20 });
  await client.login(router.adminUser, router.adminPassword);
  try {
    await client.call('uci', 'set', { config: 'network', section: 'wan', values: { proto: 'dhcp' } });
    await client.call('uci', 'delete', { config: 'network', section: 'wan', options: ['username', 'password', 'server'] });
    await client.call('uci', 'commit', { config: 'network' });
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** The config a lab user runs commands with: candidates, the stand-in OS gateway, short waits, and
 * every diagnose probe, resolver and threshold pointed at the lab (loopback only). */
function labConfigYaml(
  routers: LabRouter[],
  internetUrl: string,
  speed: LabSpeed,
  lab: { dnsPort: number; operators: readonly LabOperator[]; caFile: string },
): string {
  const fast = speed === 'fast';
  const [a, b, c] = lab.operators;
  const gateway = routers[0]?.address ?? null;
  const config = {
    discovery: {
      candidates: routers.map((r) => ({ host: r.address, http: r.httpPort, ...(r.sshPort ? { ssh: r.sshPort } : {}) })),
      includeGateway: true,
      gateway,
      probeTimeoutMs: 800,
    },
    sync: {
      confirmWindowSeconds: fast ? 30 : 90,
      wanUpTimeoutSeconds: fast ? 8 : 40,
      pollIntervalMs: fast ? 100 : 1000,
      authFailPolls: 3,
      // The emulators redial within 60 ms of a change (LAB_TIMINGS.fast): after 1 s no status is the old session's.
      staleStatusSeconds: fast ? 1 : 5,
    },
    internet: {
      probeUrls: [`${internetUrl}/via/{gateway}/generate_204`],
      timeoutMs: 1500,
    },
    diagnostics: {
      phaseMs: { host: 2000, lan: 3000, router: fast ? 8000 : 15000, internet: 6000 },
      // The lab plays Beeline: after a factory reset the router no longer names its provider.
      isp: 'beeline',
      host: {
        // The lab's home network is loopback; its resolver is the home router's DNS proxy.
        acceptLoopback: true,
        resolvers: gateway ? [`${gateway}:${lab.dnsPort}`] : [],
      },
      // Loopback answers ICMP for every 127.x address, so only TCP tells a lab router that is off.
      ping: { mode: 'tcp', gatewayCount: 5, gatewayIntervalMs: 100, timeoutMs: 500 },
      dns: {
        port: lab.dnsPort,
        timeoutMs: 800,
        tries: 1,
        randomTemplate: '{random}.probe.lab',
        randomCount: 3,
        knownName: 'probe.lab',
        publicResolvers: lab.operators.slice(0, 2).map((o) => ({ name: o.name, address: o.host })),
      },
      probes: {
        timeoutMs: 1500,
        http: [
          ...(a ? [{ name: a.name, url: `http://${a.host}:${a.httpPort}/generate_204`, expect: 204 }] : []),
          ...(b ? [{ name: b.name, url: `http://${b.host}:${b.httpPort}/generate_204`, expect: 204 }] : []),
          { name: 'isp', url: `${internetUrl}/via/{gateway}/connecttest.txt`, expect: 'Microsoft Connect Test' },
        ],
        https: lab.operators.map((o) => ({ name: o.name, url: `https://${o.host}:${o.httpsPort}/generate_204` })),
        ipAnchors: lab.operators.map((o) => ({ name: o.name, host: o.host, port: o.httpsPort })),
        largeUrl: a ? `http://${a.host}:${a.httpPort}/large` : null,
        throughputUrl: c ? `http://${c.host}:${c.httpPort}/down` : null,
        caFile: lab.caFile,
      },
      quality: { count: 6, intervalMs: 100 },
      // Loopback has no line to judge: delays here are the machine's own load (a busy CI runner), so
      // the timing thresholds of the LAN and the quality train are wide. The "slow" fault is still
      // seen: it adds 600 ms to the web, above thresholds.https.highMs (500 ms, unchanged).
      thresholds: {
        gateway: { wiredMs: 150, wifiMs: 150, warnMs: 400 },
        quality: { warnMs: 300, failMs: 1000, warnJitterMs: 150, failJitterMs: 500 },
      },
      ppp: { waitMs: fast ? 3000 : 10000, pollMs: fast ? 250 : 1000, justUpSeconds: 10 },
      throughput: { seconds: 2 },
    },
    watch: { minIntervalSeconds: 1, recheckSeconds: fast ? 1 : 5, confirmSeconds: 1 }, // emulated routers: a seconds schedule is fine
  };
  return `# Written by \`routerctl lab\`: points routerctl at the lab's routers and ISP. Nothing here is secret.\n${YAML.stringify(config)}`;
}
