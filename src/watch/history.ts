// The watch history: one JSON line per cycle in <state dir>/history/history.jsonl, rotated by size
// (history.jsonl -> history.1.jsonl -> ... -> history.<maxFiles-1>.jsonl, the oldest dropped) and
// pruned by age. JSON Lines rather than SQLite: no native addon to compile on every install (node-gyp,
// python, a compiler; ~50 s on CI), append-only writes that a crash cannot corrupt beyond one line,
// greppable by a technician, and the reads it needs (a time window of at most a few MB) are one scan.
//
// Writes never stop the watch: when the folder is not writable or the disk is full, the record is
// kept in a bounded backlog, `problem` says why, and the next append retries.
import type { WanSample } from '../diagnostics/stability.js';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { HistoryRecord } from './types.js';

export interface HistoryOptions {
  dir: string;
  /** Rotate when the current file would pass this size. */
  maxBytes: number;
  /** Files kept, the current one included (>= 1). */
  maxFiles: number;
  /** Rotated files whose newest line is older than this are deleted; 0 = keep. */
  retentionDays: number;
  /** Records kept in memory while the file cannot be written. */
  maxBacklog?: number | undefined;
  /** Applied to every record before it is written (secret redaction). */
  sanitize?: ((r: HistoryRecord) => HistoryRecord) | undefined;
  now?: (() => number) | undefined;
}

/** The history's folder in the state dir. */
export const HISTORY_DIR = 'history';
export const HISTORY_FILE = 'history.jsonl';

export class HistoryStore {
  readonly dir: string;
  readonly file: string;
  readonly #o: HistoryOptions;
  #queue: Promise<void> = Promise.resolve();
  #backlog: string[] = [];
  #dropped = 0;
  #problem: string | undefined;

  constructor(o: HistoryOptions) {
    this.#o = o;
    this.dir = path.resolve(o.dir);
    this.file = path.join(this.dir, HISTORY_FILE);
  }

  /** Why the last write failed; undefined once writes work (again). */
  get problem(): string | undefined {
    return this.#problem;
  }

  get backlog(): number {
    return this.#backlog.length;
  }

  /** Records lost because the backlog was full. */
  get dropped(): number {
    return this.#dropped;
  }

  rotatedFile(i: number): string {
    return i === 0 ? this.file : path.join(this.dir, `history.${i}.jsonl`);
  }

  /** Queues one record; resolves when it is on disk or in the backlog (never rejects). */
  append(record: HistoryRecord): Promise<void> {
    const clean = this.#o.sanitize ? this.#o.sanitize(record) : record;
    const line = `${JSON.stringify(clean)}\n`;
    const max = this.#o.maxBacklog ?? 1000;
    this.#backlog.push(line);
    while (this.#backlog.length > max) {
      this.#backlog.shift();
      this.#dropped++;
    }
    this.#queue = this.#queue.then(() => this.#drain());
    return this.#queue;
  }

  /** Waits for every queued write (SIGTERM: the history is flushed before exit). */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #drain(): Promise<void> {
    if (this.#backlog.length === 0) return;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const data = this.#backlog.join('');
      const size = await stat(this.file).then((s) => s.size, () => 0);
      if (size > 0 && size + Buffer.byteLength(data) > this.#o.maxBytes) await this.#rotate();
      const fh = await open(this.file, 'a', 0o600);
      try {
        if (process.platform !== 'win32' && ((await fh.stat()).mode & 0o777) !== 0o600) await fh.chmod(0o600);
        await fh.appendFile(data, 'utf8');
      } finally {
        await fh.close();
      }
      this.#backlog = [];
      this.#problem = undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the folder is not writable' : (err as Error).message;
      this.#problem = `cannot write the watch history in ${this.dir}: ${why} (${code ?? 'error'})`;
    }
  }

  async #rotate(): Promise<void> {
    const n = Math.max(1, this.#o.maxFiles);
    if (n === 1) {
      await unlink(this.file).catch(() => undefined);
      return;
    }
    await unlink(this.rotatedFile(n - 1)).catch(() => undefined);
    for (let i = n - 2; i >= 0; i--) {
      await rename(this.rotatedFile(i), this.rotatedFile(i + 1)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    await this.#prune();
  }

  /** Drops rotated files (and strays beyond maxFiles) older than the retention. */
  async #prune(): Promise<void> {
    const now = this.#o.now?.() ?? Date.now();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^history\.(\d+)\.jsonl$/.exec(name);
      if (!m) continue;
      const full = path.join(this.dir, name);
      const tooMany = Number(m[1]) >= this.#o.maxFiles;
      const tooOld = this.#o.retentionDays > 0 && (await stat(full).then((s) => now - s.mtimeMs > this.#o.retentionDays * 86_400_000, () => false));
      if (tooMany || tooOld) await unlink(full).catch(() => undefined);
    }
  }

  /** Every record with ts >= sinceMs, oldest first; lines that do not parse are skipped and counted. */
  async read(sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): Promise<{ records: HistoryRecord[]; skipped: number }> {
    await this.flush();
    const records: HistoryRecord[] = [];
    let skipped = 0;
    for (let i = Math.max(1, this.#o.maxFiles) - 1; i >= 0; i--) {
      let text: string;
      try {
        text = await readFile(this.rotatedFile(i), 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          const r = JSON.parse(line) as HistoryRecord;
          const t = Date.parse(r.ts);
          if (r.v !== 1 || Number.isNaN(t)) {
            skipped++;
            continue;
          }
          if (t >= sinceMs && t <= untilMs) records.push(r);
        } catch {
          skipped++;
        }
      }
    }
    records.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    return { records, skipped };
  }
}

/** Makes sure an existing history folder is private (0700); files are created 0600. */
export async function ensureHistoryDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700).catch(() => undefined);
}

/**
 * The WAN as the watch recorded it since `sinceMs` (C10 counts reconnects from it): each record's
 * time and, when the WAN was up, the PPP session's uptime. Empty when there is no history.
 */
export async function readWanSamples(stateDir: string, maxFiles: number, sinceMs: number): Promise<WanSample[]> {
  const store = new HistoryStore({ dir: path.join(stateDir, HISTORY_DIR), maxBytes: Number.MAX_SAFE_INTEGER, maxFiles, retentionDays: 0 });
  const { records } = await store.read(sinceMs);
  return records.map((r) => ({ tMs: Date.parse(r.ts), uptimeS: r.router?.wan_state === 'up' ? r.router.ppp_uptime_s : undefined }));
}
