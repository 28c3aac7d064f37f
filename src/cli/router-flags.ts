// The target flags every router command takes. Kept free of heavy imports: `--help` loads this.
import type { Argv } from 'yargs';

export interface RouterArgs {
  host?: string | undefined;
  driver?: string | undefined;
  user?: string | undefined;
  'password-file'?: string | undefined;
  transport?: 'http' | 'ssh' | undefined;
  save?: boolean | undefined;
  /** Seconds to wait for another routerctl working on the same router (0 = exit with `busy` at once). */
  wait?: number | undefined;
}

export function withRouterOptions<T>(y: Argv<T>): Argv<T & RouterArgs> {
  return y
    .option('host', { type: 'string', describe: 'router address HOST[:PORT] (skips discovery)' })
    .option('driver', { type: 'string', describe: 'router family, e.g. openwrt (skips fingerprinting)' })
    .option('user', { type: 'string', describe: 'admin user name (default: the family\'s usual one)' })
    .option('password-file', { type: 'string', describe: 'file whose first line is the admin password (or set ROUTERCTL_PASSWORD)' })
    .option('transport', { choices: ['http', 'ssh'] as const, describe: 'how to talk to the router when its family offers both' })
    .option('save', { type: 'boolean', describe: 'remember the credentials used (file mode 0600)' })
    .option('wait', { type: 'number', describe: 'seconds to wait while another routerctl works on the same router (default 60; 0: exit with code 12 at once)' }) as unknown as Argv<T & RouterArgs>;
}

