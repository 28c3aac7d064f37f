// Runs inside the netns test's own "home" network namespace (never in the machine's): the lab with its
// OpenWrt router on 192.168.1.1 (answering ping with the real kernel and DNS on :53 through its proxy)
// and the provider's resolver and the "internet" on TEST-NET-3 addresses the test gave this namespace. Prints one JSON line (config path), then takes commands on stdin:
// "fault NAME on|off" → "ok" / "error: ...".
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import YAML from 'yaml';
import { isLabFault } from '../../src/lab/faults.js';
import { startLab } from '../../src/lab/lab.js';

const [dir = '/tmp', adminPassword = 'netns-only'] = process.argv.slice(2);
const ROUTER = '192.168.1.1';
const OPERATORS = [
  { name: 'net-a', host: '203.0.113.1' },
  { name: 'net-b', host: '203.0.113.2' },
  { name: 'net-c', host: '203.0.113.3' },
];

const lab = await startLab({
  speed: 'fast',
  adminPassword,
  dir,
  routers: [{ family: 'openwrt', host: ROUTER, wan: { proto: 'l2tp', username: '0891234567', password: 'Spring-2026', server: 'tp.internet.beeline.ru' } }],
  network: { ispHost: '203.0.113.53', operators: OPERATORS, dnsPort: 53, httpPort: 80, httpsPort: 443 },
});
const router = lab.routers[0]!;
const [a, b] = lab.operators;

// No gateway, resolver or interface override: the client namespace's own routing table, resolv.conf
// and ICMP decide. Only the endpoints are the lab's.
const config = {
  discovery: { candidates: [{ host: ROUTER, http: router.httpPort, ssh: false, https: false }], includeGateway: true, probeTimeoutMs: 1500 },
  diagnostics: {
    isp: 'beeline',
    ping: { mode: 'auto', gatewayCount: 5, gatewayIntervalMs: 200, timeoutMs: 1000 },
    dns: {
      port: 53,
      timeoutMs: 1000,
      tries: 1,
      randomTemplate: '{random}.probe.lab',
      randomCount: 3,
      knownName: 'probe.lab',
      publicResolvers: OPERATORS.slice(0, 2).map((o) => ({ name: o.name, address: o.host })),
    },
    probes: {
      timeoutMs: 2000,
      http: [
        { name: a!.name, url: `http://${a!.host}/generate_204`, expect: 204 },
        { name: b!.name, url: `http://${b!.host}/generate_204`, expect: 204 },
      ],
      // By name: resolved through the system resolver (the router), verified with the lab's CA.
      https: [
        { name: 'a', url: 'https://a.probe.lab/generate_204' },
        { name: 'b', url: 'https://b.probe.lab/generate_204' },
        { name: 'c', url: 'https://c.probe.lab/generate_204' },
      ],
      ipAnchors: OPERATORS.map((o) => ({ name: o.name, host: o.host, port: 443 })),
      largeUrl: `http://${a!.host}/large`,
      throughputUrl: null,
      caFile: path.join(dir, 'lab-ca.pem'),
    },
    quality: { count: 5, intervalMs: 200 },
    ppp: { waitMs: 3000, pollMs: 250, justUpSeconds: 10 },
  },
};
const configPath = path.join(dir, 'netns-config.yaml');
await writeFile(configPath, YAML.stringify(config), { mode: 0o600 });
process.stdout.write(`${JSON.stringify({ configPath, router: ROUTER })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^fault (\w+) (on|off)$/.exec(line.trim());
  if (!m || !isLabFault(m[1]!)) return void process.stdout.write('error: bad command\n');
  lab.setFault(m[1], m[2] === 'on').then(
    () => process.stdout.write('ok\n'),
    (err: unknown) => process.stdout.write(`error: ${(err as Error).message}\n`),
  );
});
const stop = (): void => void lab.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
