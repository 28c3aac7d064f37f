// `--host` as a user types it: a bare address, or the address as the browser shows it. A router whose
// web interface is HTTPS only must be reachable with `--host https://…` and `--driver` (no discovery).
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { UsageError } from '../../src/core/errors.js';
import { targetFromHost } from '../../src/core/router.js';

describe('--host: the router address as given', () => {
  let config: Config;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-target-'));
    config = loadConfig({ env: { ROUTERCTL_CONFIG_DIR: dir } });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('HOST and HOST:PORT speak HTTP on the configured or given port', () => {
    expect(targetFromHost(config, '192.0.2.1')).to.deep.include({ host: '192.0.2.1', httpPort: config.ports.http, httpsPort: config.ports.https });
    expect(targetFromHost(config, '192.0.2.1:8080')).to.deep.include({ host: '192.0.2.1', httpPort: 8080 });
    expect(targetFromHost(config, '192.0.2.1').https).to.not.equal(true);
    expect(targetFromHost(config, '[2001:db8::1]:81')).to.deep.include({ host: '2001:db8::1', httpPort: 81 });
  });

  it('https://HOST[:PORT] makes the driver speak HTTPS, on the given port or the configured one', () => {
    expect(targetFromHost(config, 'https://192.0.2.1')).to.deep.include({ host: '192.0.2.1', https: true, httpsPort: config.ports.https, httpPort: config.ports.http });
    expect(targetFromHost(config, 'https://192.0.2.1:8443/')).to.deep.include({ host: '192.0.2.1', https: true, httpsPort: 8443, httpPort: config.ports.http });
    expect(targetFromHost(config, 'HTTPS://[2001:db8::1]:4443')).to.deep.include({ host: '2001:db8::1', https: true, httpsPort: 4443 });
  });

  it('http://HOST[:PORT] is the same as HOST[:PORT]', () => {
    expect(targetFromHost(config, 'http://192.0.2.1:8080/')).to.deep.equal(targetFromHost(config, '192.0.2.1:8080'));
    expect(targetFromHost(config, 'http://192.0.2.1')).to.deep.equal(targetFromHost(config, '192.0.2.1'));
  });

  it('refuses a path, another scheme or a bad port with a clear usage error', () => {
    for (const bad of ['https://192.0.2.1/cgi-bin/luci', 'ftp://192.0.2.1', 'ssh://192.0.2.1', 'https://192.0.2.1:99999', 'https://']) {
      expect(() => targetFromHost(config, bad), bad).to.throw(UsageError);
    }
    expect(() => targetFromHost(config, 'https://192.0.2.1/cgi-bin/luci')).to.throw(/no path/);
  });

  it('refuses a login inside the address without repeating it', () => {
    for (const bad of ['https://admin:s3cret-pw@192.0.2.1', 'admin:s3cret-pw@192.0.2.1', 'ftp://admin:s3cret-pw@192.0.2.1']) {
      let message = '';
      try {
        targetFromHost(config, bad);
      } catch (err) {
        expect(err).to.be.instanceOf(UsageError);
        message = (err as Error).message;
      }
      expect(message, bad).to.include('--password-file').and.not.include('s3cret-pw');
    }
  });
});
