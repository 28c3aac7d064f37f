// `routerctl demo` (= `npm start`): the whole story on the embedded lab, with no router at hand.
// A customer changes the home-internet password in the provider's cabinet; the router keeps the old
// one and the internet stops; routerctl finds the router, sees why, syncs the password, and the
// internet is back. Every step runs the same code as the real commands.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LAB_ROUTERS, EXTRA_LAB_ROUTERS, labRoutersFor, startLab, type LabSpeed } from '../../lab/lab.js';
import { createApp, type App } from '../app.js';
import { runDiscover } from './discover.js';
import { describeStatus, runSetPassword, runWanShow } from './wan.js';
import { RouterctlError, UsageError } from '../../core/errors.js';
import type { WanStatus } from '../../../drivers/types.js';

const NEW_PASSWORD = 'Autumn-2026!';

export async function runDemo(opts: { speed?: LabSpeed; verbose?: boolean; family?: string }): Promise<number> {
  const started = Date.now();
  const home = await mkdtemp(path.join(os.tmpdir(), 'routerctl-demo-'));
  const say = (text = ''): void => void process.stdout.write(`${text}\n`);
  const lab = await startLab({ speed: opts.speed ?? 'realistic', dir: home, routers: labRoutersFor(opts.family) });
  try {
    const router = lab.routers.find((r) => r.family === (opts.family ?? lab.routers[0]!.family));
    if (!router) throw new UsageError(`the lab has no ${opts.family} router; it can follow: ${[...DEFAULT_LAB_ROUTERS, ...EXTRA_LAB_ROUTERS].map((r) => r.family).join(', ')}`);
    // The story is told about one router: pick it the way a user would, by its family.
    const pick = { driver: router.family };
    const env = {
      ...process.env,
      ROUTERCTL_STATE_DIR: path.join(home, 'state'),
      ROUTERCTL_CONFIG_DIR: path.join(home, 'config'),
      ROUTERCTL_PASSWORD: router.adminPassword,
    };
    const quiet = createApp({ config: lab.configPath, verbose: opts.verbose, json: true }, undefined, env);
    const loud = createApp({ config: lab.configPath, verbose: opts.verbose }, undefined, env);

    say('routerctl demo — everything below runs against the embedded lab on 127.0.0.0/8; no real router is touched.');
    say(`  the lab: a provider (L2TP and PPPoE) and home routers: ${lab.routers.map((r) => `${r.family} at ${r.address}`).join(', ')}.`);
    say(`  the story follows the ${router.family} router; the customer's home-internet login is ${router.wanAccount.username}.`);
    await waitForState(quiet, pick, (s) => s.state === 'up', 30_000);
    say();
    say('1. Finding the router (the OS gateway and the usual addresses, probed in parallel)');
    await runDiscover(loud, {});
    say();
    say('2. The internet works:');
    await runWanShow(loud, pick);
    say();
    say(`3. The customer changes the home-internet password in the provider's cabinet (POST ${lab.ispControlUrl}/accounts/${router.wanAccount.username}).`);
    const res = await fetch(`${lab.ispControlUrl}/accounts/${encodeURIComponent(router.wanAccount.username)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: NEW_PASSWORD }),
    });
    if (!res.ok) throw new Error(`the lab ISP refused the password change (${res.status})`);
    say('   The provider ends the session; the router redials with the old password…');
    await waitForState(quiet, pick, (s) => s.reason === 'auth_failed', 30_000);
    say();
    say('4. routerctl diagnose --password-changed — the self-help check, as the customer sees it:');
    const before = await runDiagnoseChild(lab.configPath, router.family, env, ['--password-changed']);
    say();
    say('5. routerctl wan set-password (the new password comes from a hidden prompt, a file, stdin or ROUTERCTL_NEW_PASSWORD — never the command line)');
    const sync = createApp({ config: lab.configPath, verbose: opts.verbose }, undefined, { ...env, ROUTERCTL_NEW_PASSWORD: NEW_PASSWORD });
    await runSetPassword(sync, pick);
    say();
    say();
    say('6. routerctl diagnose again:');
    const after = await runDiagnoseChild(lab.configPath, router.family, env, []);
    if (before !== 2 || after !== 0) throw new RouterctlError('internal', `diagnose said ${before} before and ${after} after the sync (expected 2, then 0)`);
    say('In a browser instead of a terminal, the same steps are one page: routerctl ui');
    say(`Done in ${Math.round((Date.now() - started) / 100) / 10} s: the internet is back. (The demo's backups and logs were in a temporary folder, now removed.)`);
    await Promise.all([quiet, loud, sync].map((a) => a.logger.close()));
    return 0;
  } finally {
    await lab.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** The real `routerctl diagnose` in a child process: what a customer would type, with its exit code. */
async function runDiagnoseChild(configPath: string, family: string, env: NodeJS.ProcessEnv, extra: string[]): Promise<number> {
  const bin = fileURLToPath(new URL('../../../../bin/routerctl.js', import.meta.url));
  const child = spawn(process.execPath, [bin, '--config', configPath, 'diagnose', '--driver', family, '--lang', 'en', ...extra], {
    env: { ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'inherit', 'ignore'],
  });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 3)));
}

async function waitForState(app: App, pick: { driver: string }, done: (s: WanStatus) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: WanStatus | undefined;
  while (Date.now() < deadline) {
    const { status } = (await runWanShow(app, pick)) as { status: WanStatus };
    last = status;
    if (done(status)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new RouterctlError('timeout', `the lab router did not reach the expected state (last: ${last ? describeStatus(last) : 'unknown'})`);
}
