// Loads the configuration from its layers, lowest first:
//   1. config/default.yaml (shipped with the package)
//   2. <config dir>/config.yaml (the user file; missing is fine; ROUTERCTL_CONFIG_DIR moves it)
//   3. --config FILE (must exist)
//   4. ROUTERCTL_* environment variables (CONFIG_ENV_VARS below; never passwords)
//   5. flag overrides from the command line
// Objects merge deeply; arrays and scalars (null included) replace. `undefined` in overrides means
// "not given" and changes nothing.
//
// Validation runs after each layer is merged, so the first layer that breaks the config is the one
// that is blamed, even when a later layer would have overridden the bad value: a broken file is
// always reported. Messages point at FILE:LINE:COL KEY, e.g.
//   /home/u/.config/routerctl/config.yaml:4:19 discovery.probeTimeoutMs: expected a number, got "fast"
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { appPaths } from './paths.js';
import { configSchema, type Config, type DeepPartial } from './schema.js';

export interface LoadConfigOptions {
  /** `--config FILE`. */
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** From command-line flags. */
  overrides?: DeepPartial<Config> | undefined;
}

export interface LoadedConfig {
  config: Config;
  /** The files that were read, lowest precedence first. */
  files: string[];
}

type Path = readonly PropertyKey[];

interface Layer {
  /** Human name: a file path, "environment" or "command line". */
  source: string;
  kind: 'file' | 'env' | 'flags';
  data: unknown;
  doc?: Document.Parsed;
  lineCounter?: LineCounter;
  /** env layer: dotted key path → variable name. */
  envNames?: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Environment mapping. Passwords are deliberately absent (ROUTERCTL_PASSWORD and
// ROUTERCTL_NEW_PASSWORD are read by src/core/secrets.ts, never merged into the config).
// An empty variable counts as unset.

export type EnvKind = 'string' | 'number' | 'boolean' | 'list';

export interface EnvVarSpec {
  name: string;
  path: readonly string[];
  kind: EnvKind;
  description: string;
}

export const CONFIG_ENV_VARS: readonly EnvVarSpec[] = [
  { name: 'ROUTERCTL_CANDIDATES', path: ['discovery', 'candidates'], kind: 'list', description: 'comma-separated HOST[:PORT] list; replaces discovery.candidates' },
  { name: 'ROUTERCTL_INCLUDE_GATEWAY', path: ['discovery', 'includeGateway'], kind: 'boolean', description: 'probe the default gateway too (true/false)' },
  { name: 'ROUTERCTL_GATEWAY', path: ['discovery', 'gateway'], kind: 'string', description: 'address used instead of the OS default gateway' },
  { name: 'ROUTERCTL_PROBE_TIMEOUT_MS', path: ['discovery', 'probeTimeoutMs'], kind: 'number', description: 'per-probe timeout in discovery' },
  { name: 'ROUTERCTL_MAX_BODY_BYTES', path: ['discovery', 'maxBodyBytes'], kind: 'number', description: 'largest landing page read in discovery' },
  { name: 'ROUTERCTL_HTTP_PORT', path: ['ports', 'http'], kind: 'number', description: 'default HTTP port of routers' },
  { name: 'ROUTERCTL_HTTPS_PORT', path: ['ports', 'https'], kind: 'number', description: 'default HTTPS port of routers' },
  { name: 'ROUTERCTL_SSH_PORT', path: ['ports', 'ssh'], kind: 'number', description: 'default SSH port of routers' },
  { name: 'ROUTERCTL_REQUEST_TIMEOUT_MS', path: ['http', 'requestTimeoutMs'], kind: 'number', description: 'per-request timeout towards a router' },
  { name: 'ROUTERCTL_TRY_DEFAULTS', path: ['login', 'tryDefaults'], kind: 'boolean', description: 'try factory logins when none are given' },
  { name: 'ROUTERCTL_CONFIRM_WINDOW_SECONDS', path: ['sync', 'confirmWindowSeconds'], kind: 'number', description: 'apply-with-rollback window' },
  { name: 'ROUTERCTL_WAN_UP_TIMEOUT_SECONDS', path: ['sync', 'wanUpTimeoutSeconds'], kind: 'number', description: 'wait for the WAN after a change' },
  { name: 'ROUTERCTL_INTERNET_PROBE_URLS', path: ['internet', 'probeUrls'], kind: 'list', description: 'comma-separated URLs checked after a change' },
  { name: 'ROUTERCTL_INTERNET_TIMEOUT_MS', path: ['internet', 'timeoutMs'], kind: 'number', description: 'timeout of one internet check' },
  { name: 'ROUTERCTL_LOG_LEVEL', path: ['log', 'level'], kind: 'string', description: 'error, warn, info or debug' },
  { name: 'ROUTERCTL_LOG_FILE', path: ['log', 'file'], kind: 'string', description: 'JSON-lines log file' },
];

/** ROUTERCTL_* variables that are read elsewhere (not config values). */
export const OTHER_ENV_VARS: readonly string[] = ['ROUTERCTL_CONFIG_DIR', 'ROUTERCTL_STATE_DIR', 'ROUTERCTL_PASSWORD', 'ROUTERCTL_NEW_PASSWORD'];

/** ROUTERCTL_* names that nothing reads: likely typos, worth a warning from the CLI. */
export function unknownEnvVars(env: NodeJS.ProcessEnv): string[] {
  const known = new Set([...CONFIG_ENV_VARS.map((v) => v.name), ...OTHER_ENV_VARS]);
  return Object.keys(env).filter((k) => k.startsWith('ROUTERCTL_') && !known.has(k) && !k.startsWith('ROUTERCTL_LAB_'));
}

function convertEnv(kind: EnvKind, raw: string): unknown {
  // A value that does not convert is passed on raw, so the schema reports it with its text.
  switch (kind) {
    case 'number': {
      const n = Number(raw.trim());
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return raw;
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'string':
      return raw.trim();
  }
}

export function configFromEnv(env: NodeJS.ProcessEnv): { data: Record<string, unknown>; names: Map<string, string> } {
  const data: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const spec of CONFIG_ENV_VARS) {
    const raw = env[spec.name];
    if (raw === undefined || raw === '') continue;
    let node = data;
    for (const key of spec.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[spec.path.at(-1)!] = convertEnv(spec.kind, raw);
    names.set(spec.path.join('.'), spec.name);
  }
  return { data, names };
}

// ---------------------------------------------------------------------------------------------
// Files

/** Walks up from this module to the folder holding package.json and config/default.yaml, so the
 * same code works from src/config (tsx) and dist/src/config (compiled). */
export function packageRoot(start = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (exists(path.join(dir, 'package.json')) && exists(path.join(dir, 'config', 'default.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new ConfigError(`cannot find config/default.yaml above ${start}`);
    dir = parent;
  }
}

export function defaultConfigFile(): string {
  return path.join(packageRoot(), 'config', 'default.yaml');
}

export function userConfigFile(env: NodeJS.ProcessEnv): string {
  return path.join(appPaths(env).configDir, 'config.yaml');
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readYamlLayer(file: string, required: boolean): Layer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    if (code === 'ENOENT') throw new ConfigError(`config file not found: ${file}`, { file });
    if (code === 'EISDIR') throw new ConfigError(`config file is a directory: ${file}`, { file });
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { file });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.slice(0, 5).map((e) => {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      // Keep only the first line: the rest is a snippet of the file, which may hold a password.
      const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return { source: file, line: pos.line, col: pos.col, key: '', message: `YAML syntax error: ${what}` };
    });
    throw new ConfigError(issues.map((i) => `${file}:${i.line}:${i.col} ${i.message}`).join('\n'), { file, issues });
  }
  let data: unknown = doc.toJS();
  if (data === null || data === undefined) data = {}; // an empty file (or only comments) is fine
  if (!isPlainObject(data)) {
    throw new ConfigError(`${file}:1:1 expected a mapping of settings (key: value) at the top level`, { file });
  }
  return { source: file, kind: 'file', data, doc, lineCounter };
}

// ---------------------------------------------------------------------------------------------
// Merge

export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (v !== undefined) out[k] = deepMerge(base[k], v);
    }
    return out;
  }
  return structuredClone(over);
}

// ---------------------------------------------------------------------------------------------
// Errors

function hasPath(data: unknown, p: Path): boolean {
  let node = data;
  for (const seg of p) {
    if (Array.isArray(node) && typeof seg === 'number' && seg < node.length) node = node[seg];
    else if (isPlainObject(node) && typeof seg === 'string' && Object.hasOwn(node, seg)) node = node[seg];
    else return false;
  }
  return true;
}

/** The layer that set the value at `p` (the last one holding the longest existing prefix). */
function blame(layers: readonly Layer[], p: Path): { layer: Layer; path: Path } {
  for (let len = p.length; len >= 0; len--) {
    const prefix = p.slice(0, len);
    for (let i = layers.length - 1; i >= 0; i--) {
      if (hasPath(layers[i]!.data, prefix)) return { layer: layers[i]!, path: prefix };
    }
  }
  return { layer: layers.at(-1)!, path: [] };
}

/**
 * Line and column of `p` in a YAML document (like `doc.getIn(p, true).range`, but it can also point
 * at the key itself, and falls back to the key when the value is empty).
 */
function locate(doc: Document.Parsed, lc: LineCounter, p: Path, atKey: boolean): { line: number; col: number } {
  let node: unknown = doc.contents;
  let best: [number, number, number] | undefined = (node as YamlNode | null)?.range ?? undefined;
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? String(it.key.value) : String(it.key)) === String(seg));
      if (!pair) break;
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange) best = keyRange;
      if (atKey && i === p.length - 1) break;
      node = pair.value;
      const valueRange = (node as YamlNode | null)?.range;
      if (valueRange && !(isScalar(node) && node.value === null && valueRange[0] === valueRange[1])) best = valueRange;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      const r = (node as YamlNode | null)?.range;
      if (!r) break;
      best = r;
    } else break;
  }
  return best ? lc.linePos(best[0]) : { line: 1, col: 1 };
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  return String(v);
}

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean; origin?: string }, small: boolean): string {
  const n = small ? issue.minimum : issue.maximum;
  switch (issue.origin) {
    case 'string':
      return small ? (n === 1 ? 'a non-empty string' : `at least ${String(n)} characters`) : `at most ${String(n)} characters`;
    case 'array':
      return small ? `at least ${String(n)} item(s)` : `at most ${String(n)} item(s)`;
    default:
      return `a number ${small ? '>' : '<'}${issue.inclusive === false ? '' : '='} ${String(n)}`;
  }
}

/** "expected X, got Y" for the common issue codes; zod's own text otherwise. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const got = `, got ${describeValue(input)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `missing: expected ${EXPECTED[issue.expected] ?? issue.expected}`;
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : 'one of ' + issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'too_small':
      return `expected ${bound(issue, true)}${got}`;
    case 'too_big':
      return `expected ${bound(issue, false)}${got}`;
    case 'invalid_union': {
      // Only the branches whose type matched say something useful ("bad port" rather than "not a string").
      const relevant = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0));
      if (relevant.length === 1 && relevant[0]!.length > 0) return describeIssue(relevant[0]![0]!);
      return `expected HOST[:PORT] or a mapping { host, http?, https?, ssh? }${got}`;
    }
    default:
      return input !== undefined && issue.code === 'custom' ? `${issue.message}${got}` : issue.message;
  }
}

export interface ConfigIssue {
  source: string;
  line?: number | undefined;
  col?: number | undefined;
  key: string;
  message: string;
}

function issueFor(layers: readonly Layer[], p: Path, message: string, atKey: boolean): ConfigIssue {
  const key = p.map(String).join('.');
  const { layer, path: found } = blame(layers, p);
  if (layer.kind === 'file' && layer.doc && layer.lineCounter) {
    const { line, col } = locate(layer.doc, layer.lineCounter, found, atKey && found.length === p.length);
    return { source: layer.source, line, col, key, message };
  }
  if (layer.kind === 'env') {
    const name = [...(layer.envNames ?? [])].find(([k]) => key === k || key.startsWith(k + '.'))?.[1];
    return { source: name ? `environment ${name}` : 'environment', key, message };
  }
  return { source: layer.source, key, message };
}

function formatIssue(i: ConfigIssue): string {
  const where = i.line !== undefined ? `${i.source}:${i.line}:${i.col}` : i.source;
  return `${where} ${i.key || '(top level)'}: ${i.message}`;
}

function toConfigError(zodIssues: readonly z.core.$ZodIssue[], layers: readonly Layer[]): ConfigError {
  const issues: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) issues.push(issueFor(layers, [...issue.path, k], 'unknown key (check the spelling)', true));
    } else {
      issues.push(issueFor(layers, issue.path, describeIssue(issue), false));
    }
  }
  const shown = issues.slice(0, 10).map(formatIssue);
  if (issues.length > shown.length) shown.push(`(${issues.length - shown.length} more)`);
  const first = issues[0];
  return new ConfigError(shown.join('\n'), { file: first?.source, issues });
}

// ---------------------------------------------------------------------------------------------

export function loadConfigDetailed(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const layers: Layer[] = [];
  const defaults = readYamlLayer(defaultConfigFile(), true)!;
  layers.push(defaults);
  const user = readYamlLayer(userConfigFile(env), false);
  if (user) layers.push(user);
  if (opts.configFile !== undefined) layers.push(readYamlLayer(path.resolve(opts.configFile), true)!);
  const fromEnv = configFromEnv(env);
  if (fromEnv.names.size > 0) layers.push({ source: 'environment', kind: 'env', data: fromEnv.data, envNames: fromEnv.names });
  if (opts.overrides) layers.push({ source: 'command line', kind: 'flags', data: opts.overrides });

  let merged: unknown = {};
  let config: Config | undefined;
  for (let i = 0; i < layers.length; i++) {
    merged = deepMerge(merged, layers[i]!.data);
    const result = configSchema.safeParse(merged, { reportInput: true });
    if (!result.success) throw toConfigError(result.error.issues, layers.slice(0, i + 1));
    config = result.data;
  }
  return { config: config!, files: layers.filter((l) => l.kind === 'file').map((l) => l.source) };
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  return loadConfigDetailed(opts).config;
}
