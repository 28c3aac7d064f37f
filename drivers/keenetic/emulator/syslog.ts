// The system log as `show log` returns it (doc §4.3): records with a growing id, a syslog-style
// timestamp, an ident and a {level, label, message} object. Kept in RAM, so a reboot empties it.

import type { JsonObject } from './json.js';

export type Level = 'Info' | 'Warning' | 'Error' | 'Critical' | 'Debug';
const LABEL: Record<Level, string> = { Info: 'I', Warning: 'W', Error: 'E', Critical: 'C', Debug: '-' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MAX_RECORDS = 1000;

interface LogRecord {
  id: number;
  at: Date;
  ident: string;
  level: Level;
  message: string;
}

/** "May 24 18:14:53" (doc §4.3). */
function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export class Syslog {
  #records: LogRecord[] = [];
  #nextId = 1;

  log(level: Level, ident: string, message: string): void {
    this.#records.push({ id: this.#nextId++, at: new Date(), ident, level, message });
    if (this.#records.length > MAX_RECORDS) this.#records.splice(0, this.#records.length - MAX_RECORDS);
  }

  clear(): void {
    this.#records = [];
  }

  /** `show log` with `once` (else the reply says `continued: true`, a background process, doc §3). */
  show(maxLines: number | undefined, once: boolean): JsonObject {
    const n = maxLines !== undefined && maxLines > 0 ? Math.min(maxLines, MAX_RECORDS) : MAX_RECORDS;
    const recs = this.#records.slice(-n);
    const log: JsonObject = {};
    recs.forEach((r, i) => {
      log[String(i)] = {
        timestamp: stamp(r.at),
        ident: r.ident,
        id: r.id,
        message: { level: r.level, label: LABEL[r.level], message: r.message },
      };
    });
    return { log, continued: !once };
  }

  /** For tests: the messages, newest last. */
  messages(): string[] {
    return this.#records.map((r) => `${r.ident}: ${r.message}`);
  }
}
