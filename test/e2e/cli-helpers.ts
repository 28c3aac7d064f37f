// Drives the built CLI (bin/routerctl.js -> dist/) as a user or a script would, in an isolated home.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'routerctl.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json?: Record<string, unknown> | undefined;
}

export interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Everything every command printed, for the secret scan. */
  transcript: string[];
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number }): Promise<CliRun>;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-e2e-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_STATE_HOME: path.join(dir, 'state'),
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
  };
  const transcript: string[] = [];
  return {
    dir,
    env,
    transcript,
    async run(args, opts = {}) {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.stdin.end(opts.stdin ?? '');
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      transcript.push(stdout, stderr);
      let json: Record<string, unknown> | undefined;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      return { code, stdout, stderr, json };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface LabProcess {
  info: {
    routers: { family: string; address: string; httpPort: number; sshPort?: number; adminUser: string; adminPassword: string; wanAccount: { username: string } }[];
    ispControlUrl: string;
    configPath: string;
  };
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `routerctl lab --json`: waits for its first line, stops it with SIGTERM. */
export async function startLabProcess(sandbox: Sandbox, args: string[]): Promise<LabProcess> {
  const child = spawn(process.execPath, [BIN, 'lab', '--json', ...args], { env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab did not start: ${stderr.join('')}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`lab exited with ${code}: ${stderr.join('')}`)));
  });
  return {
    info: JSON.parse(first) as LabProcess['info'],
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function changeIspPassword(controlUrl: string, username: string, password: string): Promise<void> {
  const res = await fetch(`${controlUrl}/accounts/${encodeURIComponent(username)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (!res.ok) throw new Error(`ISP control answered ${res.status}`);
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
