// A tiny real home network made of Linux network namespaces that this test creates and removes:
// a "router" namespace with the emulated OpenWrt at 192.168.10.1 and a "client" namespace whose
// default gateway points there. `routerctl discover` runs with the DEFAULT candidates, but only
// inside the client namespace (`ip netns exec`), so nothing leaves the test's own network.
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { BIN, ROOT, makeSandbox, type Sandbox } from './cli-helpers.js';

const suffix = `${process.pid % 100000}`;
const ROUTER_NS = `rctl-router-${suffix}`;
const CLIENT_NS = `rctl-client-${suffix}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function setUpNetwork(): string | null {
  try {
    if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
    execFileSync('ip', ['-V'], { stdio: 'pipe' });
    ip('netns', 'add', ROUTER_NS);
    ip('netns', 'add', CLIENT_NS);
    ip('link', 'add', `rv${suffix}`, 'netns', ROUTER_NS, 'type', 'veth', 'peer', 'name', `cv${suffix}`, 'netns', CLIENT_NS);
    ip('-n', ROUTER_NS, 'addr', 'add', '192.168.10.1/24', 'dev', `rv${suffix}`);
    ip('-n', CLIENT_NS, 'addr', 'add', '192.168.10.2/24', 'dev', `cv${suffix}`);
    for (const [ns, dev] of [[ROUTER_NS, `rv${suffix}`], [CLIENT_NS, `cv${suffix}`]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', CLIENT_NS, 'route', 'add', 'default', 'via', '192.168.10.1');
    return null;
  } catch (err) {
    tearDownNetwork();
    return `cannot create network namespaces here (${(err as Error).message.split('\n')[0]})`;
  }
}

function tearDownNetwork(): void {
  for (const ns of [ROUTER_NS, CLIENT_NS]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not created
    }
  }
}

describe('e2e: discovery in a real (namespaced) home network', function () {
  this.timeout(60_000);
  let router: ChildProcess | undefined;
  let sandbox: Sandbox;

  before(async function () {
    const why = setUpNetwork();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    sandbox = await makeSandbox();
    router = spawn('ip', ['netns', 'exec', ROUTER_NS, process.execPath, '--import', 'tsx', path.join(ROOT, 'test/e2e/netns-router.ts'), '192.168.10.1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the namespaced router did not start')), 20_000);
      createInterface({ input: router!.stdout! }).once('line', () => {
        clearTimeout(timer);
        resolve();
      });
      router!.once('exit', (code) => reject(new Error(`the namespaced router exited with ${code}`)));
    });
  });

  after(async () => {
    if (router && router.exitCode === null) {
      const exited = new Promise((r) => router!.once('exit', r));
      router.kill('SIGTERM');
      await exited;
    }
    tearDownNetwork();
    await sandbox?.cleanup();
  });

  it('finds the router as the OS default gateway with the default candidates', async () => {
    const out = execFileSync('ip', ['netns', 'exec', CLIENT_NS, process.execPath, BIN, 'discover', '--json'], {
      env: sandbox.env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result = JSON.parse(out.trim()) as { routers: { address: string; isGateway: boolean; family: string | null; reachable: boolean }[] };
    const gateway = result.routers.find((r) => r.isGateway);
    expect(gateway).to.include({ address: '192.168.10.1', family: 'openwrt', reachable: true });
    // The default candidates were probed too (and found nothing) — inside the namespace only.
    expect(result.routers.map((r) => r.address)).to.include.members(['192.168.1.1', '192.168.0.1']);
  });
});
