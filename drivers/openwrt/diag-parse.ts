// Pure parsers for what diagnostics asks an OpenWrt router: the WAN port's link (netifd device
// status), health (procd `system info`) and the LAN subnets (uci network). Untrusted input: anything
// unexpected yields "unknown" fields, never a crash.
import type { LanInfo, RouterHealth, WanLink } from '../types.js';
import type { UciSection } from './parse.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The physical device under the WAN: `device` of its status, else the uci option. Never the l3 device,
 * which for PPP is the virtual pppoe-wan / l2tp-wan and says nothing about the cable.
 */
export function wanDeviceName(ifaceStatus: unknown, section?: UciSection): string | undefined {
  const fromStatus = isRecord(ifaceStatus) ? ifaceStatus.device : undefined;
  const fromUci = section?.options.device ?? section?.options.ifname;
  const name = typeof fromStatus === 'string' ? fromStatus : typeof fromUci === 'string' ? fromUci : Array.isArray(fromUci) ? fromUci[0] : undefined;
  return name !== undefined && /^[A-Za-z0-9_.@-]{1,32}$/.test(name) ? name : undefined;
}

/**
 * `network.device status {name}` + the WAN interface status → link. netifd marks an interface
 * unavailable (available:false, NO_DEVICE) when its device has no link, which also counts as no carrier.
 */
export function parseWanLink(deviceStatus: unknown, ifaceStatus: unknown, device?: string): WanLink {
  const link: WanLink = {};
  if (device) link.device = device;
  if (isRecord(deviceStatus)) {
    if (typeof deviceStatus.carrier === 'boolean') link.carrier = deviceStatus.carrier;
    const speed = deviceStatus.speed;
    const m = typeof speed === 'string' ? /^(\d{1,6})([FH])?$/.exec(speed) : undefined;
    if (m) {
      link.speedMbps = Number(m[1]);
      if (m[2]) link.fullDuplex = m[2] === 'F';
    } else if (typeof speed === 'number' && speed > 0) link.speedMbps = speed;
    if (typeof deviceStatus.duplex === 'string') link.fullDuplex = deviceStatus.duplex.toLowerCase() === 'full';
  }
  if (isRecord(ifaceStatus) && ifaceStatus.available === false) {
    const errors = Array.isArray(ifaceStatus.errors) ? ifaceStatus.errors : [];
    if (errors.some((e) => isRecord(e) && e.code === 'NO_DEVICE')) link.carrier = false;
  }
  return link;
}

/** procd `system info`: load is fixed-point (65536 = 1.0); localtime is the router's *local* time. */
export function parseSystemHealth(info: unknown): RouterHealth {
  if (!isRecord(info)) return {};
  const h: RouterHealth = {};
  const uptime = finite(info.uptime);
  if (uptime !== undefined && uptime >= 0) h.uptimeSeconds = Math.floor(uptime);
  const localtime = finite(info.localtime);
  if (localtime !== undefined && localtime > 0) {
    h.clockSeconds = localtime;
    h.clockIsLocal = true;
  }
  const load = Array.isArray(info.load) ? finite(info.load[0]) : undefined;
  if (load !== undefined && load >= 0) h.load1 = Math.round((load / 65536) * 100) / 100;
  if (isRecord(info.memory)) {
    const total = finite(info.memory.total);
    const avail = finite(info.memory.available) ?? finite(info.memory.free);
    if (total !== undefined && total > 0) h.memTotalBytes = total;
    if (avail !== undefined && avail >= 0) h.memAvailableBytes = avail;
  }
  return h;
}

function maskToPrefix(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/** Static interfaces other than the WAN and loopback (usually `lan`): their IPv4 subnets. */
export function lanSubnetsOf(sections: UciSection[], wanName?: string): LanInfo {
  const subnets: LanInfo['subnets'] = [];
  for (const s of sections) {
    if (s.type !== 'interface' || s.name === wanName || s.name === 'loopback' || s.name.startsWith('wan')) continue;
    if (s.options.proto !== 'static') continue;
    const addrs = Array.isArray(s.options.ipaddr) ? s.options.ipaddr : s.options.ipaddr !== undefined ? [s.options.ipaddr] : [];
    for (const raw of addrs) {
      const [address, cidr] = raw.split('/');
      if (!address || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) continue;
      const netmask = typeof s.options.netmask === 'string' ? s.options.netmask : undefined;
      const prefix = cidr !== undefined ? Number(cidr) : netmask ? maskToPrefix(netmask) : 24;
      if (prefix !== undefined && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) subnets.push({ address, prefix });
    }
  }
  return { subnets };
}
