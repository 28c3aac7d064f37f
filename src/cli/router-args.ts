// Flags shared by every command that talks to a router, and opening that router from them.
import { closeQuietly, openRouter, type OpenedRouter } from '../core/router.js';
import { readAdminPassword, SecretStore } from '../core/secrets.js';
import type { App } from './app.js';
import type { RouterArgs } from './router-flags.js';

export type { RouterArgs } from './router-flags.js';

/** Runs `work` on an open session and always logs out, also when `work` throws. */
export async function withRouter<R>(app: App, args: RouterArgs, work: (router: OpenedRouter, store: SecretStore) => Promise<R>): Promise<R> {
  const onSecret = (value: string): void => app.logger.addSecret(value);
  const store = SecretStore.inConfigDir(app.paths.configDir, { onSecret });
  const givenPassword = await readAdminPassword({
    passwordFile: args['password-file'],
    env: app.env,
    // Asked only after saved and factory logins were tried (see login()), so not here.
    prompt: false,
    onSecret,
    logger: app.logger,
  });
  const router = await openRouter(app.config, app.paths.stateDir, app.logger, { host: args.host, driver: args.driver, transport: args.transport }, {
    givenUser: args.user,
    givenPassword,
    lookupSaved: (host) => store.getRouter(host),
    onSecret,
    ask: app.interactive
      ? async (username) => readAdminPassword({ env: {}, prompt: true, interactive: true, message: `Admin password for ${username}:`, onSecret })
      : undefined,
  });
  try {
    if (args.save && router.source !== 'saved') await store.set(router.target.host, router.credentials);
    return await work(router, store);
  } finally {
    await closeQuietly(router.session);
  }
}

export function routerSummary(router: OpenedRouter): Record<string, unknown> {
  return {
    host: router.target.host,
    family: router.driver.family,
    model: router.discovered?.fingerprint?.model,
    firmware: router.discovered?.fingerprint?.firmware,
  };
}
