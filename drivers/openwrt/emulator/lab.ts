// Adapts the lab's family-neutral router options to the OpenWrt emulator.
import type { LabRouterOptions, RunningEmulator } from '../../emulator-types.js';
import { startOpenWrtEmulator } from './index.js';

export function startLabRouter(o: LabRouterOptions): Promise<RunningEmulator> {
  return startOpenWrtEmulator({
    host: o.host,
    httpPort: 0,
    sshPort: o.withSsh ? 0 : null,
    rootPassword: o.adminPassword,
    wan: { ...o.wan },
    upstream: o.upstream,
    timings: o.timings,
    ...(o.reachable ? { reachable: o.reachable } : {}),
    // The lab router plays one with LuCI installed: its diagnostics page may ping.
    luciDiagnosticsAcl: true,
  });
}
