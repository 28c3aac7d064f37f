// `routerctl backup --out FILE` and `routerctl restore FILE`.
import { readBackupFile, sameSettings, writeBackupFile } from '../../core/backup-file.js';
import { RouterctlError, UsageError } from '../../core/errors.js';
import type { App } from '../app.js';
import { routerSummary, withRouter, type RouterArgs } from '../router-args.js';

export async function runBackup(app: App, args: RouterArgs & { out?: string | undefined }): Promise<Record<string, unknown>> {
  if (!args.out) throw new UsageError('give the file to write with --out FILE');
  const out = args.out;
  return withRouter(app, args, async (router) => {
    const backup = await router.session.backup();
    await writeBackupFile(out, router.target.host, backup);
    app.printer.line(`Saved the router's internet settings to ${out} (readable only by you: it holds the password).`);
    return { router: routerSummary(router), file: out };
  });
}

export async function runRestore(app: App, args: RouterArgs & { file?: string | undefined }): Promise<Record<string, unknown>> {
  if (!args.file) throw new UsageError('give the backup file: routerctl restore FILE');
  const file = await readBackupFile(args.file);
  // The backup names its router; --host may point elsewhere on purpose (a replaced router), so only default it.
  return withRouter(app, { ...args, host: args.host ?? file.router.host, driver: args.driver ?? file.backup.family }, async (router) => {
    if (router.driver.family !== file.backup.family) {
      throw new UsageError(`${args.file} is a ${file.backup.family} backup, but ${router.target.host} is ${router.driver.family}`);
    }
    if (sameSettings(await router.session.backup(), file.backup)) {
      app.printer.line('The router already has exactly these settings; nothing to restore.');
      return { router: routerSummary(router), restored: false, identical: true };
    }
    await router.session.restore(file.backup);
    if (!sameSettings(await router.session.backup(), file.backup)) {
      throw new RouterctlError('restore_failed', `the router did not take the settings from ${args.file}; they are still safe in that file`);
    }
    app.printer.line(app.printer.good(`Restored the settings from ${args.file}.`));
    return { router: routerSummary(router), restored: true, identical: true };
  });
}
