// The application logger (winston). Two outputs:
//  - stderr: one human line per message (or JSON lines with jsonConsole). Never stdout: stdout is
//    for results, so `routerctl ... --json | jq` keeps working.
//  - a JSON-lines file (always at debug level, for support), created 0600 in a 0700 folder and
//    bounded in size: FILE, FILE.1 ... FILE.<maxFiles-1>.
//    Not winston's File transport: its maxsize rotation loses every line of a burst that crosses
//    maxsize before the file is open (tried with 3.19: 200 lines logged, two empty files), and its
//    asynchronous writes lose the tail when the CLI calls process.exit(). RotatingFile below writes
//    synchronously (a log line is on disk when the call returns) and is plugged in through
//    winston's public Stream transport.
// Redaction is done HERE, in a logger-level winston format that runs before any transport sees the
// record: call sites cannot forget it. See redact.ts for the rules; secrets read at run time are
// registered with addSecret() (src/core/secrets.ts hands each one to a callback for that).
import { closeSync, existsSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { styleText } from 'node:util';
import winston from 'winston';
import type { LogLevel } from '../config/schema.js';
import { SecretRegistry } from './redact.js';

export type { LogLevel };
export type LogMeta = Record<string, unknown>;

export interface AppLogger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  /** From now on this value (and its encoded forms) is replaced by [redacted] everywhere. */
  addSecret(value: string): void;
  /** Flushes and closes the outputs (wait for it before exit or before reading the file). */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** Console level; `-v` gives debug. Default info. */
  level?: LogLevel | undefined;
  /** JSON-lines log file; none when absent. */
  logFile?: string | undefined;
  /** Level of the file output; default debug. */
  fileLevel?: LogLevel | undefined;
  maxFileBytes?: number | undefined;
  maxFiles?: number | undefined;
  /** Write to stderr at all; default true. */
  console?: boolean | undefined;
  /** Default: shouldUseColor(stderr, env). */
  color?: boolean | undefined;
  /** JSON lines on stderr instead of human text (for --json runs and log collectors). */
  jsonConsole?: boolean | undefined;
  /** Where "stderr" lines go; tests pass a PassThrough. Default process.stderr. */
  stderr?: NodeJS.WritableStream | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function shouldUseColor(stream: NodeJS.WritableStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

// Keys winston itself uses on the record; meta keys with these names are kept under "meta.<key>".
const RESERVED = new Set(['level', 'message', 'timestamp']);

function redactFormat(secrets: SecretRegistry) {
  return winston.format((info) => {
    // Symbol keys (winston's LEVEL/MESSAGE/SPLAT) are left alone; every string key is redacted,
    // including the top level (so `logger.info('x', { password })` is caught by key).
    const record = info as Record<string, unknown>;
    const redacted = secrets.value(Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'level'))) as Record<string, unknown>;
    for (const k of Object.keys(record)) if (k !== 'level') delete record[k];
    Object.assign(record, redacted);
    if (typeof record.message !== 'string') record.message = String(record.message ?? '');
    return info;
  })();
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === 'object' && 'message' in v && 'name' in v) return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v) ?? String(v);
}

function humanFormat(color: boolean) {
  const paint = (fmt: Parameters<typeof styleText>[0], text: string): string =>
    // The colour decision was already made (TTY + NO_COLOR): do not let styleText second-guess it.
    color ? styleText(fmt, text, { validateStream: false }) : text;
  const labels: Record<string, string> = {
    error: paint('red', 'error:'),
    warn: paint('yellow', 'warning:'),
    info: '',
    debug: paint('gray', 'debug:'),
  };
  return winston.format.printf((info) => {
    const meta = Object.entries(info)
      .filter(([k]) => k !== 'level' && k !== 'message' && k !== 'timestamp')
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    const label = labels[info.level] ?? `${info.level}:`;
    const text = [label, String(info.message), meta ? paint('dim', meta) : ''].filter((s) => s !== '').join(' ');
    return text;
  });
}

/**
 * A size-bounded log file written synchronously. Every file it opens is created 0600 (and an
 * existing one is tightened to 0600). When the next line would pass maxBytes, FILE becomes FILE.1,
 * FILE.1 becomes FILE.2 ... and the oldest beyond maxFiles is overwritten.
 */
export class RotatingFile extends Writable {
  readonly file: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  #fd: number;
  #size: number;

  constructor(file: string, maxBytes: number, maxFiles: number) {
    super();
    this.file = file;
    this.maxBytes = maxBytes;
    this.maxFiles = Math.max(1, maxFiles);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.#fd = this.#open();
    this.#size = fstatSync(this.#fd).size;
  }

  #open(flags = 'a'): number {
    const fd = openSync(this.file, flags, 0o600);
    if (process.platform !== 'win32') fchmodSync(fd, 0o600);
    return fd;
  }

  #rotate(): void {
    closeSync(this.#fd);
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      if (existsSync(from)) renameSync(from, `${this.file}.${i}`);
    }
    // maxFiles 1: no history, start the file again.
    this.#fd = this.#open(this.maxFiles === 1 ? 'w' : 'a');
    this.#size = 0;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      if (this.#size > 0 && this.#size + chunk.length > this.maxBytes) this.#rotate();
      writeSync(this.#fd, chunk);
      this.#size += chunk.length;
    } catch {
      // Disk full, file removed...: logging must never stop the program.
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    callback();
  }
}

export function createLogger(opts: LoggerOptions = {}): AppLogger {
  const env = opts.env ?? process.env;
  const secrets = new SecretRegistry();
  const stderr = opts.stderr ?? process.stderr;
  const transports: winston.transport[] = [];
  let fileProblem: string | undefined;

  if (opts.console !== false) {
    const color = opts.color ?? shouldUseColor(stderr, env);
    transports.push(
      new winston.transports.Stream({
        stream: stderr,
        level: opts.level ?? 'info',
        format: opts.jsonConsole ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : humanFormat(color),
      }),
    );
  }
  let rotating: RotatingFile | undefined;
  if (opts.logFile) {
    try {
      rotating = new RotatingFile(opts.logFile, opts.maxFileBytes ?? 1024 * 1024, opts.maxFiles ?? 3);
      rotating.on('error', () => undefined);
      transports.push(
        new winston.transports.Stream({
          stream: rotating,
          level: opts.fileLevel ?? 'debug',
          format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
        }),
      );
    } catch (err) {
      fileProblem = `cannot write the log file ${opts.logFile}: ${(err as Error).message}`;
    }
  }

  const logger = winston.createLogger({
    levels: winston.config.npm.levels,
    level: 'debug',
    format: redactFormat(secrets),
    transports,
    exitOnError: false,
  });
  // Logging must never crash the program (disk full, log folder removed...).
  logger.on('error', () => undefined);
  for (const t of transports) t.on('error', () => undefined);
  if (transports.length === 0) logger.silent = true;

  let closed = false;
  const log = (level: LogLevel, message: string, meta?: LogMeta): void => {
    if (closed) return;
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) record[RESERVED.has(k) ? `meta.${k}` : k] = v;
    logger.log({ ...record, level, message });
  };

  const app: AppLogger = {
    debug: (m, meta) => log('debug', m, meta),
    info: (m, meta) => log('info', m, meta),
    warn: (m, meta) => log('warn', m, meta),
    error: (m, meta) => log('error', m, meta),
    addSecret: (value) => secrets.add(value),
    close: async () => {
      if (closed) return;
      closed = true;
      // Ending the logger ends the transports once they have written everything queued.
      const drained = Promise.all(transports.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve()))));
      logger.end();
      await Promise.race([drained, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      if (rotating) await new Promise<void>((resolve) => rotating.end(() => resolve()));
    },
  };
  if (fileProblem) app.warn(fileProblem);
  return app;
}

/** Logs nothing; for tests and library use. */
export const nullLogger: AppLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  addSecret: () => undefined,
  close: async () => undefined,
};
