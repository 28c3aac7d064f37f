// The MikroTik driver (RouterOS 7.1+): REST over HTTP(S) with HTTP Basic auth on every request.
// See README.md and shared/docs/protocols/mikrotik.md.
import { connectTrust } from '../../src/transport/trust.js';
import type { Driver } from '../types.js';
import { FAMILY, VENDOR } from './common.js';
import { mikrotikFingerprint } from './fingerprint.js';
import { connectMikrotik } from './session.js';

export const mikrotikDriver: Driver = {
  family: FAMILY,
  vendor: VENDOR,
  defaultUser: 'admin',
  fingerprint: mikrotikFingerprint,
  // The HTTPS certificate is pinned through the context's trust (src/transport/trust.ts).
  connect: (target, credentials, ctx) => connectMikrotik(target, credentials, ctx, { httpsAgent: connectTrust(target, ctx).httpsAgent }),
};

export { connectMikrotik, type ConnectOptions } from './session.js';
