// What the Keenetic driver's modules share: names, capabilities, input checks.
import { RouterctlError } from '../../src/core/errors.js';
import type { Capability } from '../types.js';

export const FAMILY = 'keenetic';
export const VENDOR = 'Keenetic';

export const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'readWan',
  'wanStatus',
  'backup',
  'setWanCredentials',
  'reconnectWan',
]);

/** Interface ids as RCI names them: `PPPoE0`, `GigabitEthernet1`, `WifiMaster0/AccessPoint0` (doc §4.1). */
export const IFACE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,31}(\/[A-Za-z][A-Za-z0-9_-]{0,31})?$/;

/** Keys never copied out of untrusted JSON into plain objects. */
export function isUnsafeKey(k: string): boolean {
  return k === '__proto__' || k === 'constructor' || k === 'prototype';
}

/**
 * Refuses values the router cannot store exactly. JSON carries any character, but the router keeps its
 * configuration as CLI text lines (doc §4.2 `authentication password …`), so line breaks and other
 * control characters would not survive `system configuration save`. The value never appears in the error.
 */
export function checkCredentialValue(value: unknown, field: 'password' | 'username'): string {
  if (typeof value !== 'string') throw new RouterctlError('usage', `the new ${field} must be text`);
  if (value === '') throw new RouterctlError('usage', `the new ${field} is empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new RouterctlError('usage', `the new ${field} contains control characters (line breaks, tabs…) that the router cannot store`);
  }
  if (value.length > 1024) throw new RouterctlError('usage', `the new ${field} is longer than 1024 characters`);
  return value;
}
