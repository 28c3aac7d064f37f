// The OpenWrt driver: ubus JSON-RPC over HTTP (default) or the uci CLI over SSH.
import type { Driver } from '../types.js';
import { openwrtFingerprint } from './fingerprint.js';
import { FAMILY, VENDOR } from './common.js';
import { connectOpenWrt } from './session.js';

export const openwrtDriver: Driver = {
  family: FAMILY,
  vendor: VENDOR,
  defaultUser: 'root',
  fingerprint: openwrtFingerprint,
  connect: (target, credentials, ctx) => connectOpenWrt(target, credentials, ctx),
};

export { connectOpenWrt, type ConnectOptions } from './session.js';
