// `routerctl lab`: the embedded lab in the foreground until SIGINT/SIGTERM.
import { readFile } from 'node:fs/promises';
import { startLab, type LabSpeed } from '../../lab/lab.js';
import { isLabFault, LAB_FAULTS } from '../../lab/faults.js';
import { UsageError } from '../../core/errors.js';

export interface LabArgs {
  json?: boolean | undefined;
  'admin-password-file'?: string | undefined;
  speed?: LabSpeed | undefined;
  fault?: string[] | undefined;
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
  const faults = (args.fault ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter((f) => f !== '');
  for (const f of faults) if (!isLabFault(f)) throw new UsageError(`unknown lab fault "${f}"; known: ${Object.keys(LAB_FAULTS).join(', ')}`);
  const lab = await startLab({ adminPassword, speed: args.speed ?? 'realistic', faults });
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
    process.stdout.write(`  ISP control: POST ${lab.ispControlUrl}/accounts/<login> {"password": "..."} or {"balance": -100}\n`);
    process.stdout.write(`  Faults: POST or DELETE ${lab.ispControlUrl}/faults/<name> (${Object.keys(LAB_FAULTS).join(', ')})${faults.length ? `; on now: ${faults.join(', ')}` : ''}\n`);
    process.stdout.write(`  Use it with: routerctl --config ${lab.configPath} wan show   (or: diagnose)\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await lab.close();
  return 0;
}
