// `routerctl lab`: the embedded lab in the foreground until SIGINT/SIGTERM.
import { readFile } from 'node:fs/promises';
import { startLab, type LabSpeed } from '../../lab/lab.js';
import { UsageError } from '../../core/errors.js';

export interface LabArgs {
  json?: boolean | undefined;
  'admin-password-file'?: string | undefined;
  speed?: LabSpeed | undefined;
}

export async function runLab(args: LabArgs): Promise<number> {
  let adminPassword: string | undefined;
  if (args['admin-password-file']) {
    const text = await readFile(args['admin-password-file'], 'utf8').catch(() => {
      throw new UsageError(`cannot read ${args['admin-password-file']}`);
    });
    adminPassword = text.split(/\r?\n/)[0];
    if (!adminPassword) throw new UsageError(`${args['admin-password-file']} is empty`);
  }
  const lab = await startLab({ adminPassword, speed: args.speed ?? 'realistic' });
  const summary = {
    routers: lab.routers.map((r) => ({
      family: r.family,
      address: r.address,
      httpPort: r.httpPort,
      sshPort: r.sshPort,
      adminUser: r.adminUser,
      adminPassword: r.adminPassword,
      wanAccount: r.wanAccount,
    })),
    ispControlUrl: lab.ispControlUrl,
    configPath: lab.configPath,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`The lab is running (Ctrl+C stops it).\n`);
    for (const r of lab.routers) {
      process.stdout.write(`  ${r.family} router at ${r.address} (web ${r.httpPort}${r.sshPort ? `, ssh ${r.sshPort}` : ''}); admin user ${r.adminUser}; ISP login ${r.wanAccount.username}\n`);
    }
    process.stdout.write(`  ISP control: POST ${lab.ispControlUrl}/accounts/<login> {"password": "..."}\n`);
    process.stdout.write(`  Use it with: routerctl --config ${lab.configPath} wan show\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await lab.close();
  return 0;
}
