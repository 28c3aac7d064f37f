// The inventory of a technician's or small ISP office's routers, for multi-target probes
// (`/probe?target=NAME`). Credentials are never in it: each router names a secret file (its first line
// is the admin password), relative to the inventory file, which should be 0600.
//
//   routers:
//     - name: flat-12                 # [A-Za-z0-9._-], what Prometheus puts in ?target=
//       host: 192.0.2.10:8080         # HOST[:PORT]
//       driver: openwrt               # optional (skips fingerprinting)
//       transport: http               # optional
//       user: root                    # optional
//       password_file: secrets/flat-12
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { parseHostPort } from '../discovery/candidates.js';

export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const entrySchema = z.strictObject({
  name: z.string().regex(TARGET_NAME, { message: 'letters, digits, ".", "_" and "-" only (up to 64)' }),
  host: z.string().superRefine((value, ctx) => {
    const r = parseHostPort(value);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: `expected HOST or HOST:PORT (${r.error})`, input: value });
  }),
  driver: z.string().min(1).optional(),
  transport: z.enum(['http', 'ssh']).optional(),
  user: z.string().min(1).optional(),
  password_file: z.string().min(1),
});

const inventorySchema = z.strictObject({ routers: z.array(entrySchema).min(1) });

export interface InventoryEntry {
  name: string;
  host: string;
  driver?: string | undefined;
  transport?: 'http' | 'ssh' | undefined;
  user?: string | undefined;
  /** Absolute path of the admin password file. */
  passwordFile: string;
}

export interface Inventory {
  file: string;
  routers: Map<string, InventoryEntry>;
}

export function loadInventory(file: string): Inventory {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the inventory ${abs} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: abs });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new ConfigError(`${abs}:${pos.line}:${pos.col} ${e.message.split('\n')[0]}`, { file: abs });
  }
  const r = inventorySchema.safeParse(doc.toJS());
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number] } | undefined;
    const where = node && !isMap(node) && node.range ? `:${lineCounter.linePos(node.range[0]).line}` : '';
    throw new ConfigError(`${abs}${where} ${issue.path.join('.') || '(top)'}: ${issue.message}`, { file: abs });
  }
  const routers = new Map<string, InventoryEntry>();
  for (const e of r.data.routers) {
    if (routers.has(e.name)) throw new ConfigError(`${abs}: the name "${e.name}" is used twice`, { file: abs });
    routers.set(e.name, {
      name: e.name,
      host: e.host,
      driver: e.driver,
      transport: e.transport,
      user: e.user,
      passwordFile: path.resolve(path.dirname(abs), e.password_file),
    });
  }
  return { file: abs, routers };
}
