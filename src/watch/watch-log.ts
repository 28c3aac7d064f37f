// The watch's own log: winston with winston-daily-rotate-file, one file per day
// (<state dir>/logs/watch-YYYY-MM-DD.log, 0600 in a 0700 folder, kept maxFiles days and at most
// maxSize each), JSON lines at info level and above: state changes, alerts, heals, problems — one line
// per change, never one per cycle. Redaction runs in a logger-level format before any transport,
// with the same rules as the main logger. The returned logger also forwards every line to the app's
// logger (stderr and routerctl.log) and every registered secret to it.
import { mkdirSync, chmodSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import type { AppLogger, LogMeta } from '../log/logger.js';
import { SecretRegistry } from '../log/redact.js';

export interface WatchLogOptions {
  dir: string;
  /** Days of files kept, e.g. 14 → "14d". */
  maxDays: number;
  /** Largest size of one file in bytes before it is cut within the day. */
  maxFileBytes: number;
  app: AppLogger;
}

export interface WatchLogger extends AppLogger {
  readonly secrets: SecretRegistry;
  readonly file: string;
}

export function createWatchLogger(o: WatchLogOptions): WatchLogger {
  const secrets = new SecretRegistry();
  const transports: winston.transport[] = [];
  let problem: string | undefined;
  try {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(o.dir, 0o700);
    const t = new DailyRotateFile({
      filename: path.join(o.dir, 'watch-%DATE%.log'),
      datePattern: 'YYYY-MM-DD',
      maxFiles: `${o.maxDays}d`,
      maxSize: o.maxFileBytes,
      auditFile: path.join(o.dir, '.watch-log-audit.json'),
      options: { flags: 'a', mode: 0o600 },
      level: 'info',
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    });
    t.on('error', () => undefined);
    // The audit file (names of the log files) is created by the library with the default mode.
    const audit = path.join(o.dir, '.watch-log-audit.json');
    t.on('new', () => void chmod(audit, 0o600).catch(() => undefined));
    transports.push(t);
  } catch (err) {
    problem = `cannot write the watch log in ${o.dir}: ${(err as Error).message}`;
  }
  const redactor = winston.format((info) => {
    const record = info as Record<string, unknown>;
    const clean = secrets.value(Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'level'))) as Record<string, unknown>;
    for (const k of Object.keys(record)) if (k !== 'level') delete record[k];
    Object.assign(record, clean);
    return info;
  })();
  const logger = winston.createLogger({ level: 'info', format: redactor, transports, exitOnError: false, silent: transports.length === 0 });
  logger.on('error', () => undefined);
  let closed = false;
  const both =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, meta?: LogMeta): void => {
      o.app[level](message, meta);
      if (!closed && level !== 'debug') logger.log({ ...(meta ?? {}), level, message });
    };
  const out: WatchLogger = {
    secrets,
    file: path.join(o.dir, 'watch-<date>.log'),
    debug: both('debug'),
    info: both('info'),
    warn: both('warn'),
    error: both('error'),
    addSecret(value) {
      secrets.add(value);
      o.app.addSecret(value);
    },
    async close() {
      if (closed) return;
      closed = true;
      const finished = Promise.all(transports.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve()))));
      logger.end();
      await Promise.race([finished, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      await chmod(path.join(o.dir, '.watch-log-audit.json'), 0o600).catch(() => undefined);
    },
  };
  if (problem) o.app.warn(problem);
  return out;
}
