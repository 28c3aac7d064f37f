// What the ASUS (Asuswrt / Asuswrt-Merlin) driver's modules share: names, capabilities, the app-mode
// User-Agent, nvram names and the value checks (shared/docs/protocols/asuswrt.md).
import { RouterctlError } from '../../src/core/errors.js';
import type { Capability } from '../types.js';

export const FAMILY = 'asuswrt';
export const VENDOR = 'ASUS';

export const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>(['readWan', 'wanStatus', 'backup', 'setWanCredentials', 'reconnectWan']);

/**
 * "App mode" (doc §2.1): a User-Agent of the shape asusrouter-<platform>-DUTUtil-<ver> gets JSON
 * replies and is exempt from the browser single-admin rule and the Referer check (doc §2.4, §8.3).
 */
export const APP_USER_AGENT = 'asusrouter-routerctl-DUTUtil-1.0';

/** nvram_check's limit on the PPP user name, password and VPN server (doc §3.2, §8.9): over-long values are dropped silently. */
export const NVRAM_PPP_MAX_BYTES = 64;

/** The nvram names of one WAN unit (doc §3.2). */
export function wanKeys(unit: number): { proto: string; user: string; passwd: string; server: string; mtu: string; state: string; sbstate: string; auxstate: string; ipaddr: string; gateway: string; dns: string } {
  const p = `wan${unit}_`;
  return {
    proto: `${p}proto`,
    user: `${p}pppoe_username`,
    passwd: `${p}pppoe_passwd`,
    server: `${p}heartbeat_x`,
    mtu: `${p}pppoe_mtu`,
    state: `${p}state_t`,
    sbstate: `${p}sbstate_t`,
    auxstate: `${p}auxstate_t`,
    ipaddr: `${p}ipaddr`,
    gateway: `${p}gateway`,
    dns: `${p}dns`,
  };
}

/**
 * Refuses values the router cannot keep exactly: control characters (nvram values are C strings and
 * the web UI cannot show them) and more than NVRAM_PPP_MAX_BYTES bytes (nvram_check drops those
 * without an error, doc §8.9 — the limit is counted in bytes, as strlen does, so Cyrillic letters
 * count twice). The value never appears in the error.
 */
export function checkNvramValue(value: unknown, field: 'password' | 'username'): string {
  if (typeof value !== 'string') throw new RouterctlError('usage', `the new ${field} must be text`);
  if (value === '') throw new RouterctlError('usage', `the new ${field} is empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new RouterctlError('usage', `the new ${field} contains control characters (line breaks, tabs…) that the router cannot store`);
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > NVRAM_PPP_MAX_BYTES) {
    throw new RouterctlError(
      'usage',
      `the new ${field} is ${bytes} bytes long (UTF-8); ASUS routers keep at most ${NVRAM_PPP_MAX_BYTES} bytes in this setting and silently drop longer values, so it was not sent`,
      { maxBytes: NVRAM_PPP_MAX_BYTES, bytes },
    );
  }
  return value;
}
