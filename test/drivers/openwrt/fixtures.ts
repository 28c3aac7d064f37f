// Loads the recorded OpenWrt exchanges from ../shared/fixtures (read-only, shared by the team).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedFixture } from '../../shared-fixtures.js';

export const REAL_DIR = sharedFixture('openwrt-real');
export const PUBLISHED_DIR = sharedFixture('openwrt');

interface HttpExchange {
  request: { body_raw: string; body?: unknown };
  response: { http_status: number; body_raw: string; body: unknown };
}

interface CliRun {
  command: string;
  exit_code: number;
  stdout: string;
  stderr: string;
}

function findFile(dir: string, prefix: string): string {
  // Fixture names are "<number>-<words>.json"; tests name them by number to stay readable.
  const all = readdirCache(dir);
  const hit = all.find((f) => f === prefix || f.startsWith(`${prefix}-`));
  if (!hit) throw new Error(`fixture ${prefix} not found in ${dir}`);
  return path.join(dir, hit);
}

const dirCache = new Map<string, string[]>();
function readdirCache(dir: string): string[] {
  let list = dirCache.get(dir);
  if (!list) {
    list = readdirSync(dir).sort();
    dirCache.set(dir, list);
  }
  return list;
}

export function realExchange(prefix: string): HttpExchange {
  return JSON.parse(readFileSync(findFile(REAL_DIR, prefix), 'utf8')) as HttpExchange;
}

/** The response body text exactly as uhttpd sent it. */
export function realBodyRaw(prefix: string): string {
  return realExchange(prefix).response.body_raw;
}

/** `result[1]` of a recorded JSON-RPC reply (the data object), or undefined for a bare `[status]`. */
export function realData(prefix: string): unknown {
  const body = realExchange(prefix).response.body as { result?: unknown[] };
  if (!Array.isArray(body.result)) throw new Error(`fixture ${prefix} has no result array`);
  return body.result[1];
}

export function realCli(prefix: string): CliRun {
  return JSON.parse(readFileSync(findFile(REAL_DIR, prefix), 'utf8')) as CliRun;
}

export function realText(prefix: string): string {
  return readFileSync(findFile(REAL_DIR, prefix), 'utf8');
}

export function published(name: string): string {
  return readFileSync(path.join(PUBLISHED_DIR, name), 'utf8');
}
