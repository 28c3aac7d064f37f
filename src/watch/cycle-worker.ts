// The child process of a running watch: reads one request (JSON) on stdin, does that cycle's work
// (cycle-work.ts), writes one reply (JSON) on stdout and exits. Nothing secret is in its arguments:
// the admin password comes from the environment or a file like for any command, the new WAN
// password for a heal from stdin. Ending with process.exit() also ends whatever a probe left open.
import { createApp, type App } from '../cli/app.js';
import { RouterctlError } from '../core/errors.js';
import { diagnoseCycle, routerHealActions, type LoginRefusal } from './cycle-work.js';
import type { WorkerReply, WorkerRequest } from './cycle-process.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function work(app: App, req: WorkerRequest, signal: AbortSignal): Promise<Omit<WorkerReply, 'maxRssKb'>> {
  const t = req.task;
  if (t.kind === 'diagnose') {
    const refusal: LoginRefusal = { refused: t.refused };
    const report = await diagnoseCycle(app, req.args, { lang: t.lang, boundMs: t.boundMs, refusal })({ light: t.light, signal });
    return { ok: true, report, ...(refusal.refused !== t.refused ? { refused: refusal.refused } : {}) };
  }
  const heal = routerHealActions(app, req.args);
  if (t.kind === 'sync') {
    const r = await heal.syncPassword(t.password, signal);
    return { ok: true, outcome: r.outcome };
  }
  await heal.reconnectWan(signal);
  return { ok: true };
}

async function main(): Promise<void> {
  let app: App | undefined;
  let reply: Omit<WorkerReply, 'maxRssKb'>;
  try {
    const req = JSON.parse(await readStdin()) as WorkerRequest;
    app = createApp(req.args, req.overrides, process.env);
    if (req.task.kind === 'sync') app.logger.addSecret(req.task.password);
    reply = await work(app, req, new AbortController().signal);
  } catch (err) {
    const code = err instanceof RouterctlError ? err.code : 'internal';
    reply = { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
  }
  const line = `${JSON.stringify({ ...reply, maxRssKb: process.resourceUsage().maxRSS })}\n`;
  await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
  await app?.logger.close();
  process.exit(0);
}

await main();
