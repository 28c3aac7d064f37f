// Adapts the lab's family-neutral router options to the ASUS emulator. SSH (doc §4.3) is not
// emulated: withSsh is ignored; pings from the router are not offered by the driver.
import type { LabRouterOptions, RunningEmulator } from '../../emulator-types.js';
import { startAsuswrtEmulator } from './index.js';

export function startLabRouter(o: LabRouterOptions): Promise<RunningEmulator> {
  return startAsuswrtEmulator({ host: o.host, httpPort: 0, adminPassword: o.adminPassword, wan: { ...o.wan }, upstream: o.upstream, timings: o.timings });
}
