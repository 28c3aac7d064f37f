// The embedded lab: a simulated ISP (accounts, DNS, an "internet" target, a control API) and emulated
// home routers on loopback addresses that mirror the usual home ones (192.168.1.1 -> 127.0.1.1).
// It writes a config file that points discovery and the internet check at itself, so every command run
// with `--config <configPath>` works on the lab exactly as it would at home.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { EmulatorTimings, RunningEmulator } from '../../drivers/emulator-types.js';
import { findFamily } from '../../drivers/index.js';
import { startDnsServer, type LabDnsServer } from './dns-server.js';
import { createControlServer, createInternetServer } from './isp-http.js';
import { SimulatedIsp } from './isp.js';
import { assertLoopback, closeServer, listen } from './net.js';

export const LAB_VPN_SERVER = 'tp.internet.beeline.ru';
const ISP_HOST = '127.0.100.1';

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

export async function startLab(options: LabOptions = {}): Promise<RunningLab> {
  const speed = options.speed ?? 'realistic';
  const timings = LAB_TIMINGS[speed];
  const adminPassword = options.adminPassword ?? randomBytes(9).toString('base64url');
  const specs = options.routers ?? DEFAULT_LAB_ROUTERS;
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    const dns = await startDnsServer(ISP_HOST, { [LAB_VPN_SERVER]: ISP_HOST, 'connectivitycheck.lab': ISP_HOST });
    cleanups.push(() => dns.close());
    const isp = new SimulatedIsp({
      vpnServers: [LAB_VPN_SERVER],
      pppoe: true,
      dns: [`${dns.host}`],
      dropSessionOnPasswordChange: true,
    });

    const routers: LabRouter[] = [];
    const emulators: RunningEmulator[] = [];
    for (const spec of specs) {
      assertLoopback(spec.host);
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

    const servers: Server[] = [createControlServer(isp), createInternetServer(isp, (host) => (routers.some((r) => r.address === host) ? host : undefined))];
    const [controlPort, internetPort] = [await listen(servers[0]!, ISP_HOST), await listen(servers[1]!, ISP_HOST)];
    for (const server of servers) cleanups.push(() => closeServer(server));

    const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'routerctl-lab-')));
    if (!options.dir) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const internetUrl = `http://${ISP_HOST}:${internetPort}`;
    const configPath = path.join(dir, 'lab-config.yaml');
    await writeFile(configPath, labConfigYaml(routers, internetUrl, speed), { mode: 0o600 });

    return { routers, isp, ispControlUrl: `http://${ISP_HOST}:${controlPort}`, internetUrl, dns, configPath, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The config a lab user runs commands with: candidates, the stand-in OS gateway, short waits. */
function labConfigYaml(routers: LabRouter[], internetUrl: string, speed: LabSpeed): string {
  const fast = speed === 'fast';
  const config = {
    discovery: {
      candidates: routers.map((r) => ({ host: r.address, http: r.httpPort, ...(r.sshPort ? { ssh: r.sshPort } : {}) })),
      includeGateway: true,
      gateway: routers[0]?.address ?? null,
      probeTimeoutMs: 800,
    },
    sync: {
      confirmWindowSeconds: fast ? 30 : 90,
      wanUpTimeoutSeconds: fast ? 8 : 40,
      pollIntervalMs: fast ? 100 : 1000,
      authFailPolls: 3,
    },
    internet: {
      probeUrls: [`${internetUrl}/via/{gateway}/generate_204`],
      timeoutMs: 1500,
    },
  };
  return `# Written by \`routerctl lab\`: points routerctl at the lab's routers and ISP. Nothing here is secret.\n${YAML.stringify(config)}`;
}
