// Loads the recorded Keenetic exchanges from ../shared/fixtures/keenetic (read-only, shared by the team;
// sources in its SOURCES.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpProbe } from '../../../drivers/types.js';
import { sharedFixture } from '../../shared-fixtures.js';

export const FIXTURES = sharedFixture('keenetic');

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name)) as unknown;
}

export interface RawHttp {
  status: number;
  /** Header lines in order, names as sent. */
  lines: Array<[string, string]>;
}

/** A captured response head ("HTTP/1.1 401 Unauthorized\r\nName: value…"). */
export function rawHttp(name: string): RawHttp {
  const lines = fixtureText(name).split(/\r?\n/);
  const status = Number(lines[0]!.split(' ')[1]);
  const out: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    if (l.trim() === '') break;
    const i = l.indexOf(':');
    out.push([l.slice(0, i).trim(), l.slice(i + 1).trim()]);
  }
  return { status, lines: out };
}

/** The same head as discovery would file it: lower-cased names, repeated headers joined by ", ". */
export function probeOf(raw: RawHttp, body = '', port = 80): HttpProbe {
  const headers: Record<string, string> = {};
  for (const [k, v] of raw.lines) {
    const key = k.toLowerCase();
    headers[key] = headers[key] !== undefined ? `${headers[key]}, ${v}` : v;
  }
  return { port, status: raw.status, headers, body };
}

export const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };
