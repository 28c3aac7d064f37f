// What the MikroTik driver's modules share: names, capabilities, the PPP client menus, input checks.
import { RouterctlError } from '../../src/core/errors.js';
import type { Capability } from '../types.js';

export const FAMILY = 'mikrotik';
export const VENDOR = 'MikroTik';

export const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>(['readWan', 'wanStatus', 'backup', 'setWanCredentials', 'reconnectWan']);

/** The PPP client menus a WAN can live in (doc §3), in the order they are looked at. */
export const PPP_MENUS = ['pppoe-client', 'l2tp-client', 'pptp-client'] as const;
export type PppMenu = (typeof PPP_MENUS)[number];
export const PROTO_OF_MENU: Record<PppMenu, 'pppoe' | 'l2tp' | 'pptp'> = { 'pppoe-client': 'pppoe', 'l2tp-client': 'l2tp', 'pptp-client': 'pptp' };

/** `.id` values as RouterOS prints them: `*` + hex (doc §3.1, fixtures). */
export const ITEM_ID = /^\*[0-9A-Fa-f]{1,8}$/;
/** Interface names the driver puts into a URL query or a command body. */
export const IFACE_NAME = /^[\w.@+-][\w .@+-]{0,62}$/;

/**
 * Refuses values that the router cannot keep exactly. JSON carries any character (doc §4.1), but the
 * configuration is exported and restored as script text (doc §4.2), where control characters do not
 * survive. The value never appears in the error.
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
