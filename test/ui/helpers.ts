// The wizard under test: the BUILT CLI's `routerctl ui --no-open --json` (run `npm run build` first),
// headless Debian Chromium driven by playwright-core (never a downloaded browser), and a reader of the
// page's Server-Sent Events. Everything talks to 127.0.0.0/8 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { BrowserContext } from 'playwright-core';
import { BIN, type Sandbox } from '../e2e/cli-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is absent; .ci/run installs Debian's chromium package`;
}

export interface UiProcess {
  url: string;
  origin: string;
  port: number;
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** `routerctl [--config FILE] ui --no-open --json`: waits for its one JSON line. */
export async function startUi(sandbox: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}): Promise<UiProcess> {
  const child = spawn(process.execPath, [BIN, ...args, 'ui', '--no-open', '--json'], { env: { ...sandbox.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (l) => stdout.push(l));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ui did not start: ${stderr.join('')}`)), 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void exited.then((code) => reject(new Error(`ui exited with ${code}: ${stderr.join('')}`)));
  });
  const info = JSON.parse(first) as { url: string; origin: string; port: number };
  sandbox.transcript.push(...stderr);
  return {
    ...info,
    child,
    stdout,
    stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      sandbox.transcript.push(stderr.join(''));
      return code;
    },
  };
}

export interface Browser {
  context: BrowserContext;
  profileDir: string;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, in the given locale (Accept-Language and navigator.language). */
export async function launchBrowser(dir: string, locale: string, viewport = { width: 1000, height: 900 }): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profileDir = await mkdtemp(path.join(dir, 'chromium-'));
  await mkdir(profileDir, { recursive: true, mode: 0o700 });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport,
    acceptDownloads: true,
  });
  return { context, profileDir, close: () => context.close() };
}

/** Reads the wizard's event stream as the page does (with its cookie) until stopped. */
export function recordEvents(origin: string, cookie: string): { text(): string; stop(): Promise<void> } {
  const chunks: string[] = [];
  const abort = new AbortController();
  const done = (async () => {
    try {
      const res = await fetch(`${origin}/api/events`, { headers: { cookie }, signal: abort.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        chunks.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted, or the server stopped
    }
  })();
  return {
    text: () => chunks.join(''),
    async stop() {
      abort.abort();
      await done;
    },
  };
}

/** A password that no text on the page could contain by chance. */
export function secretFor(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}-Zq`;
}
