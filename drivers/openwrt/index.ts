// The OpenWrt driver: ubus JSON-RPC over HTTP (default) or the uci CLI over SSH.
import { connectTrust } from '../../src/transport/trust.js';
import type { Driver } from '../types.js';
import { openwrtFingerprint } from './fingerprint.js';
import { FAMILY, VENDOR } from './common.js';
import { connectOpenWrt } from './session.js';

export const openwrtDriver: Driver = {
  family: FAMILY,
  vendor: VENDOR,
  defaultUser: 'root',
  fingerprint: openwrtFingerprint,
  // HTTPS certificate and SSH host key pinned through the context's trust (src/transport/trust.ts).
  connect: (target, credentials, ctx) => connectOpenWrt(target, credentials, ctx, connectTrust(target, ctx)),
};

export { connectOpenWrt, type ConnectOptions } from './session.js';
