// The backup shape of a Keenetic WAN and its validation (pure). Only what a credentials change can
// touch is kept: the PPP interface's `authentication identity|password` and `peer` (doc §4.2, §5.1).

import { RouterctlError } from '../../src/core/errors.js';
import type { Backup } from '../types.js';
import { FAMILY, IFACE_ID } from './common.js';
import { isRecord, type PppConfig } from './parse.js';

export interface WanBackup {
  interface: string;
  /** RCI `type` (`PPPoE`, `L2TP`, `PPTP`, …): a restore refuses an interface of another type. */
  type: string;
  identity?: string | undefined;
  password?: string | undefined;
  /** The router showed the password masked: it cannot be put back (doc §4.2, UNVERIFIED clear text). */
  passwordMasked?: true | undefined;
  peer?: string | undefined;
}

/** Deterministic: sorted keys, absent values left out, no timestamps. */
export function backupOf(iface: string, type: string, ppp: PppConfig | undefined): Backup {
  const wan: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {
    identity: ppp?.identity,
    interface: iface,
    password: ppp?.password,
    passwordMasked: ppp?.passwordMasked ? true : undefined,
    peer: ppp?.peer,
    type,
  };
  for (const k of Object.keys(fields).sort()) if (fields[k] !== undefined) wan[k] = fields[k];
  return { family: FAMILY, format: 1, settings: { wan } };
}

/** The WAN settings a backup wants, validated (it comes from a file a person may have edited). */
export function wanOfBackup(backup: Backup): WanBackup {
  const invalid = (why: string): RouterctlError => new RouterctlError('usage', `not a Keenetic backup: ${why}`);
  if (backup?.family !== FAMILY || backup.format !== 1) throw invalid('family or format differ');
  const wan = isRecord(backup.settings) ? backup.settings.wan : undefined;
  if (!isRecord(wan)) throw invalid('no WAN settings');
  const text = (k: string): string | undefined => {
    const v = wan[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalid(`${k} is not text`);
    return v;
  };
  const iface = text('interface');
  if (iface === undefined || !IFACE_ID.test(iface)) throw invalid('invalid interface name');
  const type = text('type');
  if (type === undefined || !/^[A-Za-z0-9]{1,32}$/.test(type)) throw invalid('invalid interface type');
  if (wan.passwordMasked !== undefined && wan.passwordMasked !== true) throw invalid('passwordMasked is not true');
  for (const k of Object.keys(wan)) {
    if (!['identity', 'interface', 'password', 'passwordMasked', 'peer', 'type'].includes(k)) throw invalid(`unknown field ${k.slice(0, 32)}`);
  }
  return {
    interface: iface,
    type,
    identity: text('identity'),
    password: text('password'),
    passwordMasked: wan.passwordMasked === true ? true : undefined,
    peer: text('peer'),
  };
}
