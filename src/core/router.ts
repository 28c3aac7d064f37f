// From "which router?" to an open session: the target (given with --host, or found by discovery), the
// driver (given with --driver, or chosen by fingerprint), then a lockout-safe login.
import path from 'node:path';
import { drivers as registeredDrivers, findFamily } from '../../drivers/index.js';
import type { Credentials, Driver, DriverContext, DriverSession, Target, TransportTrust } from '../../drivers/types.js';
import type { Config } from '../config/schema.js';
import { parseCandidate, parseCandidates, parseHostPort } from '../discovery/candidates.js';
import { discover, resolveDiscoveryInputs, type DiscoveredRouter } from '../discovery/discover.js';
import { defaultConfigFile } from '../config/load.js';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { NotFoundError, ProtocolError, UsageError } from './errors.js';
import { login, type CredentialSources, type LoginPolicy, type LoginResult } from './login.js';
import { LoginBudget } from './login-budget.js';
import { lockRouter, type LockOptions, type RouterLock } from './lock.js';
import type { AppLogger } from '../log/logger.js';
import { TrustSession, TrustStore } from '../transport/trust.js';

export interface RouterSelection {
  host?: string | undefined;
  driver?: string | undefined;
  transport?: 'http' | 'ssh' | undefined;
}

export interface ChosenRouter {
  target: Target;
  driver: Driver;
  discovered?: DiscoveredRouter | undefined;
}

export function defaultPorts(config: Config): { http: number; https: number; ssh: number } {
  return { ...config.ports };
}

/**
 * `--host HOST[:PORT]`, or the address as the browser shows it: `https://HOST[:PORT]` for a router whose
 * web interface is HTTPS only (the driver then speaks HTTPS, pinned on first use), `http://HOST[:PORT]`.
 * A host that the config lists as a candidate keeps that candidate's other ports.
 */
export function targetFromHost(config: Config, hostFlag: string): Target {
  // user:password@host would put a password in argv and, echoed back, in the error: refuse without quoting it.
  if (hostFlag.includes('@')) throw new UsageError('--host takes an address only; give the login with --user and the password with --password-file');
  const url = /^(https?):\/\/([^/?#]+)\/?$/i.exec(hostFlag.trim());
  if (!url && /^[a-z][a-z0-9+.-]*:\/\//i.test(hostFlag.trim())) {
    throw new UsageError(`--host takes HOST[:PORT], http://HOST[:PORT] or https://HOST[:PORT] (no path), not ${JSON.stringify(hostFlag)}`);
  }
  const tls = url?.[1]!.toLowerCase() === 'https';
  const address = url ? url[2]! : hostFlag;
  const ports = defaultPorts(config);
  const given = parseCandidate(address, ports);
  const hp = parseHostPort(address);
  const portGiven = hp.ok && hp.port !== undefined;
  const known = parseCandidates(config.discovery.candidates, ports).find((t) => t.host === given.host);
  const base = known ?? given;
  if (tls) return { ...base, httpPort: known?.httpPort ?? ports.http, httpsPort: portGiven ? given.httpPort : (base.httpsPort ?? ports.https), https: true };
  return portGiven ? { ...base, httpPort: given.httpPort } : base;
}

function driverByName(name: string): Driver {
  const family = findFamily(name);
  if (!family) throw new UsageError(`unknown driver "${name}"; known: ${registeredDrivers.map((d) => d.family).join(', ')}`);
  return family.driver;
}

export async function chooseRouter(config: Config, sel: RouterSelection, logger: AppLogger): Promise<ChosenRouter> {
  if (sel.host) {
    const target = targetFromHost(config, sel.host);
    if (sel.driver) return { target, driver: driverByName(sel.driver) };
    const [found] = await discover({ candidates: [target], gateway: null, drivers: registeredDrivers, config, logger });
    if (!found?.reachable) throw new NotFoundError(`nothing answers at ${sel.host}: check the address and that this computer is connected to the router`);
    if (!found.fingerprint) throw new NotFoundError(`${sel.host} answers, but it does not look like a router routerctl knows; name the family with --driver`);
    // found.target keeps what discovery learnt (HTTPS preferred when HTTP redirects there, or when asked for).
    const keepTls = target.https === true && found.target.httpsPort !== undefined;
    return { target: keepTls ? { ...found.target, https: true } : found.target, driver: driverByName(found.fingerprint.family), discovered: found };
  }
  const found = await discoverRouters(config, undefined, logger);
  const best = found.find((r) => r.fingerprint && (!sel.driver || r.fingerprint.family === sel.driver.toLowerCase()));
  if (!best?.fingerprint) {
    const answered = found.filter((r) => r.reachable).map((r) => r.target.host);
    throw new NotFoundError(
      answered.length
        ? `no known router found (answering: ${answered.join(', ')}); give --host and --driver`
        : 'no router found: check that this computer is connected to the router (cable or Wi-Fi), or give --host',
    );
  }
  return { target: best.target, driver: sel.driver ? driverByName(sel.driver) : driverByName(best.fingerprint.family), discovered: best };
}

/**
 * Discovery with the rule: `--candidates`, or a candidate list from any file other than the
 * defaults, replaces the whole default list *and* the OS gateway, so nothing else is probed. A
 * `discovery.gateway` set in config (the lab's stand-in gateway) still counts.
 */
export async function discoverRouters(config: Config, candidatesFlag: string[] | undefined, logger?: AppLogger): Promise<DiscoveredRouter[]> {
  const listReplaced = JSON.stringify(config.discovery.candidates) !== JSON.stringify(defaultCandidates());
  const inputs = await resolveDiscoveryInputs(config, {
    candidatesFlag,
    osGateway: listReplaced ? async () => null : undefined,
  });
  logger?.debug('discovery inputs', { candidates: inputs.candidates.map((t) => t.host), gateway: inputs.gateway, gatewaySource: inputs.gatewaySource });
  return discover({ candidates: inputs.candidates, gateway: inputs.gateway, drivers: registeredDrivers, config, logger });
}

let defaults: unknown;
function defaultCandidates(): unknown {
  defaults ??= (YAML.parse(readFileSync(defaultConfigFile(), 'utf8')) as { discovery?: { candidates?: unknown } }).discovery?.candidates;
  return defaults;
}

export function driverContext(config: Config, logger: AppLogger, transport?: 'http' | 'ssh', trust?: TransportTrust, signal?: AbortSignal): DriverContext {
  return {
    logger,
    requestTimeoutMs: config.http.requestTimeoutMs,
    maxResponseBytes: config.http.maxResponseBytes,
    transport,
    trust,
    signal,
  };
}

export function loginBudget(config: Config, stateDir: string): LoginBudget {
  return new LoginBudget({
    file: path.join(stateDir, 'login-attempts.json'),
    attempts: config.login.attemptsPerWindow,
    windowMinutes: config.login.windowMinutes,
  });
}

export interface OpenedRouter extends ChosenRouter, LoginResult {
  /** This run's hold on the router (absent when opened without a lock). */
  lock?: RouterLock | undefined;
  /** The pins this run used; first sightings are saved by closeRouter. */
  trust?: TrustSession | undefined;
}

export interface OpenOptions {
  /** One routerctl per router at a time (src/core/lock.ts); absent = no lock (library use, tests). */
  lock?: LockOptions | undefined;
  /** Certificate and host-key pins; default: the state dir's trust store. */
  trust?: TrustSession | undefined;
  login?: LoginPolicy | undefined;
  /**
   * The caller gave up (diagnose's router phase ran out of time): the lock wait, the login and the
   * session's requests end at once instead of running on in the background and holding the process.
   */
  signal?: AbortSignal | undefined;
}

export async function openRouter(
  config: Config,
  stateDir: string,
  logger: AppLogger,
  sel: RouterSelection,
  credentials: Omit<CredentialSources, 'defaults' | 'saved'> & {
    givenUser?: string | undefined;
    givenPassword?: string | undefined;
    lookupSaved?: ((host: string) => Promise<Credentials | undefined>) | undefined;
  },
  opts: OpenOptions = {},
): Promise<OpenedRouter> {
  const chosen = await chooseRouter(config, sel, logger);
  // Taken before the login: a second session must not even log in while the first works.
  const lock = opts.lock ? await lockRouter(stateDir, chosen.target.host, { ...opts.lock, signal: opts.signal }) : undefined;
  if (lock) logger.debug('router lock acquired', { host: chosen.target.host, pid: process.pid });
  let trust: TrustSession | undefined;
  try {
    trust = opts.trust ?? (await TrustSession.open(TrustStore.inStateDir(stateDir), logger));
    const saved = credentials.givenPassword === undefined ? await credentials.lookupSaved?.(chosen.target.host) : undefined;
    const username = credentials.givenUser ?? chosen.driver.defaultUser;
    const given: Credentials | undefined = credentials.givenPassword !== undefined ? { username, password: credentials.givenPassword } : undefined;
    const defaults = config.login.tryDefaults && !given ? (config.login.defaults[chosen.driver.family] ?? []) : [];
    logger.debug('logging in', { host: chosen.target.host, family: chosen.driver.family, user: username, https: chosen.target.https === true });
    const result = await login(
      chosen.driver,
      chosen.target,
      { ...credentials, given, saved, defaults },
      loginBudget(config, stateDir),
      driverContext(config, logger, sel.transport, trust, opts.signal),
      { ...opts.login, signal: opts.signal },
    );
    return { ...chosen, ...result, lock, trust };
  } catch (err) {
    await trust?.flush().catch(() => undefined);
    await releaseLock(lock, logger);
    throw withHttpsAdvice(err, sel);
  }
}

/** A router named with --host that only serves HTTPS: say how to name it so. */
function withHttpsAdvice(err: unknown, sel: RouterSelection): unknown {
  if (!(err instanceof ProtocolError) || !sel.host) return err;
  const to = err.details['redirectTo'];
  if (typeof to !== 'string' || !to.startsWith('https://')) return err;
  return new ProtocolError(`${err.message}; name it with --host ${to}`, err.details);
}

async function releaseLock(lock: RouterLock | undefined, logger: AppLogger): Promise<void> {
  if (!lock) return;
  await lock.release();
  logger.debug('router lock released', { host: lock.host, pid: process.pid });
}

/** Logs out, saves first-use pins, releases the lock; never throws. */
export async function closeRouter(router: OpenedRouter, logger: AppLogger): Promise<void> {
  await closeQuietly(router.session);
  await router.trust?.flush().catch(() => undefined);
  await releaseLock(router.lock, logger).catch(() => undefined);
}

export async function closeQuietly(session: DriverSession | undefined): Promise<void> {
  await session?.close().catch(() => undefined);
}
