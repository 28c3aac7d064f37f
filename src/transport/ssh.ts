// SSH host keys, pinned like HTTPS certificates: OpenSSH's `SHA256:<base64>` fingerprint of the key
// blob, trusted on first use and compared on every later connection (node-ssh's `hostVerifier`).
import { createHash } from 'node:crypto';
import type { RouterctlError } from '../core/errors.js';
import { TrustMismatchError } from './errors.js';
import type { PinSource } from './tls.js';

/** `SHA256:` + unpadded base64 of SHA-256 over the key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public-key blob (e.g. "ssh-ed25519"). */
export function sshKeyType(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const n = keyBlob.readUInt32BE(0);
  if (n < 1 || n > 64 || keyBlob.length < 4 + n) return undefined;
  const t = keyBlob.subarray(4, 4 + n).toString('latin1');
  return /^[a-z0-9@.-]+$/i.test(t) ? t : undefined;
}

export type PinnedHostVerifier = ((key: Buffer) => boolean) & { rejection: () => RouterctlError | undefined };

/** A node-ssh `hostVerifier` that accepts only the pinned key (or the first one seen when none is pinned). */
export function pinnedHostVerifier(endpoint: string, host: string, source: PinSource): PinnedHostVerifier {
  let rejected: TrustMismatchError | undefined;
  const verify = (key: Buffer): boolean => {
    const presented = sshFingerprint(key);
    const pinned = source.pinned();
    if (pinned === undefined) {
      source.firstUse({ fingerprint: presented, subject: sshKeyType(key) });
      return true;
    }
    if (pinned === presented) return true;
    rejected = new TrustMismatchError('ssh', endpoint, pinned, presented, host);
    return false;
  };
  return Object.assign(verify, { rejection: () => rejected });
}
