// Helpers for the safety tests that drive the built CLI (npm run build first), on top of the e2e ones.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { DialRequest, DialResult, IspUpstream } from '../../../drivers/emulator-types.js';
import type { Sandbox } from '../../e2e/cli-helpers.js';

export { makeSandbox, startLabProcess, changeIspPassword, eventually, type Sandbox, type LabProcess, type CliRun } from '../../e2e/cli-helpers.js';

export interface LogRecord {
  level: string;
  message: string;
  timestamp: string;
  [k: string]: unknown;
}

/** The JSON-lines log every run of the sandbox wrote (state dir). */
export async function readLog(sandbox: Sandbox): Promise<LogRecord[]> {
  const text = await readFile(path.join(sandbox.dir, 'state', 'routerctl', 'routerctl.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogRecord];
      } catch {
        return [];
      }
    });
}

/** A config file pointing routerctl at emulators started by the test (short waits, no internet check). */
export async function writeConfig(
  sandbox: Sandbox,
  name: string,
  routers: { host: string; http: number; https?: number | undefined; ssh?: number | undefined }[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const file = path.join(sandbox.dir, name);
  const config = {
    discovery: {
      candidates: routers.map((r) => ({ host: r.host, http: r.http, https: r.https ?? false, ssh: r.ssh ?? false })),
      includeGateway: false,
      probeTimeoutMs: 800,
    },
    http: { requestTimeoutMs: 2000 },
    sync: { confirmWindowSeconds: 20, wanUpTimeoutSeconds: 4, pollIntervalMs: 100, authFailPolls: 3 },
    internet: { probeUrls: [], timeoutMs: 500 },
    ...extra,
  };
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, YAML.stringify(config));
  return file;
}

/** An ISP with one account that accepts exactly one password (changeable, like the cabinet). */
export class TestIsp implements IspUpstream {
  constructor(
    readonly username: string,
    public password: string,
  ) {}
  dial(req: DialRequest): DialResult {
    if (req.username !== this.username || req.password !== this.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.90.2', gateway: '100.64.90.1', dns: ['100.64.90.53'] };
  }
  hangup(): void {}
  onDrop(): () => void {
    return () => undefined;
  }
}
