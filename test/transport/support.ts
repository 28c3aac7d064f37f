// Shared pieces of the transport tests: the TLS fixtures and their fingerprints.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface Pem {
  key: string;
  cert: string;
  /** As routerctl shows it: SHA256:AB:CD:… */
  fingerprint: string;
}

function load(name: string): Pem {
  const cert = readFileSync(path.join(DIR, `${name}.crt`), 'utf8');
  return { key: readFileSync(path.join(DIR, `${name}.key`), 'utf8'), cert, fingerprint: `SHA256:${new X509Certificate(cert).fingerprint256}` };
}

export const ROUTER_A = load('router-a');
export const ROUTER_B = load('router-b');
export const EXPIRED = load('expired');
