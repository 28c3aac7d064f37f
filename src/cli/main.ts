// routerctl's command line: yargs parsing and presentation; the work is in src/core and drivers/.
import yargs, { type Argv } from 'yargs';
import { EXIT_CODES } from '../core/errors.js';
import type { App, GlobalArgs } from './app.js';
import { reportError } from './output.js';
import { withRouterOptions } from './router-flags.js';

type Handler<A> = (app: App, args: A) => Promise<Record<string, unknown>>;

/** Runs a command that returns a result object, then prints it (--json) and sets the exit status. */
async function run<A extends GlobalArgs>(args: A, handler: Handler<A>): Promise<void> {
  let app: App | undefined;
  try {
    // Loaded here, not at the top: `--help` and usage errors should not pay for config, logger, drivers.
    const { createApp } = await import('./app.js');
    app = createApp(args);
    const result = await handler(app, args);
    app.printer.result(result);
    process.exitCode = EXIT_CODES.ok;
  } catch (err) {
    app?.logger.error('command failed', { error: err instanceof Error ? err.message : String(err) });
    process.exitCode = reportError(err, Boolean(args.json));
  } finally {
    await app?.logger.close();
  }
}

const lazy = {
  discover: () => import('./commands/discover.js'),
  wan: () => import('./commands/wan.js'),
  backup: () => import('./commands/backup.js'),
};

function setPasswordOptions<T>(y: Argv<T>) {
  return withRouterOptions(y)
    .option('new-password-file', { type: 'string', describe: 'file holding the new home-internet password' })
    .option('new-password-stdin', { type: 'boolean', describe: 'read the new password from stdin' })
    .option('new-username', { type: 'string', describe: 'also change the home-internet login' })
    .option('dry-run', { type: 'boolean', describe: 'show what would change and change nothing' })
    .example('$0 wan set-password', 'asks for the new password twice (hidden) and syncs it')
    .example('pass show isp | $0 wan set-password --new-password-stdin --json', 'for scripts');
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('routerctl')
    .usage('$0 <command> [options]\n\nTakes care of your home router: finds it, checks why the internet is down, and puts a new home-internet password into it.')
    .option('config', { type: 'string', describe: 'extra config file (YAML), on top of the user config' })
    .option('json', { type: 'boolean', describe: 'print one JSON object as the result' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'debug logging on stderr' })
    .command(
      'discover',
      'find the router: the OS gateway and the usual addresses, probed in parallel',
      async (y) => (await lazy.discover()).discoverOptions(y),
      async (a) => run(a, async (app, args) => (await lazy.discover()).runDiscover(app, args)),
    )
    .command('wan', 'the home-internet (WAN) connection', (y) =>
      y
        .command(
          'show',
          'show the WAN settings and state (why it is down)',
          (yy) => withRouterOptions(yy),
          async (a) => run(a, async (app, args) => (await lazy.wan()).runWanShow(app, args)),
        )
        .command(
          ['set-password', 'sync-password'],
          'put the new home-internet password into the router, safely (backup, apply, verify, roll back)',
          (yy) => setPasswordOptions(yy),
          async (a) => run(a, async (app, args) => (await lazy.wan()).runSetPassword(app, args)),
        )
        .demandCommand(1, 'name a wan command: show or set-password'),
    )
    .command(
      'sync-password',
      'same as `wan set-password`',
      (y) => setPasswordOptions(y),
      async (a) => run(a, async (app, args) => (await lazy.wan()).runSetPassword(app, args)),
    )
    .command(
      'backup',
      'save the settings a change may touch to a file (0600)',
      (y) => withRouterOptions(y).option('out', { type: 'string', demandOption: true, describe: 'file to write' }),
      async (a) => run(a, async (app, args) => (await lazy.backup()).runBackup(app, args)),
    )
    .command(
      'restore <file>',
      'put the settings from a backup file back into the router',
      (y) => withRouterOptions(y).positional('file', { type: 'string', describe: 'backup file' }),
      async (a) => run(a, async (app, args) => (await lazy.backup()).runRestore(app, args)),
    )
    .command(
      'lab',
      'run the embedded lab (simulated ISP + emulated routers on loopback) until Ctrl+C',
      (y) =>
        y
          .option('admin-password-file', { type: 'string', describe: "file whose first line becomes the lab routers' admin password" })
          .option('speed', { choices: ['fast', 'realistic'] as const, default: 'realistic' as const, describe: 'reconnect delays' }),
      async (a) => {
        try {
          process.exitCode = await (await import('./commands/lab.js')).runLab(a);
        } catch (err) {
          process.exitCode = reportError(err, Boolean(a.json));
        }
      },
    )
    .command(
      'demo',
      'the whole story on the embedded lab: password changed in the cabinet -> internet down -> synced -> back',
      (y) =>
        y
          .option('speed', { choices: ['fast', 'realistic'] as const, default: 'realistic' as const })
          .option('driver', { type: 'string', describe: 'which lab router the story follows (openwrt, keenetic)' }),
      async (a) => {
        try {
          process.exitCode = await (await import('./commands/demo.js')).runDemo({ speed: a.speed, verbose: a.verbose, family: a.driver });
        } catch (err) {
          process.exitCode = reportError(err, false);
        }
      },
    )
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .epilogue('Exit codes: 0 ok, 2 bad usage, 3 bad config, 4 router refused the login, 5 locked out, 6 unreachable, 7 not found, 8 protocol error, 9 unsupported, 10 change rolled back, 11 restore failed, 12 busy.')
    .fail((message, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help() ? '' : ''}error: ${message}\nRun routerctl --help for usage.\n`);
      process.exit(EXIT_CODES.usage);
    })
    .wrap(Math.min(110, process.stdout.columns || 100));
}

export async function main(argv: string[]): Promise<void> {
  await buildCli(argv).parseAsync();
}
