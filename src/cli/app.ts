// The context every command builds first: merged config, paths, the redacting logger, a printer.
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { appPaths, ensurePrivateDirSync, type AppPaths } from '../config/paths.js';
import type { Config, DeepPartial } from '../config/schema.js';
import { createLogger, type AppLogger } from '../log/logger.js';
import { createPrinter, type Printer } from './output.js';

export interface GlobalArgs {
  config?: string | undefined;
  verbose?: boolean | undefined;
  json?: boolean | undefined;
}

export interface App {
  config: Config;
  paths: AppPaths;
  logger: AppLogger;
  printer: Printer;
  env: NodeJS.ProcessEnv;
  /** A person can answer prompts (stdin and stderr are terminals, and not --json). */
  interactive: boolean;
}

export function createApp(args: GlobalArgs, overrides?: DeepPartial<Config>, env: NodeJS.ProcessEnv = process.env): App {
  const config = loadConfig({ configFile: args.config, env, overrides });
  const paths = appPaths(env);
  ensurePrivateDirSync(paths.stateDir);
  const logger = createLogger({
    level: args.verbose ? 'debug' : config.log.level === 'info' ? 'warn' : config.log.level,
    logFile: config.log.file ?? path.join(paths.stateDir, 'routerctl.log'),
    maxFileBytes: config.log.maxFileBytes,
    maxFiles: config.log.maxFiles,
    jsonConsole: Boolean(args.json),
    env,
  });
  const json = Boolean(args.json);
  return {
    config,
    paths,
    logger,
    printer: createPrinter(json),
    env,
    interactive: !json && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY),
  };
}
