import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { appPaths, ensurePrivateDir, ensurePrivateDirSync } from '../../src/config/paths.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('config/paths', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'routerctl-paths-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('honours ROUTERCTL_CONFIG_DIR and ROUTERCTL_STATE_DIR', () => {
    const p = appPaths({ ROUTERCTL_CONFIG_DIR: path.join(tmp, 'c'), ROUTERCTL_STATE_DIR: path.join(tmp, 's') });
    expect(p).to.deep.equal({ configDir: path.join(tmp, 'c'), stateDir: path.join(tmp, 's'), backupsDir: path.join(tmp, 's', 'backups') });
  });

  it('follows XDG_CONFIG_HOME / XDG_STATE_HOME of the given env on Linux', function () {
    if (process.platform !== 'linux') this.skip();
    const p = appPaths({ XDG_CONFIG_HOME: path.join(tmp, 'xc'), XDG_STATE_HOME: path.join(tmp, 'xs') });
    expect(p.configDir).to.equal(path.join(tmp, 'xc', 'routerctl'));
    expect(p.stateDir).to.equal(path.join(tmp, 'xs', 'routerctl'));
    expect(p.backupsDir).to.equal(path.join(tmp, 'xs', 'routerctl', 'backups'));
  });

  it('ensurePrivateDir creates 0700 folders and tightens an existing one', async function () {
    if (process.platform === 'win32') this.skip();
    const deep = path.join(tmp, 'a', 'b', 'c');
    await ensurePrivateDir(deep);
    expect(mode(deep)).to.equal(0o700);
    const loose = path.join(tmp, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    ensurePrivateDirSync(loose);
    expect(mode(loose)).to.equal(0o700);
  });
});
