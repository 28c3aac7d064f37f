// Opens a link in the person's default browser: xdg-open (Linux, BSD), open (macOS), the shell's
// `start` (Windows). The link is passed as one argument, never through a shell line that could split
// or interpret it. Best effort: without a desktop (SSH session, server) the link is printed instead.
import { spawn } from 'node:child_process';

export function browserCommand(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): [string, string[]] | undefined {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  // Linux and the BSDs: only with a desktop session to show it on.
  if (!env['DISPLAY'] && !env['WAYLAND_DISPLAY']) return undefined;
  return ['xdg-open', [url]];
}

/** True when a browser was asked to open the link (it may still fail later, silently). */
export async function openBrowser(url: string): Promise<boolean> {
  const cmd = browserCommand(url);
  if (!cmd) return false;
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd[0], cmd[1], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
