// Backup files: what `routerctl backup` writes and the sync keeps before every change.
// Deterministic bytes (sorted keys, no timestamps) so two backups of the same settings compare equal;
// created 0600 because they hold the WAN password.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Backup } from '../../drivers/types.js';
import { RouterctlError, UsageError } from './errors.js';

export const BACKUP_FORMAT = 'routerctl-backup/1';

export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  router: { host: string; family: string };
  backup: Backup;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

export function sameSettings(a: Backup, b: Backup): boolean {
  return a.family === b.family && stableJson(a.settings) === stableJson(b.settings);
}

export async function writeBackupFile(file: string, host: string, backup: Backup): Promise<void> {
  const content: BackupFile = { format: BACKUP_FORMAT, router: { host, family: backup.family }, backup };
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  // Write beside the target and rename, so a crash never leaves half a backup under the real name.
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, stableJson(content), { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

export async function readBackupFile(file: string): Promise<BackupFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the backup file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not a routerctl backup (not JSON)`);
  }
  const candidate = parsed as Partial<BackupFile> | null;
  const backup = candidate?.backup;
  if (
    candidate?.format !== BACKUP_FORMAT ||
    typeof candidate.router?.host !== 'string' ||
    !backup ||
    typeof backup.family !== 'string' ||
    backup.format !== 1 ||
    typeof backup.settings !== 'object' ||
    backup.settings === null
  ) {
    throw new RouterctlError('usage', `${file} is not a routerctl backup of format ${BACKUP_FORMAT}`);
  }
  return candidate as BackupFile;
}

/** Where the sync keeps its automatic pre-change backups. */
export function autoBackupPath(backupsDir: string, host: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return path.join(backupsDir, `${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${stamp}.json`);
}
