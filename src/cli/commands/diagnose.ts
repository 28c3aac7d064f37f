// `routerctl diagnose`: why the internet does not work, from both sides of the router, in one verdict.
// Exit codes follow the Nagios plugin convention (0 ok, 1 warning, 2 critical, 3 could not run), so
// cron and monitoring tools read them as they are.
import { readWanSamples } from '../../watch/history.js';
import { diagnose } from '../../diagnostics/diagnose.js';
import { latestBackup } from '../../diagnostics/diagnose.js';
import type { OpenRouterFn } from '../../diagnostics/context.js';
import { renderHuman, styleFor } from '../../diagnostics/present.js';
import { detectLang, t, type Lang, type MsgKey } from '../../i18n/index.js';
import { createApp, type App, type GlobalArgs } from '../app.js';
import { reportError } from '../output.js';
import { routerAccess, withRouter, type RouterArgs } from '../router-args.js';
import { builtinProfileDir } from '../../diagnostics/isp-profile.js';
import path from 'node:path';

export interface DiagnoseArgs extends GlobalArgs, RouterArgs {
  lang?: Lang | undefined;
  isp?: string | undefined;
  'password-changed'?: boolean | undefined;
  throughput?: boolean | undefined;
}

/** Quotes an argument for a command line a person copies (POSIX shell). */
function shellArg(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The same target flags the person used, so the suggested command reaches the same router. */
function commandFor(args: DiagnoseArgs, sub: string): string {
  const parts = ['routerctl'];
  if (args.config) parts.push('--config', shellArg(args.config));
  parts.push(...sub.split(' '));
  if (args.host) parts.push('--host', shellArg(args.host));
  if (args.driver) parts.push('--driver', shellArg(args.driver));
  if (args.transport) parts.push('--transport', args.transport);
  return parts.join(' ');
}

function openRouterWith(app: App, args: DiagnoseArgs): OpenRouterFn {
  return (work, signal) => withRouter(app, args, (router, store) => work(routerAccess(router, store)), { signal });
}

async function askYesNo(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message, default: true }, { output: process.stderr });
  } catch {
    return false;
  }
}

export async function runDiagnoseCommand(args: DiagnoseArgs): Promise<number> {
  let app: App | undefined;
  try {
    app = createApp(args);
    const a = app;
    const lang: Lang = args.lang ?? a.config.diagnostics.lang ?? detectLang(a.env);
    const result = await diagnose({
      config: a.config,
      lang,
      flags: { passwordChanged: Boolean(args['password-changed']), throughput: Boolean(args.throughput), isp: args.isp },
      logger: a.logger,
      openRouter: openRouterWith(a, args),
      profileDirs: [builtinProfileDir(), path.join(a.paths.configDir, 'isp')],
      wanHistory: () => readWanSamples(a.paths.stateDir, a.config.watch.history.maxFiles, Date.now() - 86_400_000),
      commands: { syncPassword: commandFor(args, 'wan set-password') },
      restoreCommand: async (host) => {
        const file = await latestBackup(a.paths.backupsDir, host);
        return file ? commandFor(args, `restore ${shellArg(file)}`) : undefined;
      },
      onPhase: (phase) => a.printer.progress(t(lang, `ui.progress.${phase}` as MsgKey)),
    });
    const { report } = result;
    a.logger.info('diagnosis finished', { verdict: report.verdict.id, exit: report.exit_code, ms: report.duration_ms });
    if (a.printer.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return report.exit_code;
    }
    process.stdout.write(renderHuman(report, { lang, verbose: Boolean(args.verbose), style: styleFor(process.stdout), facts: result.context.facts }));
    const heal = report.verdict.heal;
    if (heal?.action === 'sync_password' && heal.command) {
      process.stdout.write(`${t(lang, 'ui.heal.wizard')}\n`);
      if (a.interactive && (await askYesNo(t(lang, 'ui.heal.ask')))) {
        const { runSetPassword } = await import('./wan.js');
        await runSetPassword(a, args);
      } else if (a.interactive) {
        process.stdout.write(`${t(lang, 'ui.heal.declined', { command: heal.command })}\n`);
      }
    }
    return report.exit_code;
  } catch (err) {
    app?.logger.error('diagnosis could not run', { error: err instanceof Error ? err.message : String(err) });
    reportError(err, Boolean(args.json));
    return 3;
  } finally {
    await app?.logger.close();
  }
}
