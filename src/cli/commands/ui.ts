// `routerctl ui`: the customer wizard — a page in the person's own browser, served on 127.0.0.1, that
// finds the router, logs in, runs the diagnosis, puts a new home-internet password in and offers the
// technician report. Runs until the page closes it, SIGINT/SIGTERM, or ui.idleSeconds without a request.
// `--no-open --json` prints one line {"url": ...} (the link with its one-time token) for scripts and tests.
import { detectLang } from '../../i18n/index.js';
import { openBrowser } from '../../ui/open-browser.js';
import { startUiServer } from '../../ui/server.js';
import type { StopReason } from '../../ui/state.js';
import { Wizard } from '../../ui/wizard.js';
import type { App, GlobalArgs } from '../app.js';
import { reportError } from '../output.js';
import type { RouterArgs } from '../router-args.js';

export interface UiArgs extends GlobalArgs, RouterArgs {
  open?: boolean | undefined;
  port?: number | undefined;
}

export async function runUi(args: UiArgs): Promise<number> {
  let app: App | undefined;
  try {
    const { createApp } = await import('../app.js');
    app = createApp(args);
    const a = app;
    const wizard = new Wizard({ app: a, args });
    const ui = await startUiServer({
      wizard,
      logger: a.logger,
      idleMs: a.config.ui.idleSeconds * 1000,
      port: args.port,
      defaultLang: a.config.diagnostics.lang ?? detectLang(a.env),
    });
    a.logger.info(`ui: serving the wizard on ${ui.origin}`);
    const onSignal = (): void => void ui.stop('signal');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const opened = args.open === false ? false : await openBrowser(ui.url);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ url: ui.url, origin: ui.origin, port: ui.port, opened, idleSeconds: a.config.ui.idleSeconds })}\n`);
    } else {
      process.stdout.write(
        `${opened ? 'The wizard is open in your browser.' : 'Open this link in your browser (it works once):'}\n  ${ui.url}\n` +
          `It stops after ${Math.round(a.config.ui.idleSeconds / 60)} min without use, or with Ctrl+C.\n`,
      );
    }
    const reason: StopReason = await ui.stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    a.logger.info(`ui: stopped (${reason})`);
    if (!args.json) process.stdout.write(reason === 'idle' ? 'The wizard stopped after a while without use.\n' : 'The wizard stopped.\n');
    return 0;
  } catch (err) {
    app?.logger.error('ui could not run', { error: err instanceof Error ? err.message : String(err) });
    return reportError(err, Boolean(args.json));
  } finally {
    await app?.logger.close();
  }
}
