// `routerctl report --out report.html [--since 7d] [--json]`: the technician report — one
// self-contained HTML page (or, with --json, the same data as one JSON bundle).
import { writeFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { loadBundle } from '../../report/bundle.js';
import { renderHtml } from '../../report/html.js';
import { parseDuration } from '../../watch/schedule.js';
import type { App, GlobalArgs } from '../app.js';

export interface ReportArgs extends GlobalArgs {
  out?: string | undefined;
  since?: string | undefined;
}

export async function writeReportFile(file: string, html: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, html, { mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new UsageError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file });
  }
}

export async function runReport(app: App, args: ReportArgs): Promise<Record<string, unknown>> {
  if (!args.out && !args.json) throw new UsageError('name the page to write with --out report.html (or use --json for the data)');
  const now = Date.now();
  const since = args.since ?? '7d';
  const bundle = await loadBundle({ stateDir: app.paths.stateDir, sinceMs: now - parseDuration(since, now), untilMs: now, historyFiles: app.config.watch.history.maxFiles });
  if (args.out) {
    const file = path.resolve(args.out);
    await writeReportFile(file, renderHtml(bundle));
    app.printer.line(`Report written to ${file} (${bundle.summary.cycles} checks, ${bundle.outages.length} outages${bundle.diagnosis ? '' : ', no diagnosis yet'}). It opens in any browser, offline.`);
    if (args.json) return { file, ...bundle };
    return { file, cycles: bundle.summary.cycles, outages: bundle.outages.length };
  }
  return { ...bundle };
}
