// The ASUS driver (stock Asuswrt and Asuswrt-Merlin): the httpd web API in app mode — login.cgi token,
// appGet.cgi nvram hooks, applyapp.cgi. See README.md and shared/docs/protocols/asuswrt.md.
import { connectTrust } from '../../src/transport/trust.js';
import type { Driver } from '../types.js';
import { FAMILY, NVRAM_PPP_MAX_BYTES, VENDOR } from './common.js';
import { asuswrtFingerprint } from './fingerprint.js';
import { connectAsuswrt } from './session.js';

export const asuswrtDriver: Driver = {
  family: FAMILY,
  vendor: VENDOR,
  // Older firmware ships admin/admin; current firmware makes the owner choose a name (doc §2.3).
  defaultUser: 'admin',
  maxCredentialBytes: NVRAM_PPP_MAX_BYTES,
  fingerprint: asuswrtFingerprint,
  connect: (target, credentials, ctx) => connectAsuswrt(target, credentials, ctx, { httpsAgent: connectTrust(target, ctx).httpsAgent }),
};

export { connectAsuswrt, type ConnectOptions } from './session.js';
