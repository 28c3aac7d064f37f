// Adapts the lab's family-neutral router options to the MikroTik emulator. SSH (doc §2.2) is not
// emulated: withSsh is ignored; pings from the router are not offered by the driver.
import type { LabRouterOptions, RunningEmulator } from '../../emulator-types.js';
import { startMikrotikEmulator } from './index.js';

export function startLabRouter(o: LabRouterOptions): Promise<RunningEmulator> {
  return startMikrotikEmulator({ host: o.host, httpPort: 0, adminPassword: o.adminPassword, wan: { ...o.wan }, upstream: o.upstream, timings: o.timings });
}
