// The diagnose workflow without the CLI: build the context, run the catalogue, decide, build the
// report. Everything that touches the OS or the router comes in through options, so tests run it
// in-process against the lab or against injected results.
import type { WanSample } from './stability.js';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { Lang } from '../i18n/index.js';
import type { DiagContext, DiagFlags, DiagLogger, OpenRouterFn } from './context.js';
import { osHostEnv, type HostEnv } from './host.js';
import { builtinProfileDir, chooseProfile, loadIspProfiles, type IspProfile } from './isp-profile.js';
import { buildReport, type Report } from './present.js';
import { runDiagnosis, type RunOutcome } from './runner.js';
import type { PhaseName } from './types.js';
import { decide, type Decision } from './verdict.js';

export interface DiagnoseOptions {
  config: Config;
  lang: Lang;
  flags: DiagFlags;
  logger: DiagLogger;
  openRouter?: OpenRouterFn | undefined;
  host?: HostEnv | undefined;
  /** Folders with ISP profiles; the built-in one (and the user's <config dir>/isp) by default. */
  profileDirs?: readonly string[] | undefined;
  commands?: { syncPassword: string; restore?: string | undefined } | undefined;
  /** Finds the restore command for a router host (latest automatic backup), when there is one. */
  restoreCommand?: ((host: string) => Promise<string | undefined>) | undefined;
  onPhase?: ((phase: PhaseName) => void) | undefined;
  /** The watch's history of the WAN (C10 counts reconnects from it). */
  wanHistory?: (() => Promise<WanSample[]>) | undefined;
  now?: (() => number) | undefined;
}

export interface Diagnosis {
  report: Report;
  decision: Decision;
  run: RunOutcome;
  context: DiagContext;
  profile?: IspProfile | undefined;
}

export function readCaFile(file: string | null): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').slice(0, 256 * 1024);
  } catch (err) {
    throw new ConfigError(`diagnostics.probes.caFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
}

/** The newest automatic backup of a host (backups are taken before every change, so it holds working settings). */
export async function latestBackup(backupsDir: string, host: string): Promise<string | undefined> {
  const prefix = `${host.replace(/[^A-Za-z0-9.-]/g, '_')}-`;
  const names = await readdir(backupsDir).catch(() => [] as string[]);
  const mine = names.filter((n) => n.startsWith(prefix) && n.endsWith('.json')).sort();
  const last = mine.at(-1);
  return last ? path.join(backupsDir, last) : undefined;
}

export async function diagnose(o: DiagnoseOptions): Promise<Diagnosis> {
  const profiles = loadIspProfiles(o.profileDirs ?? [builtinProfileDir()]);
  if (o.flags.isp) chooseProfile(profiles, { flag: o.flags.isp }); // an unknown --isp is a usage error before anything runs
  const ctx: DiagContext = {
    config: o.config,
    cfg: o.config.diagnostics,
    host: o.host ?? osHostEnv,
    flags: o.flags,
    profiles,
    facts: {},
    caPem: readCaFile(o.config.diagnostics.probes.caFile),
    logger: o.logger,
    wanHistory: o.wanHistory,
    now: o.now ?? Date.now,
  };
  const run = await runDiagnosis(ctx, { openRouter: o.openRouter, onPhase: o.onPhase });
  // No router (login failed, or skipped): the profile still comes from --isp or diagnostics.isp.
  ctx.facts.profile ??= chooseProfile(profiles, { flag: o.flags.isp, configured: o.config.diagnostics.isp });
  const profile = ctx.facts.profile.profile;
  const routerHost = ctx.facts.router?.host;
  const restore = routerHost && o.restoreCommand ? await o.restoreCommand(routerHost).catch(() => undefined) : undefined;
  const commands = { syncPassword: o.commands?.syncPassword ?? 'routerctl wan set-password', restore: o.commands?.restore ?? restore };
  const decision = decide({ results: run.results, facts: ctx.facts, profile, commands });
  const report = buildReport(run, decision, ctx.facts, o.lang, profile);
  return { report, decision, run, context: ctx, profile };
}
