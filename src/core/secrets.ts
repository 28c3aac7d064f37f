// Reading secrets. Never from argv: command lines are visible to every user (ps, /proc) and land in
// shell history. Sources, in order of preference, are a file, stdin, an environment variable and a
// hidden prompt. Every value read is handed to `onSecret` at once, so the caller can register it
// with the logger (which then redacts it everywhere) before anything else happens.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, chmod, unlink } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { ensurePrivateDir } from '../config/paths.js';
import { ConfigError, RouterctlError, UsageError } from './errors.js';

export type PromptFn = (message: string) => Promise<string>;
export type OnSecret = (value: string) => void;
export interface WarnSink {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Upper bound for anything read as a password (files, stdin). */
const MAX_SECRET_BYTES = 64 * 1024;
/** Longest password accepted for a router or an ISP account. */
const MAX_PASSWORD_CHARS = 1024;

/** A hidden prompt on stderr (stdout is reserved for results), echoing '*' per character. */
export const defaultPromptFn: PromptFn = async (message) => {
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message, mask: '*' }, { output: process.stderr });
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') throw new UsageError('password prompt cancelled');
    throw err;
  }
};

function isTTY(stream: unknown): boolean {
  return (stream as { isTTY?: boolean } | undefined)?.isTTY === true;
}

function checkChars(value: string, what: string): void {
  if (value.includes('\0')) throw new UsageError(`${what} contains a NUL byte`);
  if (value.length > MAX_PASSWORD_CHARS) throw new UsageError(`${what} is longer than ${MAX_PASSWORD_CHARS} characters`);
}

/** Reads a small secret file. Warns (does not refuse) when group/others may read it. */
async function readSecretFile(file: string, what: string, logger?: WarnSink): Promise<string> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${what} file not found: ${file}` : `cannot read ${what} file ${file} (${code ?? 'error'})`, { file });
  }
  if (st.isDirectory()) throw new UsageError(`${what} file is a directory: ${file}`, { file });
  // Only regular files have meaningful modes; `<(pass show x)` gives a pipe, which is fine.
  if (st.isFile()) {
    if (st.size > MAX_SECRET_BYTES) throw new UsageError(`${what} file is too large (${st.size} bytes): ${file}`, { file });
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      logger?.warn(`${what} file ${file} can be read by other users (mode ${mode}); run: chmod 600 ${file}`, { file, mode });
    }
  }
  try {
    const buf = await readFile(file);
    return buf.subarray(0, MAX_SECRET_BYTES).toString('utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
}

/** Removes exactly one trailing line end ("\n" or "\r\n"). */
export function stripOneNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n')) return s.slice(0, -1);
  return s;
}

// ---------------------------------------------------------------------------------------------

export interface AdminPasswordOptions {
  /** `--password-file`: its first line is the password. */
  passwordFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Prompting allowed (false with --yes, --json, in cron). */
  prompt: boolean;
  promptFn?: PromptFn | undefined;
  /** Whether a person can answer; default: stdin is a TTY. */
  interactive?: boolean | undefined;
  message?: string | undefined;
  onSecret?: OnSecret | undefined;
  logger?: WarnSink | undefined;
}

/**
 * The router admin password: --password-file → ROUTERCTL_PASSWORD → hidden prompt (only when
 * allowed and stdin is a terminal) → undefined (the caller then tries saved or default logins).
 */
export async function readAdminPassword(opts: AdminPasswordOptions): Promise<string | undefined> {
  const onSecret = opts.onSecret ?? (() => undefined);
  if (opts.passwordFile !== undefined) {
    const text = await readSecretFile(opts.passwordFile, 'password', opts.logger);
    const value = text.split(/\r?\n/)[0]!;
    onSecret(value);
    // An empty router password is tried anyway through login.defaults; an empty file is a mistake.
    if (value === '') throw new UsageError(`password file ${opts.passwordFile} is empty (its first line is the password)`);
    checkChars(value, 'the admin password');
    return value;
  }
  const fromEnv = opts.env.ROUTERCTL_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    onSecret(fromEnv);
    checkChars(fromEnv, 'ROUTERCTL_PASSWORD');
    return fromEnv;
  }
  if (opts.prompt && (opts.interactive ?? isTTY(process.stdin))) {
    const value = await (opts.promptFn ?? defaultPromptFn)(opts.message ?? 'Router admin password:');
    onSecret(value);
    if (value === '') return undefined;
    checkChars(value, 'the admin password');
    return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export interface NewWanPasswordOptions {
  /** `--new-password-file`: one line (a single trailing newline is dropped). */
  file?: string | undefined;
  /** `--new-password-stdin`: all of stdin, one trailing newline dropped. */
  stdin?: boolean | undefined;
  env: NodeJS.ProcessEnv;
  prompt: boolean;
  promptFn?: PromptFn | undefined;
  stdinStream?: NodeJS.ReadableStream | undefined;
  interactive?: boolean | undefined;
  /** Prompt rounds before giving up on mismatching entries; default 3. */
  attempts?: number | undefined;
  onSecret?: OnSecret | undefined;
  logger?: WarnSink | undefined;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > MAX_SECRET_BYTES) throw new UsageError(`stdin is too large for a password (over ${MAX_SECRET_BYTES} bytes)`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The new password must reach the router exactly as given, so nothing is trimmed except one
 * trailing newline, and a value that still holds a line break is refused rather than cut.
 */
function checkNewPassword(value: string, source: string): string {
  if (value === '') throw new UsageError(`the new password is empty (${source})`);
  if (/[\r\n]/.test(value)) throw new UsageError(`the new password must be a single line (${source})`);
  checkChars(value, `the new password (${source})`);
  return value;
}

/**
 * The new home-internet (WAN) password: --new-password-file → --new-password-stdin →
 * ROUTERCTL_NEW_PASSWORD → hidden prompt asked twice → undefined.
 */
export async function readNewWanPassword(opts: NewWanPasswordOptions): Promise<string | undefined> {
  const onSecret = opts.onSecret ?? (() => undefined);
  if (opts.file !== undefined && opts.stdin) throw new UsageError('give either --new-password-file or --new-password-stdin, not both');
  if (opts.file !== undefined) {
    const value = stripOneNewline(await readSecretFile(opts.file, 'new password', opts.logger));
    onSecret(value);
    return checkNewPassword(value, `file ${opts.file}`);
  }
  if (opts.stdin) {
    const stream = opts.stdinStream ?? process.stdin;
    // Typing into a terminal would echo the password; stdin is for pipes.
    if (isTTY(stream)) throw new UsageError('--new-password-stdin reads a pipe, e.g. `pass show isp | routerctl ...`; stdin is a terminal');
    const value = stripOneNewline(await readAll(stream));
    onSecret(value);
    return checkNewPassword(value, 'stdin');
  }
  const fromEnv = opts.env.ROUTERCTL_NEW_PASSWORD;
  if (fromEnv !== undefined) {
    onSecret(fromEnv);
    return checkNewPassword(fromEnv, 'ROUTERCTL_NEW_PASSWORD');
  }
  if (opts.prompt && (opts.interactive ?? isTTY(process.stdin))) {
    const ask = opts.promptFn ?? defaultPromptFn;
    const attempts = opts.attempts ?? 3;
    for (let i = 1; i <= attempts; i++) {
      const first = await ask('New home-internet password:');
      onSecret(first);
      checkNewPassword(first, 'prompt');
      const second = await ask('Repeat the new password:');
      onSecret(second);
      if (first === second) return first;
      if (i < attempts) opts.logger?.warn('the two entries differ; please type the new password again');
    }
    throw new UsageError(`the two entries of the new password differed ${attempts} times; nothing was changed`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Saved credentials (`--save`): <config dir>/credentials.json, 0600 in a 0700 folder.
// Plain JSON, not encrypted: a key stored next to it would add nothing; the file mode is the
// protection (like ~/.netrc or ~/.ssh). Each write goes to a temp file (0600) that is renamed over
// the old one, so a crash never leaves half a file, under a lock so two runs do not lose updates.

export interface RouterCredential {
  username: string;
  password: string;
}
export type StoredSecret = RouterCredential | string;

const storeSchema = z.object({
  format: z.literal('routerctl-credentials/1'),
  entries: z.record(z.string(), z.union([z.string(), z.object({ username: z.string(), password: z.string() })])),
});
type StoreFile = z.infer<typeof storeSchema>;

export const CREDENTIALS_FILE = 'credentials.json';

/** Key of the saved new WAN password of a router. */
export function wanKey(host: string): string {
  return `wan:${host}`;
}

export class SecretStore {
  readonly file: string;
  readonly #onSecret: OnSecret;

  constructor(file: string, opts: { onSecret?: OnSecret | undefined } = {}) {
    this.file = path.resolve(file);
    this.#onSecret = opts.onSecret ?? (() => undefined);
  }

  static inConfigDir(configDir: string, opts: { onSecret?: OnSecret | undefined } = {}): SecretStore {
    return new SecretStore(path.join(configDir, CREDENTIALS_FILE), opts);
  }

  async get(key: string): Promise<StoredSecret | undefined> {
    const value = (await this.#read()).entries[key];
    if (value !== undefined) this.#onSecret(typeof value === 'string' ? value : value.password);
    return value;
  }

  async set(key: string, value: StoredSecret): Promise<void> {
    this.#onSecret(typeof value === 'string' ? value : value.password);
    await this.#update((data) => {
      data.entries[key] = value;
    });
  }

  /** True when something was deleted. */
  async delete(key: string): Promise<boolean> {
    let found = false;
    await this.#update((data) => {
      found = Object.hasOwn(data.entries, key);
      delete data.entries[key];
    });
    return found;
  }

  async keys(): Promise<string[]> {
    return Object.keys((await this.#read()).entries).sort();
  }

  async getRouter(host: string): Promise<RouterCredential | undefined> {
    const v = await this.get(host);
    return typeof v === 'object' ? v : undefined;
  }

  setRouter(host: string, cred: RouterCredential): Promise<void> {
    return this.set(host, { username: cred.username, password: cred.password });
  }

  async getWanPassword(host: string): Promise<string | undefined> {
    const v = await this.get(wanKey(host));
    return typeof v === 'string' ? v : undefined;
  }

  setWanPassword(host: string, password: string): Promise<void> {
    return this.set(wanKey(host), password);
  }

  async #read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 'routerctl-credentials/1', entries: {} };
      throw new ConfigError(`cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: this.file });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // No parser message: it would quote a piece of the file, i.e. a password.
      throw new ConfigError(`${this.file} is not valid JSON; fix it or delete it to forget saved passwords`, { file: this.file });
    }
    const r = storeSchema.safeParse(parsed);
    if (!r.success) throw new ConfigError(`${this.file} does not look like a routerctl credentials file; fix it or delete it`, { file: this.file });
    return r.data;
  }

  async #update(change: (data: StoreFile) => void): Promise<void> {
    const dir = path.dirname(this.file);
    await ensurePrivateDir(dir);
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(this.file, { realpath: false, stale: 10_000, retries: { retries: 20, minTimeout: 25, maxTimeout: 250 } });
    } catch (err) {
      throw new RouterctlError('busy', `another routerctl is writing ${this.file}; try again`, { file: this.file }, { cause: err });
    }
    try {
      const data = await this.#read();
      change(data);
      await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n');
    } finally {
      await release().catch(() => undefined);
    }
  }
}

/** temp file (0600, exclusive create) → fsync → rename over the target → make sure it is 0600. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (process.platform !== 'win32') {
    const st = await stat(file);
    if ((st.mode & 0o777) !== 0o600) await chmod(file, 0o600);
  }
}
