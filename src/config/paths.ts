// Where routerctl keeps its files. env-paths follows each OS's conventions (XDG on Linux,
// ~/Library on macOS, %APPDATA% on Windows). env-paths has no `state` key: its `log` key is
// $XDG_STATE_HOME/routerctl on Linux, which is where history, backups and logs belong.
//
// Overrides (tests and the lab use them so nothing touches the real home directory):
//   ROUTERCTL_CONFIG_DIR  → configDir (config.yaml, credentials.json)
//   ROUTERCTL_STATE_DIR   → stateDir  (logs, login budget, backups/)
// env-paths reads process.env itself, so when a different `env` object is passed, its
// XDG_CONFIG_HOME / XDG_STATE_HOME are honoured here on Linux as well.
import { chmodSync, mkdirSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';

export const APP_NAME = 'routerctl';

export interface AppPaths {
  configDir: string;
  stateDir: string;
  backupsDir: string;
}

export function appPaths(env: NodeJS.ProcessEnv = process.env): AppPaths {
  const osPaths = envPaths(APP_NAME, { suffix: '' });
  const linux = process.platform !== 'darwin' && process.platform !== 'win32';
  const xdg = (name: 'XDG_CONFIG_HOME' | 'XDG_STATE_HOME'): string | undefined => {
    const value = env[name];
    // The XDG spec says relative values are invalid and must be ignored.
    return linux && value && path.isAbsolute(value) ? path.join(value, APP_NAME) : undefined;
  };
  const configDir = path.resolve(env.ROUTERCTL_CONFIG_DIR || xdg('XDG_CONFIG_HOME') || osPaths.config);
  const stateDir = path.resolve(env.ROUTERCTL_STATE_DIR || xdg('XDG_STATE_HOME') || osPaths.log);
  return { configDir, stateDir, backupsDir: path.join(stateDir, 'backups') };
}

/**
 * mkdir -p with mode 0700, and tighten the leaf to 0700 if it already existed looser: the folders
 * hold credentials, backups with WAN passwords and logs. Parents are not touched (e.g. ~/.config).
 */
export async function ensurePrivateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700);
  return dir;
}

export function ensurePrivateDirSync(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  return dir;
}
