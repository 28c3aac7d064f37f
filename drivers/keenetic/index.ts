// The Keenetic driver (ZyXEL Keenetic NDMS 2, Keenetic KeeneticOS, Netcraze): RCI JSON over HTTP with
// the /auth challenge–response login. See README.md and shared/docs/protocols/keenetic.md.
import { connectTrust } from '../../src/transport/trust.js';
import type { Driver } from '../types.js';
import { FAMILY, VENDOR } from './common.js';
import { keeneticFingerprint } from './fingerprint.js';
import { connectKeenetic } from './session.js';

export const keeneticDriver: Driver = {
  family: FAMILY,
  vendor: VENDOR,
  defaultUser: 'admin',
  fingerprint: keeneticFingerprint,
  // The HTTPS certificate is pinned through the context's trust (src/transport/trust.ts).
  connect: (target, credentials, ctx) => connectKeenetic(target, credentials, ctx, { httpsAgent: connectTrust(target, ctx).httpsAgent }),
};

export { connectKeenetic, type ConnectOptions } from './session.js';
