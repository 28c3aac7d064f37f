// What the HTTP and SSH sessions share: input checks, the backup shape, the option diff.

import { RouterctlError } from '../../src/core/errors.js';
import { PASSWORD_PROTOS, type Backup, type Capability, type RouterInfo, type WanSettings } from '../types.js';
import { isUciName, toWanSettings, type UciSection, type UciValue } from './parse.js';
import { hasUciForbiddenChars } from './ssh-transport.js';

export const FAMILY = 'openwrt';
export const VENDOR = 'OpenWrt';

export const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'readWan',
  'wanStatus',
  'backup',
  'setWanCredentials',
  'reconnectWan',
]);

export const DEFAULT_CONFIRM_WINDOW_S = 120;

/** Refuses values the router cannot store exactly; the value itself never appears in the error. */
export function checkCredentialValue(value: unknown, field: 'password' | 'username', ssh: boolean): string {
  if (typeof value !== 'string') throw new RouterctlError('usage', `the new ${field} must be text`);
  if (value === '') throw new RouterctlError('usage', `the new ${field} is empty`);
  if (value.includes('\u0000')) throw new RouterctlError('usage', `the new ${field} contains a NUL character`);
  if (ssh && hasUciForbiddenChars(value)) {
    throw new RouterctlError('usage', `the new ${field} contains control characters that uci cannot store over SSH`);
  }
  return value;
}

export function checkConfirmWindow(seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_CONFIRM_WINDOW_S;
  if (!Number.isInteger(s) || s < 1 || s > 3600) {
    throw new RouterctlError('usage', 'the confirm window must be a whole number of seconds between 1 and 3600');
  }
  return s;
}

export function requirePasswordWan(section: UciSection): WanSettings {
  const wan = toWanSettings(section);
  if (!PASSWORD_PROTOS.has(wan.proto)) {
    throw new RouterctlError('wan_no_password', `the WAN interface ${wan.interface} (${wan.rawProto ?? wan.proto}) does not use a password`, {
      interface: wan.interface,
      proto: wan.rawProto ?? wan.proto,
    });
  }
  return wan;
}

function sortedOptions(options: Record<string, UciValue>): Record<string, UciValue> {
  const out: Record<string, UciValue> = {};
  for (const k of Object.keys(options).sort()) {
    const v = options[k]!;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** Backup of the WAN section: deterministic (sorted keys, no timestamps, no `.index`/`.type`). */
export function backupOf(section: UciSection): Backup {
  return { family: FAMILY, format: 1, settings: { network: { [section.name]: sortedOptions(section.options) } } };
}

/** The sections a backup wants, validated (it comes from a file a person may have edited). */
export function sectionsOfBackup(backup: Backup): Map<string, Record<string, UciValue>> {
  const invalid = (why: string): RouterctlError => new RouterctlError('usage', `not an OpenWrt backup: ${why}`);
  if (backup?.family !== FAMILY || backup.format !== 1) throw invalid('family or format differ');
  const network = (backup.settings as Record<string, unknown> | undefined)?.network;
  if (typeof network !== 'object' || network === null || Array.isArray(network)) throw invalid('no network settings');
  const out = new Map<string, Record<string, UciValue>>();
  for (const [name, options] of Object.entries(network)) {
    if (!isUciName(name)) throw invalid('invalid section name');
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid(`section ${name} is not an object`);
    const clean: Record<string, UciValue> = Object.create(null) as Record<string, UciValue>;
    for (const [k, v] of Object.entries(options)) {
      if (!isUciName(k)) throw invalid(`invalid option name in ${name}`);
      const ok = typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      if (!ok) throw invalid(`option ${name}.${k} is neither text nor a list of text`);
      clean[k] = Array.isArray(v) ? [...(v as string[])] : (v as string);
    }
    out.set(name, clean);
  }
  if (out.size === 0) throw invalid('no sections');
  return out;
}

export interface OptionDiff {
  /** Options whose value must change, in the wanted state's order. */
  set: Record<string, UciValue>;
  /** Options present now but absent from the wanted state. */
  remove: string[];
}

/** Only what differs: untouched options keep their place in /etc/config, so a restore is byte-exact. */
export function diffOptions(current: Record<string, UciValue>, wanted: Record<string, UciValue>): OptionDiff {
  const set: Record<string, UciValue> = {};
  for (const [k, v] of Object.entries(wanted)) {
    if (JSON.stringify(current[k]) !== JSON.stringify(v)) set[k] = v;
  }
  const remove = Object.keys(current).filter((k) => !(k in wanted));
  return { set, remove };
}

export function isEmptyDiff(d: OptionDiff): boolean {
  return Object.keys(d.set).length === 0 && d.remove.length === 0;
}

export function baseInfo(): RouterInfo {
  return { family: FAMILY, vendor: VENDOR };
}

/** Errors that mean "this optional call is not available here", not "the router is gone". */
export function isSoftFailure(err: unknown): boolean {
  return err instanceof RouterctlError && ['protocol', 'not_found', 'unsupported'].includes(err.code);
}
