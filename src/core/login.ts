// Logging in without risking a lockout, for every family in one place: credentials are tried in a
// fixed order (given, saved, the family's factory defaults, a prompt), a wrong password is never
// retried, every refusal counts against the per-router budget that persists across runs, and what the
// router says about its own lock (time left, attempts left) is kept and reported.
// Polite: when the router says a person is logged in (single-admin firmware), routerctl does not
// kick them out; it waits (bounded, saying so) or stops with `busy`.
import type { Credentials, Driver, DriverContext, DriverSession, Target } from '../../drivers/types.js';
import { AuthError, LockedOutError, RouterctlError, TimeoutError } from './errors.js';
import { moreTime, type LoginBudget, type RouterLockout } from './login-budget.js';

export interface CredentialSources {
  /** From --user plus --password-file / ROUTERCTL_PASSWORD. */
  given?: Credentials | undefined;
  saved?: Credentials | undefined;
  defaults: Credentials[];
  /** Asks a person; absent when nobody can answer (no TTY, --json, cron). */
  ask?: ((username: string) => Promise<string | undefined>) | undefined;
  onSecret: (value: string) => void;
}

export interface LoginResult {
  session: DriverSession;
  credentials: Credentials;
  source: 'given' | 'saved' | 'default' | 'prompt';
}

export interface LoginPolicy {
  /**
   * How long to wait while the router says another administrator is logged in (single-admin
   * firmware) before giving up with `busy`; 0 = do not wait. Waiting never kicks them out.
   */
  waitForOtherAdminMs?: number | undefined;
  /** Pause between two looks while waiting. */
  otherAdminPollMs?: number | undefined;
  /** Told once when routerctl starts waiting (the CLI prints it). */
  onWait?: ((message: string) => void) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The caller gave up: no new attempt, no more waiting (DriverContext.signal ends the one in flight). */
  signal?: AbortSignal | undefined;
}

/** The driver's way of saying "a person is logged in to the router": code busy, reason admin_logged_in. */
export function isOtherAdminLoggedIn(err: unknown): err is RouterctlError {
  return err instanceof RouterctlError && err.code === 'busy' && err.details['reason'] === 'admin_logged_in';
}

function lockoutOf(err: RouterctlError): RouterLockout {
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  return { attemptsLeft: n(err.details['attemptsLeft']), lockedForSeconds: err instanceof LockedOutError ? n(err.details['retryAfterSeconds']) : undefined };
}

/** The router's own lockout data, in words ("locked for 4 more minutes"), on top of the driver's message. */
function explained(err: AuthError | LockedOutError): RouterctlError {
  const { attemptsLeft, lockedForSeconds } = lockoutOf(err);
  if (err instanceof LockedOutError && lockedForSeconds !== undefined) {
    return new LockedOutError(`${err.message} The router says it stays locked for ${moreTime(lockedForSeconds)}.`, { ...err.details, source: 'router' });
  }
  if (err instanceof AuthError && attemptsLeft !== undefined) {
    return new AuthError(`${err.message} The router says ${attemptsLeft} attempt${attemptsLeft === 1 ? ' is' : 's are'} left before it locks.`, err.details);
  }
  return err;
}

export async function login(
  driver: Driver,
  target: Target,
  sources: CredentialSources,
  budget: LoginBudget,
  ctx: DriverContext,
  policy: LoginPolicy = {},
): Promise<LoginResult> {
  const { signal } = policy;
  const sleep = policy.sleep ?? ((ms: number) => abortableSleep(ms, signal));
  const attempt = async (credentials: Credentials, source: LoginResult['source']): Promise<LoginResult> => {
    const waitUntil = Date.now() + (policy.waitForOtherAdminMs ?? 0);
    let told = false;
    for (;;) {
      if (signal?.aborted) throw new TimeoutError('the login was cancelled: the caller stopped waiting', { host: target.host });
      // Checked before every knock (outside the try: our own refusal is not a failed login). Another
      // process may have spent the budget meanwhile.
      await budget.ensureAttemptAllowed(target.host);
      try {
        const session = await driver.connect(target, credentials, ctx);
        await budget.recordSuccess(target.host);
        return { session, credentials, source };
      } catch (err) {
        if (err instanceof AuthError || err instanceof LockedOutError) {
          await budget.recordFailure(target.host, lockoutOf(err));
          throw explained(err);
        }
        if (!isOtherAdminLoggedIn(err) || Date.now() >= waitUntil) throw err;
        if (!told) {
          told = true;
          policy.onWait?.(`someone is logged in to the router's web page; routerctl does not log them out and waits (up to ${moreTime((waitUntil - Date.now()) / 1000)})…`);
        }
        const hinted = typeof err.details['retryAfterSeconds'] === 'number' ? err.details['retryAfterSeconds'] * 1000 : undefined;
        await sleep(Math.max(50, Math.min(hinted ?? policy.otherAdminPollMs ?? 15_000, waitUntil - Date.now())));
      }
    }
  };

  // Given credentials are the user's intent: a refusal ends here, with no fallback guessing.
  if (sources.given) return attempt(sources.given, 'given');
  if (sources.saved) return attempt(sources.saved, 'saved');

  let lastError: unknown;
  for (const credentials of sources.defaults) {
    try {
      return await attempt(credentials, 'default');
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      lastError = err;
    }
  }
  if (sources.ask) {
    const username = driver.defaultUser;
    const password = await sources.ask(username);
    if (password !== undefined) {
      sources.onSecret(password);
      return attempt({ username, password }, 'prompt');
    }
  }
  if (lastError) throw new AuthError(`the router did not accept its factory login; give the admin password with --password-file or ROUTERCTL_PASSWORD`, { host: target.host });
  throw new AuthError('no admin password given: use --password-file FILE, ROUTERCTL_PASSWORD, or run in a terminal to be asked', { host: target.host });
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
