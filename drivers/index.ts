// The registry: one line per router family. A family's folder holds its driver, fingerprint and
// emulator; the emulator is loaded lazily so the CLI does not pay for it.
import type { Driver } from './types.js';
import type { LabRouterOptions, RunningEmulator } from './emulator-types.js';
import { keeneticDriver } from './keenetic/index.js';
import { asuswrtDriver } from './asuswrt/index.js';
import { mikrotikDriver } from './mikrotik/index.js';
import { openwrtDriver } from './openwrt/index.js';

export interface FamilyEntry {
  driver: Driver;
  startLabRouter(options: LabRouterOptions): Promise<RunningEmulator>;
}

export const families: readonly FamilyEntry[] = [
  { driver: openwrtDriver, startLabRouter: async (o) => (await import('./openwrt/emulator/lab.js')).startLabRouter(o) },
  { driver: keeneticDriver, startLabRouter: async (o) => (await import('./keenetic/emulator/lab.js')).startLabRouter(o) },
  { driver: mikrotikDriver, startLabRouter: async (o) => (await import('./mikrotik/emulator/lab.js')).startLabRouter(o) },
  { driver: asuswrtDriver, startLabRouter: async (o) => (await import('./asuswrt/emulator/lab.js')).startLabRouter(o) },
];

export const drivers: readonly Driver[] = families.map((f) => f.driver);

export function findFamily(name: string): FamilyEntry | undefined {
  return families.find((f) => f.driver.family === name.toLowerCase());
}
