// Logging in without risking a lockout: credentials are tried in a fixed order (given, saved, the
// family's factory defaults), a wrong password is never retried, and every failure counts against
// the per-router budget that persists across runs.
import type { Credentials, Driver, DriverContext, DriverSession, Target } from '../../drivers/types.js';
import { AuthError, LockedOutError } from './errors.js';
import type { LoginBudget } from './login-budget.js';

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

export async function login(driver: Driver, target: Target, sources: CredentialSources, budget: LoginBudget, ctx: DriverContext): Promise<LoginResult> {
  const attempt = async (credentials: Credentials, source: LoginResult['source']): Promise<LoginResult> => {
    await budget.ensureAttemptAllowed(target.host);
    try {
      const session = await driver.connect(target, credentials, ctx);
      await budget.recordSuccess(target.host);
      return { session, credentials, source };
    } catch (err) {
      if (err instanceof AuthError || err instanceof LockedOutError) await budget.recordFailure(target.host);
      throw err;
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
