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
      'diagnose',
      'why the internet does not work: checks this device, the router and the provider, and names the cause',
      (y) =>
        withRouterOptions(y)
          .option('lang', { choices: ['en', 'ru', 'uk'] as const, describe: 'language of the report (default: from the OS locale)' })
          .option('isp', { type: 'string', describe: 'provider profile from config/isp/ (default: recognised from the router)' })
          .option('password-changed', { type: 'boolean', describe: 'I changed the home-internet password in the provider\'s cabinet' })
          .option('throughput', { type: 'boolean', describe: 'also measure the download speed (about 10 s more)' })
          .example('$0 diagnose', 'one verdict with the steps to fix it')
          .example('$0 diagnose --json', 'every check with its values, for scripts (exit 0 ok, 1 warning, 2 critical, 3 could not run)'),
      async (a) => {
        // No exit timer: every probe, the router session and its lock end with the diagnosis
        // (test/e2e/diagnose-exit.test.ts holds that).
        process.exitCode = await (await import('./commands/diagnose.js')).runDiagnoseCommand(a);
      },
    )
    .command(
      'watch',
      'check on a schedule; log, remember, alert and (with --heal) fix what is safe; --once for system cron',
      (y) =>
        withRouterOptions(y)
          .option('schedule', { type: 'string', describe: 'cron expression (default watch.schedule: "*/5 * * * *"); at most one cycle a minute' })
          .option('once', { type: 'boolean', describe: 'run one cycle and exit (for system cron; the state carries over between runs)' })
          .option('full', { type: 'boolean', describe: 'with --once: the full diagnosis instead of the light cron cycle' })
          .option('jitter', { type: 'number', describe: 'random delay before each cycle, as a share of the interval (0-1; default 0.2)' })
          .option('heal', { type: 'boolean', describe: 'fix what is safe: sync a stored ISP password, ask the router to reconnect (rate-limited)' })
          .option('on-change', { type: 'string', describe: 'shell command run on each state change, given the event as JSON on stdin' })
          .option('webhook', { type: 'string', describe: 'URL that gets each state change as a JSON POST (retried, bounded)' })
          .option('ping-url', { type: 'string', describe: "dead-man's switch: GET URL/start before and URL/<code> after each cycle" })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics on HOST:PORT, e.g. 127.0.0.1:9464' })
          .option('inventory', { type: 'string', describe: 'YAML list of routers for /probe?target=NAME on the metrics endpoint' })
          .option('serve-only', { type: 'boolean', describe: 'with --metrics and --inventory: only answer probes, watch no router of its own' })
          .example('$0 watch --heal --webhook https://example.org/hook', 'every 5 minutes; alerts on changes; fixes a changed password')
          .example('*/5 * * * * routerctl watch --once', 'a crontab line instead of a running service'),
      async (a) => {
        (await import('../watch/runtime.js')).keepYoungGenerationSmall();
        await run(a, async (app, args) => (await import('./commands/watch.js')).runWatch(app, args));
        // Keep-alive sockets of a probe must not hold the process after the watch ended.
        setTimeout(() => process.exit(), 3000).unref();
      },
    )
    .command(
      'history',
      'what the watch saw: uptime, outages with their cause and duration, latency and loss',
      (y) => y.option('since', { type: 'string', default: '24h', describe: 'how far back: 30m, 24h, 7d, or a date' }),
      async (a) => run(a, async (app, args) => (await import('./commands/history.js')).runHistory(app, args)),
    )
    .command(
      'report',
      'a technician report: one self-contained HTML page (router, latest diagnosis, charts of the history)',
      (y) =>
        y
          .option('out', { type: 'string', describe: 'HTML file to write' })
          .option('since', { type: 'string', default: '7d', describe: 'history window: 24h, 7d, ...' })
          .example('$0 report --out report.html', 'open it in any browser, no network needed'),
      async (a) => run(a, async (app, args) => (await import('./commands/report.js')).runReport(app, args)),
    )
    .command(
      'trust',
      "check the router's HTTPS certificate and SSH host key against the trusted ones, and accept new ones (after a reset or a new router)",
      (y) =>
        y
          .option('host', { type: 'string', describe: 'router address HOST[:PORT], or https://HOST[:PORT] for an HTTPS-only web interface (default: discovery)' })
          .option('https-port', { type: 'number', describe: 'HTTPS port to check (default: from config)' })
          .option('ssh-port', { type: 'number', describe: 'SSH port to check (default: from config)' })
          .option('fingerprint', { type: 'string', describe: 'accept only this fingerprint (SHA256:…), as shown by a first run' })
          .option('yes', { type: 'boolean', describe: 'accept what the router presents now without asking' })
          .option('forget', { type: 'boolean', describe: 'forget what is trusted for this router (the next connection trusts on first use)' })
          .example('$0 trust --host 192.168.1.1', 'shows both fingerprints and asks')
          .example('$0 trust --host 192.168.1.1 --fingerprint SHA256:AB:CD:…', 'accepts exactly that certificate (scripts)'),
      async (a) => run(a, async (app, args) => (await import('./commands/trust.js')).runTrust(app, args)),
    )
    .command(
      'lab',
      'run the embedded lab (simulated ISP + emulated routers on loopback) until Ctrl+C',
      (y) =>
        y
          .option('admin-password-file', { type: 'string', describe: "file whose first line becomes the lab routers' admin password" })
          .option('speed', { choices: ['fast', 'realistic'] as const, default: 'realistic' as const, describe: 'reconnect delays' })
          .option('fault', { type: 'string', array: true, describe: 'start with a fault: dns_down, account_blocked, upstream_down, wan_cable, router_reset, router_down, slow, blackhole, mtu_blackhole' }),
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
    .command(
      'ui',
      'the customer wizard: a page in your browser that finds the router, checks the internet and puts in a new password',
      (y) =>
        withRouterOptions(y)
          .option('open', { type: 'boolean', default: true, describe: 'open the browser (--no-open: only print the link)' })
          .option('port', { type: 'number', describe: 'port on 127.0.0.1 (default: any free one)' })
          .example('$0 ui', 'opens the wizard in your browser')
          .example('$0 ui --no-open --json', 'prints {"url": ...} (a one-time link) and runs until Ctrl+C'),
      async (a) => {
        process.exitCode = await (await import('./commands/ui.js')).runUi(a);
        // Keep-alive sockets of the browser or of a probe must not hold the process after the wizard stopped.
        setTimeout(() => process.exit(), 2000).unref();
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
