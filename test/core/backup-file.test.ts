import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readBackupFile, sameSettings, writeBackupFile } from '../../src/core/backup-file.js';
import type { Backup } from '../../drivers/types.js';

describe('backup files', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-backup-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const a: Backup = { family: 'openwrt', format: 1, settings: { network: { wan: { proto: 'l2tp', username: 'u', password: 'p' } } } };
  const reordered: Backup = { family: 'openwrt', format: 1, settings: { network: { wan: { password: 'p', username: 'u', proto: 'l2tp' } } } };

  it('same settings give byte-identical files (key order does not matter), mode 0600', async () => {
    await writeBackupFile(path.join(dir, '1.json'), '127.0.1.1', a);
    await writeBackupFile(path.join(dir, '2.json'), '127.0.1.1', reordered);
    expect(await readFile(path.join(dir, '1.json'), 'utf8')).to.equal(await readFile(path.join(dir, '2.json'), 'utf8'));
    expect((await stat(path.join(dir, '1.json'))).mode & 0o777).to.equal(0o600);
    expect(sameSettings(a, reordered)).to.equal(true);
    expect((await readBackupFile(path.join(dir, '1.json'))).backup).to.deep.equal(a);
  });

  it('refuses files that are not routerctl backups with a clear error', async () => {
    await writeFile(path.join(dir, 'x.json'), '{"hello":1}');
    await writeFile(path.join(dir, 'y.json'), 'not json');
    for (const f of ['x.json', 'y.json', 'missing.json']) {
      const err = (await readBackupFile(path.join(dir, f)).catch((e: unknown) => e)) as Error & { code: string };
      expect(err.code).to.equal('usage');
      expect(err.message).to.include(f);
    }
  });
});
