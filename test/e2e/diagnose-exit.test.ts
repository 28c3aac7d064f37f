// `routerctl diagnose` must end by itself as soon as it has printed its report: no socket, timer, SSH
// connection, lock wait or router session may outlive the diagnosis (the CLI has no exit timer for
// it). Drives the BUILT CLI (run `npm run build` first) against `routerctl lab`: healthy, with the
// lab's black hole, and with a router that accepts connections and never answers (HTTP and SSH) or
// is held by another routerctl, so that the router phase gives up while a login is still waiting.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { appPaths } from '../../src/config/paths.js';
import { lockRouter } from '../../src/core/lock.js';
import { BIN, eventually, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from './cli-helpers.js';

const ADMIN_PASSWORD = 'Exit "adm1n" $x;';
/** How long the process may live after printing its report (logger flush, process teardown). */
const EXIT_WITHIN_MS = 1000;
/** Shorter than the router request timeout (8 s), so the phase gives up while the login still waits. */
const ROUTER_PHASE_MS = 1500;
const SILENT_HOST = '127.0.60.1';

interface Timed {
  code: number | null;
  report: { verdict: { id: string }; duration_ms: number; checks: { id: string; status: string; problems: string[] }[] };
  /** From the report's last byte on stdout to the process's exit. */
  tailMs: number;
  stderr: string;
}

/** Runs `diagnose --json` and times the gap between the printed report and the exit. */
function diagnoseTimed(sandbox: Sandbox, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, 'diagnose', '--json'], {
      env: { ...sandbox.env, ROUTERCTL_PASSWORD: ADMIN_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let printedAt: number | undefined;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (printedAt === undefined && stdout.includes('\n')) printedAt = performance.now();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // Far beyond any bound: a hung process fails the test instead of hanging it.
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitedAt = performance.now();
      clearTimeout(killer);
      try {
        resolve({ code, report: JSON.parse(stdout.trim().split('\n')[0]!) as Timed['report'], tailMs: exitedAt - (printedAt ?? 0), stderr });
      } catch {
        reject(new Error(`no report (exit ${code}): ${stdout.slice(0, 300)} ${stderr.slice(-500)}`));
      }
    });
  });
}

describe('e2e: diagnose exits by itself once the report is printed', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let config: string[];
  let silentConfig: string[];
  let silent: net.Server;
  const held = new Set<net.Socket>();

  const fault = async (name: string, on: boolean): Promise<void> => {
    const res = await fetch(`${lab.info.ispControlUrl}/faults/${name}`, { method: on ? 'POST' : 'DELETE' });
    expect(res.status, await res.text()).to.equal(200);
  };
  const expectPromptExit = (r: Timed): void => {
    expect(r.tailMs, `the process lived ${Math.round(r.tailMs)} ms after its report (diagnosis ${r.report.duration_ms} ms); stderr: ${r.stderr.slice(-400)}`).to.be.below(EXIT_WITHIN_MS);
  };
  const expectRouterGaveUp = (r: Timed): void => {
    const c05 = r.report.checks.find((c) => c.id === 'C05');
    expect(c05, 'router.session').to.deep.include({ status: 'error', problems: ['timeout'] });
  };

  before(async () => {
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
    config = ['--config', lab.info.configPath];

    // A router that accepts TCP (HTTP and SSH) and never says a word.
    silent = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, SILENT_HOST, resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const doc = YAML.parse(await readFile(lab.info.configPath, 'utf8')) as {
      discovery: { candidates: Record<string, unknown>[] };
      diagnostics: { phaseMs: Record<string, number> };
    };
    doc.discovery.candidates.unshift({ host: SILENT_HOST, http: port, ssh: port });
    doc.diagnostics.phaseMs['router'] = ROUTER_PHASE_MS;
    const file = path.join(sandbox.dir, 'silent-router.yaml');
    await writeFile(file, YAML.stringify(doc));
    silentConfig = ['--config', file];
  });

  after(async () => {
    for (const s of held) s.destroy();
    await new Promise((resolve) => silent?.close(resolve));
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('healthy lab', async () => {
    // The lab's routers dial at start: wait for the line.
    const r = await eventually('a healthy lab', async () => {
      const run = await diagnoseTimed(sandbox, config);
      return run.report.verdict.id === 'ok' ? run : undefined;
    });
    expect(r.code, r.stderr).to.equal(0);
    expectPromptExit(r);
  });

  it("the lab's black hole (probe targets accept and never answer, resolvers stay silent)", async () => {
    await fault('blackhole', true);
    try {
      const r = await diagnoseTimed(sandbox, config);
      expect(r.code, r.stderr).to.equal(2);
      expectPromptExit(r);
    } finally {
      await fault('blackhole', false);
    }
  });

  for (const transport of ['http', 'ssh'] as const) {
    it(`a router that never answers, over ${transport.toUpperCase()}: the router phase gives up during the login`, async () => {
      const r = await diagnoseTimed(sandbox, [...silentConfig, '--host', SILENT_HOST, '--driver', 'openwrt', '--transport', transport]);
      expectRouterGaveUp(r);
      expectPromptExit(r);
    });
  }

  it('another routerctl holds the router: the phase gives up while waiting for the lock', async () => {
    const lock = await lockRouter(appPaths(sandbox.env).stateDir, '127.0.1.1', { command: 'test', waitMs: 0 });
    try {
      const r = await diagnoseTimed(sandbox, [...silentConfig, '--host', '127.0.1.1', '--driver', 'openwrt']);
      expectRouterGaveUp(r);
      expectPromptExit(r);
    } finally {
      await lock.release();
    }
  });
});
