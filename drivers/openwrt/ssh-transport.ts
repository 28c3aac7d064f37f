// The SSH route (doc §4.3): the uci CLI over node-ssh. Command strings are fixed words plus
// validated uci names only; every value travels on stdin to `uci batch`, single-quoted the way
// uci's own parser reads it, so nothing a password contains can reach a shell.

import type { Config, NodeSSH } from 'node-ssh';
import {
  AuthError,
  NotFoundError,
  ProtocolError,
  RouterctlError,
  TimeoutError,
  UnreachableError,
} from '../../src/core/errors.js';
import type { DriverLogger } from '../types.js';
import { excerpt, isUciName, parseJsonText, parseUciExport, type UciSection } from './parse.js';

/**
 * Host-key check (src/transport/ssh.ts pins keys per router). `rejection` tells why a key was refused,
 * so the error names a changed key instead of a generic handshake failure.
 */
export type HostVerifier = ((key: Buffer) => boolean) & { rejection?: (() => RouterctlError | undefined) | undefined };

export interface SshOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger?: DriverLogger | undefined;
  /** Host-key check (DriverContext.trust); any key is accepted when absent (tests, the lab). */
  hostVerifier?: HostVerifier | undefined;
  /** DriverContext.signal: ends the connect and any command at once (the socket is destroyed). */
  signal?: AbortSignal | undefined;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** `'…'` with each `'` written as `'\''` — read identically by a POSIX shell and by uci's parser. */
export function uciQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Control characters uci refuses in values: everything below 0x20 except TAB, LF and CR. */
export function hasUciForbiddenChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

export type BatchOp =
  | { op: 'set'; section: string; option: string; value: string }
  | { op: 'setList'; section: string; option: string; values: string[]; exists: boolean }
  | { op: 'delete'; section: string; option: string };

function checkName(name: string): string {
  if (!isUciName(name)) throw new ProtocolError('OpenWrt: refusing an invalid uci name', { name: excerpt(name, 40) });
  return name;
}

function checkValue(value: string): string {
  if (hasUciForbiddenChars(value)) {
    throw new RouterctlError('usage', 'the value contains control characters that uci cannot store');
  }
  return value;
}

/** `uci batch` input for the ops, ending with a commit of `pkg`. */
export function batchScript(pkg: string, ops: BatchOp[]): string {
  checkName(pkg);
  const lines: string[] = [];
  for (const o of ops) {
    const key = `${pkg}.${checkName(o.section)}.${checkName(o.option)}`;
    if (o.op === 'set') lines.push(`set ${key}=${uciQuote(checkValue(o.value))}`);
    else if (o.op === 'delete') lines.push(`delete ${key}`);
    else {
      // A list is replaced as a whole: drop the old items (only when present — deleting a missing
      // option is an error), then add the new ones in order.
      if (o.exists) lines.push(`delete ${key}`);
      for (const v of o.values) lines.push(`add_list ${key}=${uciQuote(checkValue(v))}`);
    }
  }
  lines.push(`commit ${pkg}`);
  return `${lines.join('\n')}\n`;
}

export class SshTransport {
  readonly #ssh: NodeSSH;
  readonly #opts: Omit<SshOptions, 'password'>;
  #closed = false;

  private constructor(ssh: NodeSSH, opts: Omit<SshOptions, 'password'>) {
    this.#ssh = ssh;
    this.#opts = opts;
  }

  static async connect(opts: SshOptions): Promise<SshTransport> {
    const { password, ...rest } = opts;
    // Loaded on first use: ssh2 allocates a 16 MB WebAssembly heap at import, which an HTTP-only
    // process (the long-running watch above all) should not carry.
    const { NodeSSH } = await import('node-ssh');
    const t = new SshTransport(new NodeSSH(), rest);
    const verifier = opts.hostVerifier ?? ((): boolean => true);
    const config: Config = {
      host: opts.host,
      port: opts.port,
      username: opts.username,
      password,
      // dropbear may offer keyboard-interactive only; node-ssh then answers its prompts with the password.
      tryKeyboard: true,
      readyTimeout: opts.timeoutMs,
      hostVerifier: (key: Buffer) => verifier(key),
      keepaliveInterval: 0,
    };
    const { signal } = opts;
    let onAbort: (() => void) | undefined;
    // node-ssh's connect never settles when the socket is destroyed before the handshake, hence the race.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // destroy, not end: a peer that never answers would keep a half-closed socket (and ssh2's readyTimeout) alive.
        t.#ssh.connection?.destroy();
        reject(new TimeoutError('OpenWrt: the SSH login was cancelled', { host: opts.host, port: opts.port }));
      };
    });
    aborted.catch(() => undefined);
    try {
      if (signal?.aborted) onAbort!();
      else signal?.addEventListener('abort', onAbort!, { once: true });
      await Promise.race([t.#ssh.connect(config), aborted]);
    } catch (err) {
      t.#ssh.dispose();
      if (err instanceof TimeoutError) throw err;
      throw opts.hostVerifier?.rejection?.() ?? sshConnectError(err, opts.host, opts.port, opts.username);
    } finally {
      signal?.removeEventListener('abort', onAbort!);
    }
    return t;
  }

  /** Runs one command; output is collected as bytes and decoded once, so UTF-8 split across packets survives. */
  async exec(command: string, stdin?: string): Promise<ExecResult> {
    if (this.#closed) throw new ProtocolError('OpenWrt: SSH session already closed');
    if (this.#opts.signal?.aborted) throw new TimeoutError('OpenWrt: command was cancelled over SSH', { host: this.#opts.host });
    this.#opts.logger?.debug('ssh exec', { command: command.split(' ').slice(0, 3).join(' ') });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let tooBig = false;
    let channelRef: { close(): void } | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > this.#opts.maxResponseBytes) {
        if (!tooBig) channelRef?.close();
        tooBig = true;
        return;
      }
      into.push(chunk);
    };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const { signal } = this.#opts;
    const timeout = new Promise<never>((_, reject) => {
      const stop = (why: string): void => {
        channelRef?.close();
        reject(new TimeoutError(`OpenWrt: command ${why} over SSH`, { host: this.#opts.host }));
      };
      timer = setTimeout(() => stop('did not finish in time'), this.#opts.timeoutMs);
      onAbort = () => stop('was cancelled');
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const res = await Promise.race([
        this.#ssh.execCommand(command, {
          ...(stdin !== undefined ? { stdin } : {}),
          noTrim: true,
          onChannel: (ch) => {
            channelRef = ch;
          },
          onStdout: collect(out),
          onStderr: collect(err),
        }),
        timeout,
      ]);
      if (tooBig) throw new ProtocolError('OpenWrt: command output over SSH is larger than the allowed size');
      return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: res.code };
    } catch (e) {
      if (e instanceof RouterctlError) throw e;
      throw new UnreachableError('OpenWrt: the SSH connection failed while running a command', {
        host: this.#opts.host,
        errorCode: (e as { code?: unknown }).code,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort!);
    }
  }

  /** Runs a command that must succeed; stderr goes into the error, stdout does not (it may hold secrets). */
  async run(command: string, stdin?: string): Promise<string> {
    const r = await this.exec(command, stdin);
    if (r.code !== 0) {
      const msg = excerpt(r.stderr);
      if (/Entry not found|not found/i.test(msg)) {
        throw new NotFoundError(`OpenWrt: ${command.split(' ')[0]}: ${msg}`, { exitCode: r.code });
      }
      throw new ProtocolError(`OpenWrt: command failed over SSH (exit ${String(r.code)})${msg ? `: ${msg}` : ''}`, {
        command: command.split(' ').slice(0, 2).join(' '),
        exitCode: r.code,
      });
    }
    return r.stdout;
  }

  async exportPackage(pkg: string): Promise<UciSection[]> {
    const text = await this.run(`uci export ${checkName(pkg)}`);
    const parsed = parseUciExport(text);
    if (parsed.package !== pkg) throw new ProtocolError('OpenWrt: uci export printed another package');
    return parsed.sections;
  }

  /** Applies the ops and commits, all in one `uci batch` fed on stdin. */
  async batch(pkg: string, ops: BatchOp[]): Promise<void> {
    const script = batchScript(pkg, ops);
    const r = await this.exec('uci batch', script);
    // uci batch reports a failing line on stderr but may still exit 0: both count as failure.
    if (r.code !== 0 || r.stderr.trim() !== '') {
      throw new ProtocolError(`OpenWrt: uci batch failed${r.stderr.trim() ? `: ${excerpt(r.stderr)}` : ''}`, {
        exitCode: r.code,
      });
    }
  }

  async ifup(iface: string): Promise<void> {
    await this.run(`ifup ${checkName(iface)}`);
  }

  async ifstatus(iface: string): Promise<unknown> {
    const r = await this.exec(`ifstatus ${checkName(iface)}`);
    if (r.code !== 0) {
      throw new NotFoundError(`OpenWrt: interface ${iface} is not known to netifd`, { interface: iface, exitCode: r.code });
    }
    return parseJsonText(r.stdout, 'ifstatus');
  }

  /** `ubus call <object> <method>` without arguments (e.g. system board), as JSON. */
  async ubusCall(object: string, method: string): Promise<unknown> {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(object) || !isUciName(method)) throw new ProtocolError('OpenWrt: invalid ubus name');
    return parseJsonText(await this.run(`ubus call ${object} ${method}`), `ubus call ${object} ${method}`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ssh.dispose();
  }
}

function sshConnectError(err: unknown, host: string, port: number, username: string): RouterctlError {
  const e = err as { code?: unknown; level?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const where = { host, port, errorCode: code };
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return new AuthError('OpenWrt rejected the SSH user name or password', { host, port, username });
  }
  if (/Host denied|host key/i.test(message)) {
    return new ProtocolError(`OpenWrt: the SSH host key of ${host} was not accepted`, where);
  }
  if (e?.level === 'client-timeout' || /timed out/i.test(message) || code === 'ETIMEDOUT') {
    return new TimeoutError(`OpenWrt: SSH on ${host}:${port} did not answer in time`, where);
  }
  if (e?.level === 'client-socket' || (code !== undefined && /^E[A-Z]+$/.test(code))) {
    return new UnreachableError(`OpenWrt: cannot reach SSH on ${host}:${port}${code ? ` (${code})` : ''}`, where);
  }
  return new ProtocolError(`OpenWrt: SSH connection to ${host}:${port} failed`, where);
}
