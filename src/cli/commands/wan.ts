// `routerctl wan show` and `routerctl wan set-password` (alias `sync-password`).
import { syncPassword, syncSettings, type SyncResult } from '../../core/sync-password.js';
import { readNewWanPassword, wanKey } from '../../core/secrets.js';
import { UsageError } from '../../core/errors.js';
import type { App } from '../app.js';
import { routerSummary, withRouter, type RouterArgs } from '../router-args.js';
import type { WanStatus } from '../../../drivers/types.js';

export function describeStatus(s: WanStatus): string {
  if (s.state === 'up') return `connected${s.ipv4 ? `, address ${s.ipv4}` : ''}${s.uptimeSeconds !== undefined ? `, for ${s.uptimeSeconds} s` : ''}`;
  if (s.state === 'connecting') return 'connecting…';
  const why: Record<string, string> = {
    auth_failed: 'the provider rejects the login or password',
    no_carrier: 'no signal on the provider cable',
    server_unreachable: "the provider's server does not answer",
    disabled: 'switched off on the router',
    negotiation_failed: 'the connection is set up but then dropped',
  };
  return `not connected${s.reason ? `: ${why[s.reason] ?? s.reason.replace(/_/g, ' ')}` : ''}`;
}

export async function runWanShow(app: App, args: RouterArgs): Promise<Record<string, unknown>> {
  return withRouter(app, args, async (router) => {
    const [wan, status] = [await router.session.readWan(), await router.session.wanStatus()];
    const p = app.printer;
    p.line(`${p.heading('Router')}  ${router.target.host} (${router.driver.family})`);
    p.line(`${p.heading('Internet connection')}  ${wan.proto.toUpperCase()}${wan.server ? ` to ${wan.server}` : ''}${wan.username ? `, login ${wan.username}` : ''}`);
    p.line(`${p.heading('State')}  ${status.state === 'up' ? p.good(describeStatus(status)) : p.bad(describeStatus(status))}`);
    if (status.reason === 'auth_failed') p.line('Your provider does not accept the password stored in the router. If you changed it recently, run: routerctl wan set-password');
    return { router: routerSummary(router), wan, status };
  });
}

export interface SetPasswordArgs extends RouterArgs {
  'new-password-file'?: string | undefined;
  'new-password-stdin'?: boolean | undefined;
  'new-username'?: string | undefined;
  'dry-run'?: boolean | undefined;
}

export async function runSetPassword(app: App, args: SetPasswordArgs): Promise<Record<string, unknown>> {
  const onSecret = (v: string): void => app.logger.addSecret(v);
  const newPassword = await readNewWanPassword({
    file: args['new-password-file'],
    stdin: args['new-password-stdin'],
    env: app.env,
    prompt: app.interactive,
    onSecret,
    logger: app.logger,
  });
  if (newPassword === undefined) {
    throw new UsageError('no new password given: use --new-password-file FILE, --new-password-stdin, ROUTERCTL_NEW_PASSWORD, or run in a terminal to be asked');
  }
  return withRouter(app, args, async (router, store) => {
    const p = app.printer;
    const c = app.config;
    app.logger.info('password sync started', { host: router.target.host, family: router.driver.family, dryRun: Boolean(args['dry-run']) });
    const result: SyncResult = await syncPassword(router.session, {
      ...syncSettings(c, app.paths.backupsDir, router.target.host),
      maxCredentialBytes: router.driver.maxCredentialBytes,
      newPassword,
      newUsername: args['new-username'],
      dryRun: Boolean(args['dry-run']),
      onProgress: (step, message, extra) => {
        app.logger.debug(`sync: ${message}`, { step, ...extra });
        p.progress(message);
      },
    });
    app.logger.info('password sync finished', { host: router.target.host, outcome: result.outcome, seconds: result.seconds });
    if (args.save && result.outcome === 'applied') await store.set(wanKey(router.target.host), newPassword);
    if (result.outcome === 'dry_run') p.line(`Dry run: would change ${result.changes.join(', ')} on ${router.target.host}; nothing was changed.`);
    else if (result.outcome === 'unchanged') p.line(`The router already has this password; nothing to change. State: ${result.status ? describeStatus(result.status) : 'unknown'}.`);
    else {
      p.line(p.good(`The new password works: ${result.status ? describeStatus(result.status) : 'connected'}.`));
      p.line(result.internet?.ok ? p.good('The internet works again.') : p.bad('The connection is up, but the internet check did not answer yet; run `routerctl wan show` in a minute.'));
      p.line(`Backup of the previous settings: ${result.backupFile ?? '-'}`);
    }
    return { router: routerSummary(router), ...result };
  });
}
