// Presentation only: a result object goes to stdout as one JSON object (--json) or as text for people;
// progress and logs go to stderr so that stdout stays clean for scripts.
import { styleText } from 'node:util';
import { EXIT_CODES, toRouterctlError, type RouterctlError } from '../core/errors.js';

export interface Printer {
  json: boolean;
  /** A line for people on stdout (ignored with --json). */
  line(text?: string): void;
  /** Progress for people on stderr (ignored with --json, which keeps stderr for logs only). */
  progress(text: string): void;
  result(value: Record<string, unknown>): void;
  heading(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

function colorOn(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env['NO_COLOR'];
}

export function createPrinter(json: boolean): Printer {
  const style = (format: Parameters<typeof styleText>[0], text: string): string =>
    colorOn(process.stdout) ? styleText(format, text) : text;
  return {
    json,
    line(text = '') {
      if (!json) process.stdout.write(`${text}\n`);
    },
    progress(text) {
      if (!json) process.stderr.write(`  … ${text}\n`);
    },
    result(value) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...value })}\n`);
    },
    heading: (t) => style('bold', t),
    good: (t) => style('green', t),
    bad: (t) => style('red', t),
  };
}

/** Prints an error the way the caller asked and returns the exit status. */
export function reportError(err: unknown, json: boolean): number {
  const e: RouterctlError = toRouterctlError(err);
  const exit = EXIT_CODES[e.code];
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, code: e.code, exitCode: exit, message: e.message, details: e.details })}\n`);
  } else {
    const label = colorOn(process.stderr) ? styleText('red', 'error:') : 'error:';
    process.stderr.write(`${label} ${e.message}\n`);
  }
  return exit;
}
