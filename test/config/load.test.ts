import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/core/errors.js';
import { CONFIG_ENV_VARS, configFromEnv, deepMerge, defaultConfigFile, loadConfig, loadConfigDetailed, packageRoot, unknownEnvVars } from '../../src/config/load.js';

describe('config/load', () => {
  let tmp: string;
  let configDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'routerctl-cfg-'));
    configDir = path.join(tmp, 'config');
    mkdirSync(configDir);
    // Never the real home: every directory points into the temp folder.
    env = { ROUTERCTL_CONFIG_DIR: configDir, ROUTERCTL_STATE_DIR: path.join(tmp, 'state'), XDG_CONFIG_HOME: path.join(tmp, 'xdg') };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const userFile = (text: string) => writeFileSync(path.join(configDir, 'config.yaml'), text);
  const extraFile = (text: string, name = 'extra.yaml') => {
    const f = path.join(tmp, name);
    writeFileSync(f, text);
    return f;
  };
  const configErrorOf = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('finds config/default.yaml from the package root and loads it alone', () => {
    expect(existsSync(path.join(packageRoot(), 'package.json'))).to.equal(true);
    expect(defaultConfigFile()).to.match(/config[/\\]default\.yaml$/);
    // The compiled module lives in dist/src/config: the walk up ends at the same root.
    expect(packageRoot(path.join(packageRoot(), 'dist', 'src', 'config'))).to.equal(packageRoot());
    const { config, files } = loadConfigDetailed({ env });
    expect(files).to.deep.equal([defaultConfigFile()]);
    expect(config.discovery.probeTimeoutMs).to.equal(1500);
    expect(config.ports).to.deep.equal({ http: 80, https: 443, ssh: 22 });
    expect(config.log.level).to.equal('info');
  });

  it('applies the layers in order: default < user < --config < env < overrides', () => {
    userFile('discovery:\n  probeTimeoutMs: 1600\n');
    const cfg = extraFile('discovery:\n  probeTimeoutMs: 1700\n');
    const envWith = { ...env, ROUTERCTL_PROBE_TIMEOUT_MS: '1800' };
    expect(loadConfig({ env }).discovery.probeTimeoutMs).to.equal(1600);
    expect(loadConfig({ env, configFile: cfg }).discovery.probeTimeoutMs).to.equal(1700);
    expect(loadConfig({ env: envWith, configFile: cfg }).discovery.probeTimeoutMs).to.equal(1800);
    expect(loadConfig({ env: envWith, configFile: cfg, overrides: { discovery: { probeTimeoutMs: 1900 } } }).discovery.probeTimeoutMs).to.equal(1900);
    const { files } = loadConfigDetailed({ env, configFile: cfg });
    expect(files).to.have.length(3);
  });

  it('merges objects deeply and replaces arrays', () => {
    userFile('ports:\n  http: 8080\ndiscovery:\n  candidates: [127.0.31.1]\n');
    const c = loadConfig({ env });
    expect(c.ports).to.deep.equal({ http: 8080, https: 443, ssh: 22 });
    expect(c.discovery.candidates).to.deep.equal(['127.0.31.1']);
    expect(c.discovery.includeGateway).to.equal(true);
    // undefined in overrides changes nothing
    expect(loadConfig({ env, overrides: { ports: { http: undefined } } }).ports.http).to.equal(8080);
  });

  it('accepts candidate objects and ROUTERCTL_CANDIDATES as a comma list', () => {
    userFile('discovery:\n  candidates:\n    - { host: 127.0.31.1, http: 8081, ssh: false }\n    - "[::1]:8082"\n');
    expect(loadConfig({ env }).discovery.candidates).to.deep.equal([{ host: '127.0.31.1', http: 8081, ssh: false }, '[::1]:8082']);
    const c = loadConfig({ env: { ...env, ROUTERCTL_CANDIDATES: ' 127.0.31.2 , 127.0.31.3:81,' } });
    expect(c.discovery.candidates).to.deep.equal(['127.0.31.2', '127.0.31.3:81']);
  });

  it('names file, key, line:col and what is expected for a bad value', () => {
    userFile('# my settings\ndiscovery:\n  includeGateway: false\n  probeTimeoutMs: fast\n');
    const err = configErrorOf(() => loadConfig({ env }));
    const file = path.join(configDir, 'config.yaml');
    expect(err.message).to.equal(`${file}:4:19 discovery.probeTimeoutMs: expected a number, got "fast"`);
    expect(err.code).to.equal('config_invalid');
    expect(err.details.file).to.equal(file);
  });

  it('reports a bad file even when a later layer overrides the value', () => {
    userFile('discovery:\n  probeTimeoutMs: fast\n');
    const err = configErrorOf(() => loadConfig({ env: { ...env, ROUTERCTL_PROBE_TIMEOUT_MS: '900' } }));
    expect(err.message).to.include('config.yaml:2:19');
  });

  it('rejects unknown keys, pointing at the key', () => {
    userFile('discovery:\n  probeTimeout: 100\nport:\n  http: 1\n');
    const err = configErrorOf(() => loadConfig({ env }));
    expect(err.message).to.include('config.yaml:2:3 discovery.probeTimeout: unknown key');
    expect(err.message).to.include('config.yaml:3:1 port: unknown key');
  });

  it('blames the --config file, not the user file, for its own mistakes', () => {
    userFile('ports:\n  http: 8080\n');
    const cfg = extraFile('ports:\n  ssh: 70000\n', 'lab.yaml');
    const err = configErrorOf(() => loadConfig({ env, configFile: cfg }));
    expect(err.message).to.equal(`${cfg}:2:8 ports.ssh: expected a number <= 65535, got 70000`);
  });

  it('points into lists and checks candidate syntax', () => {
    userFile('discovery:\n  candidates:\n    - 127.0.31.1\n    - "127.0.31.2:99999"\n    - { host: 127.0.31.3, htp: 80 }\n');
    const err = configErrorOf(() => loadConfig({ env }));
    expect(err.message).to.include('config.yaml:4:7 discovery.candidates.1: expected HOST or HOST:PORT');
    expect(err.message).to.include('config.yaml:5:27 discovery.candidates.2.htp: unknown key');
  });

  it('reports wrong types and enum values', () => {
    userFile('log:\n  level: loud\ndiscovery:\n  includeGateway: "no"\n  candidates: 127.0.31.1\n');
    const err = configErrorOf(() => loadConfig({ env }));
    expect(err.message).to.include('log.level: expected one of "error", "warn", "info", "debug", got "loud"');
    expect(err.message).to.include('discovery.includeGateway: expected true or false, got "no"');
    expect(err.message).to.include('config.yaml:5:15 discovery.candidates: expected a list, got "127.0.31.1"');
  });

  it('reports YAML syntax errors with file:line:col and without quoting the file', () => {
    userFile('login:\n  defaults:\n    openwrt:\n      - { username: root, password: "hunter2 }\n');
    const err = configErrorOf(() => loadConfig({ env }));
    expect(err.message).to.match(/config\.yaml:\d+:\d+ YAML syntax error: /);
    expect(err.message).not.to.include('hunter2');
    userFile('a: 1\na: 2\n');
    expect(configErrorOf(() => loadConfig({ env })).message).to.match(/config\.yaml:2:1 YAML syntax error: Map keys must be unique/);
  });

  it('accepts an empty user file, refuses a top-level list', () => {
    userFile('# nothing yet\n');
    expect(loadConfig({ env }).ports.http).to.equal(80);
    userFile('- a\n- b\n');
    expect(configErrorOf(() => loadConfig({ env })).message).to.include('config.yaml:1:1 expected a mapping');
  });

  it('requires the --config file to exist; a missing user file is fine', () => {
    const err = configErrorOf(() => loadConfig({ env, configFile: path.join(tmp, 'nope.yaml') }));
    expect(err.message).to.include('config file not found');
    expect(err.message).to.include('nope.yaml');
    expect(() => loadConfig({ env: { ...env, ROUTERCTL_CONFIG_DIR: path.join(tmp, 'missing') } })).not.to.throw();
  });

  it('names the environment variable when its value is bad', () => {
    const err = configErrorOf(() => loadConfig({ env: { ...env, ROUTERCTL_PROBE_TIMEOUT_MS: 'fast' } }));
    expect(err.message).to.equal('environment ROUTERCTL_PROBE_TIMEOUT_MS discovery.probeTimeoutMs: expected a number, got "fast"');
    const err2 = configErrorOf(() => loadConfig({ env: { ...env, ROUTERCTL_CANDIDATES: '127.0.31.1:0' } }));
    expect(err2.message).to.include('environment ROUTERCTL_CANDIDATES discovery.candidates.0');
  });

  it('names the command line for bad overrides', () => {
    const err = configErrorOf(() => loadConfig({ env, overrides: { discovery: { probeTimeoutMs: -5 } } }));
    expect(err.message).to.equal('command line discovery.probeTimeoutMs: expected a number >= 1, got -5');
  });

  it('maps ROUTERCTL_* variables and never reads passwords into the config', () => {
    const { data } = configFromEnv({
      ROUTERCTL_INCLUDE_GATEWAY: 'false',
      ROUTERCTL_GATEWAY: '127.0.31.254',
      ROUTERCTL_LOG_LEVEL: 'debug',
      ROUTERCTL_HTTP_PORT: '8080',
      ROUTERCTL_SSH_PORT: '',
      ROUTERCTL_PASSWORD: 'secret',
    });
    expect(data).to.deep.equal({ discovery: { includeGateway: false, gateway: '127.0.31.254' }, log: { level: 'debug' }, ports: { http: 8080 } });
    expect(CONFIG_ENV_VARS.map((v) => v.name).join(' ')).not.to.match(/PASSWORD/);
    expect(unknownEnvVars({ ROUTERCTL_PROBE_TIMEOUT: '1', ROUTERCTL_PASSWORD: 'x', ROUTERCTL_CONFIG_DIR: '/x' })).to.deep.equal(['ROUTERCTL_PROBE_TIMEOUT']);
  });

  it('deepMerge: objects merge, arrays and null replace, inputs untouched', () => {
    const a = { x: { y: 1, z: [1, 2] }, g: 'a' };
    const b = { x: { z: [3] }, g: null };
    expect(deepMerge(a, b)).to.deep.equal({ x: { y: 1, z: [3] }, g: null });
    expect(a).to.deep.equal({ x: { y: 1, z: [1, 2] }, g: 'a' });
  });
});
