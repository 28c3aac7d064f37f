// Which certificate and host key each router is trusted with: `<state dir>/trusted-routers.json`
// (0600 in a 0700 folder), written on first use and by `routerctl trust`. A run reads it once
// (TrustSession), pins every HTTPS and SSH connection against it, and records first sightings.
// Nothing here ever turns verification off: an endpoint is either pinned, or pinned on first use.
import { readFile } from 'node:fs/promises';
import type https from 'node:https';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import type { DriverContext, DriverLogger, Target, TransportTrust } from '../../drivers/types.js';
import { ensurePrivateDir } from '../config/paths.js';
import { ConfigError, RouterctlError } from '../core/errors.js';
import { writeFileAtomic } from '../core/secrets.js';
import { pinnedHostVerifier, type PinnedHostVerifier } from './ssh.js';
import { PinnedHttpsAgent, type CertificateSeen, type PinSource } from './tls.js';

export const TRUST_FILE = 'trusted-routers.json';

const entrySchema = z.object({
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/:=]{8,200}$/),
  /** When it was trusted (ISO time). */
  since: z.string(),
  /** first-use: seen on the first connection; trust: accepted with `routerctl trust`. */
  how: z.enum(['first-use', 'trust']),
  /** Certificate CN or SSH key type, for people. */
  subject: z.string().max(200).optional(),
});
export type TrustEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ format: z.literal('routerctl-trust/1'), entries: z.record(z.string(), entrySchema) });
type TrustFile = z.infer<typeof fileSchema>;

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function httpsEndpoint(host: string, port: number): string {
  return `https://${bracket(host)}:${port}`;
}

export function sshEndpoint(host: string, port: number): string {
  return `ssh://${bracket(host)}:${port}`;
}

export class TrustStore {
  constructor(readonly file: string) {}

  static inStateDir(stateDir: string): TrustStore {
    return new TrustStore(path.join(stateDir, TRUST_FILE));
  }

  async read(): Promise<Record<string, TrustEntry>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ConfigError(`cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: this.file });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const r = fileSchema.safeParse(parsed);
    // Refusing is safer than silently trusting every router again on first use.
    if (!r.success) throw new ConfigError(`${this.file} is damaged; fix it, or delete it to trust your routers again on first use`, { file: this.file });
    return r.data.entries;
  }

  async get(endpoint: string): Promise<TrustEntry | undefined> {
    return (await this.read())[endpoint];
  }

  /** Pins `endpoint`; with `onlyIfAbsent`, an existing pin wins (two runs trusting on first use at once). */
  async pin(endpoint: string, entry: TrustEntry, opts: { onlyIfAbsent?: boolean } = {}): Promise<TrustEntry> {
    let result = entry;
    await this.#update((data) => {
      const existing = data.entries[endpoint];
      if (existing && opts.onlyIfAbsent) result = existing;
      else data.entries[endpoint] = entry;
    });
    return result;
  }

  async forget(endpoint: string): Promise<boolean> {
    let found = false;
    await this.#update((data) => {
      found = Object.hasOwn(data.entries, endpoint);
      delete data.entries[endpoint];
    });
    return found;
  }

  async #update(change: (data: TrustFile) => void): Promise<void> {
    await ensurePrivateDir(path.dirname(this.file));
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(this.file, { realpath: false, stale: 10_000, retries: { retries: 20, minTimeout: 25, maxTimeout: 250 } });
    } catch (err) {
      throw new RouterctlError('busy', `another routerctl is writing ${this.file}; try again`, { file: this.file }, { cause: err });
    }
    try {
      const data: TrustFile = { format: 'routerctl-trust/1', entries: await this.read() };
      change(data);
      const sorted = Object.fromEntries(Object.keys(data.entries).sort().map((k) => [k, data.entries[k]!]));
      await writeFileAtomic(this.file, `${JSON.stringify({ format: data.format, entries: sorted }, null, 2)}\n`);
    } finally {
      await release().catch(() => undefined);
    }
  }
}

export interface FirstUse {
  endpoint: string;
  seen: CertificateSeen;
}

/**
 * The trust of one run: pins read once from the store, first sightings kept in memory at once (so a
 * second connection in the same run must show the same certificate) and written to the store.
 */
export class TrustSession implements TransportTrust {
  readonly #store: TrustStore | undefined;
  readonly #entries: Record<string, TrustEntry>;
  readonly #first = new Map<string, CertificateSeen>();
  readonly #agents = new Map<string, https.Agent>();
  readonly #writes: Promise<unknown>[] = [];
  readonly #logger: DriverLogger | undefined;

  private constructor(store: TrustStore | undefined, entries: Record<string, TrustEntry>, logger: DriverLogger | undefined) {
    this.#store = store;
    this.#entries = entries;
    this.#logger = logger;
  }

  static async open(store: TrustStore, logger?: DriverLogger): Promise<TrustSession> {
    return new TrustSession(store, await store.read(), logger);
  }

  /** Pins kept in memory only (library use, tests). */
  static inMemory(entries: Record<string, TrustEntry> = {}): TrustSession {
    return new TrustSession(undefined, { ...entries }, undefined);
  }

  pinOf(endpoint: string): string | undefined {
    return this.#entries[endpoint]?.fingerprint ?? this.#first.get(endpoint)?.fingerprint;
  }

  firstUses(): FirstUse[] {
    return [...this.#first].map(([endpoint, seen]) => ({ endpoint, seen }));
  }

  #source(endpoint: string): PinSource {
    return {
      pinned: () => this.pinOf(endpoint),
      firstUse: (seen) => {
        if (this.pinOf(endpoint) !== undefined) return;
        this.#first.set(endpoint, seen);
        this.#logger?.info('trusting the router on first use', { endpoint, fingerprint: seen.fingerprint });
        if (this.#store) {
          const entry: TrustEntry = { fingerprint: seen.fingerprint, since: new Date().toISOString(), how: 'first-use', ...(seen.subject ? { subject: seen.subject } : {}) };
          this.#writes.push(
            this.#store.pin(endpoint, entry, { onlyIfAbsent: true }).catch((err: unknown) => {
              this.#logger?.warn('could not save the trusted certificate', { endpoint, code: (err as RouterctlError).code });
            }),
          );
        }
      },
    };
  }

  httpsAgentFor(host: string, port: number): https.Agent {
    const endpoint = httpsEndpoint(host, port);
    let agent = this.#agents.get(endpoint);
    if (!agent) {
      agent = new PinnedHttpsAgent({ endpoint: `${bracket(host)}:${port}`, host, source: this.#source(endpoint), legacy: true });
      this.#agents.set(endpoint, agent);
    }
    return agent;
  }

  sshHostVerifier(host: string, port: number): PinnedHostVerifier {
    return pinnedHostVerifier(`${bracket(host)}:${port}`, host, this.#source(sshEndpoint(host, port)));
  }

  /** Waits until first sightings are on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.#writes.splice(0));
  }
}

/** The HTTPS agent and SSH host verifier a driver's connect should use for `target` (none without ctx.trust). */
export function connectTrust(target: Target, ctx: DriverContext): { httpsAgent?: https.Agent | undefined; hostVerifier?: PinnedHostVerifier | undefined } {
  const trust = ctx.trust;
  if (!trust) return {};
  return {
    httpsAgent: target.httpsPort !== undefined ? trust.httpsAgentFor(target.host, target.httpsPort) : undefined,
    hostVerifier: trust.sshHostVerifier(target.host, target.sshPort ?? 22) as PinnedHostVerifier,
  };
}
