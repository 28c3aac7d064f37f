// Adapts the lab's family-neutral router options to the Keenetic emulator. Keenetic's SSH server is an
// optional component with the same CLI (doc §1, UNVERIFIED details) and is not emulated: withSsh is ignored.
import type { LabRouterOptions, RunningEmulator } from '../../emulator-types.js';
import { startKeeneticEmulator } from './index.js';

export function startLabRouter(o: LabRouterOptions): Promise<RunningEmulator> {
  return startKeeneticEmulator({
    host: o.host,
    httpPort: 0,
    adminPassword: o.adminPassword,
    wan: { ...o.wan },
    upstream: o.upstream,
    timings: o.timings,
  });
}
