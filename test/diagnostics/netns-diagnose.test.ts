// A real home network in a box: two network namespaces this test creates and removes. "home" holds the
// lab (the OpenWrt router on 192.168.1.1, the provider and the "internet" on TEST-NET-3 addresses); "client" has 192.168.1.2, a default route via the router and the router as its
// resolver (/etc/netns/<client>/resolv.conf, which `ip netns exec` mounts). `routerctl diagnose` runs
// in the client with NO override of gateway, resolver or interfaces: the figures come from the real
// stack (the routing table, resolv.conf, ICMP through the system ping when it is installed). Nothing
// leaves the test's namespaces; without root or `ip`, the test is skipped and says why.
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { BIN, ROOT, eventually, makeSandbox, type Sandbox } from '../e2e/cli-helpers.js';

const suffix = `${process.pid % 100000}`;
const HOME_NS = `rctl-dhome-${suffix}`;
const CLIENT_NS = `rctl-dcli-${suffix}`;
const ADMIN = 'netns-adm1n';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function tearDown(): void {
  for (const ns of [HOME_NS, CLIENT_NS]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not created
    }
  }
}

async function setUp(): Promise<string | null> {
  try {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux to create network namespaces';
    execFileSync('ip', ['-V'], { stdio: 'pipe' });
    ip('netns', 'add', HOME_NS);
    ip('netns', 'add', CLIENT_NS);
    ip('link', 'add', `dr${suffix}`, 'netns', HOME_NS, 'type', 'veth', 'peer', 'name', `dc${suffix}`, 'netns', CLIENT_NS);
    ip('-n', HOME_NS, 'addr', 'add', '192.168.1.1/24', 'dev', `dr${suffix}`);
    ip('-n', CLIENT_NS, 'addr', 'add', '192.168.1.2/24', 'dev', `dc${suffix}`);
    // The "internet" lives in the home namespace too: its addresses are local there (no dummy
    // interface needed, which containers often lack), reached from the client through the router.
    for (const a of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.53']) ip('-n', HOME_NS, 'addr', 'add', `${a}/32`, 'dev', `dr${suffix}`);
    for (const [ns, dev] of [[HOME_NS, `dr${suffix}`], [CLIENT_NS, `dc${suffix}`]] as const) ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', HOME_NS, 'link', 'set', 'lo', 'up');
    ip('-n', CLIENT_NS, 'link', 'set', 'lo', 'up');
    ip('-n', CLIENT_NS, 'route', 'add', 'default', 'via', '192.168.1.1');
    await mkdir(`/etc/netns/${CLIENT_NS}`, { recursive: true });
    await writeFile(`/etc/netns/${CLIENT_NS}/resolv.conf`, 'nameserver 192.168.1.1\n');
    return null;
  } catch (err) {
    tearDown();
    return `cannot create network namespaces here (${(err as Error).message.split('\n')[0]})`;
  }
}

function hasPing(): boolean {
  try {
    execFileSync('ping', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

interface Report {
  verdict: { id: string };
  exit_code: number;
  checks: { id: string; status: string; problems: string[]; values: Record<string, unknown> }[];
}

describe('e2e: diagnose in a real (namespaced) home network, no gateway or resolver override', function () {
  this.timeout(90_000);
  let home: ChildProcess | undefined;
  let lines: Interface;
  let sandbox: Sandbox;
  let dir: string;
  let configPath: string;

  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the namespaced lab did not answer')), 20_000);
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });

  const diagnose = async (): Promise<Report | undefined> => {
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', CLIENT_NS, process.execPath, BIN, '--config', configPath, 'diagnose', '--json'], {
        env: { ...sandbox.env, ROUTERCTL_PASSWORD: ADMIN },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', () => undefined);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8') }));
    });
    try {
      const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Report;
      expect(run.code).to.equal(report.exit_code);
      return report;
    } catch {
      return undefined;
    }
  };

  before(async function () {
    const why = await setUp();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    sandbox = await makeSandbox();
    dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-netns-'));
    home = spawn('ip', ['netns', 'exec', HOME_NS, process.execPath, '--import', 'tsx', path.join(ROOT, 'test/diagnostics/netns-home.ts'), dir, ADMIN], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    home.stderr!.on('data', () => undefined);
    lines = createInterface({ input: home.stdout! });
    configPath = (JSON.parse(await nextLine()) as { configPath: string }).configPath;
  });

  after(async () => {
    if (home && home.exitCode === null) {
      const exited = new Promise((r) => home!.once('exit', r));
      home.kill('SIGTERM');
      await exited;
    }
    tearDown();
    await rm(`/etc/netns/${CLIENT_NS}`, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
    await sandbox?.cleanup();
  });

  it('healthy: ok, with the gateway from the routing table, DNS from resolv.conf and a real echo', async () => {
    const r = await eventually('ok in the namespaces', async () => {
      const rep = await diagnose();
      return rep?.verdict.id === 'ok' ? rep : undefined;
    }, 20_000);
    const byId = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(byId['C02']!.values).to.deep.include({ gateway: '192.168.1.1', gateway_source: 'os', dns_servers: ['192.168.1.1'], dns_source: 'os' });
    expect(byId['C01']!.values['interfaces']).to.include(`dc${suffix}`);
    const c04 = byId['C04']!.values;
    expect(c04).to.include({ host: '192.168.1.1', received: 5 });
    expect(c04['method']).to.equal(hasPing() ? 'icmp' : 'tcp'); // the method is always named
    const dns = byId['C17']!.values['system'] as Record<string, unknown>;
    expect(dns).to.deep.include({ servers: ['192.168.1.1'], answered: 3 });
    expect(byId['C19']!.status).to.equal('pass'); // names resolved by the router, TLS checked with the lab CA
    expect(byId['C05']!.values).to.include({ host: '192.168.1.1', family: 'openwrt' });
  });

  it('dns_down: the router’s resolver and the provider’s fail, the public ones answer → dns_failure.isp', async () => {
    home!.stdin!.write('fault dns_down on\n');
    expect(await nextLine()).to.equal('ok');
    const r = (await diagnose())!;
    expect(r.verdict.id).to.equal('dns_failure.isp');
    expect(r.exit_code).to.equal(2);
    const c17 = r.checks.find((c) => c.id === 'C17')!;
    expect((c17.values['system'] as Record<string, unknown>)['servers']).to.deep.equal(['192.168.1.1']);
    expect(c17.values['failing_roles']).to.have.members(['router', 'isp']);
    home!.stdin!.write('fault dns_down off\n');
    expect(await nextLine()).to.equal('ok');
  });
});
