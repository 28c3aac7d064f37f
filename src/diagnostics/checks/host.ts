// C01 host.link, C02 host.ipconfig, C03 wifi.link: this device, before any traffic.
import net from 'node:net';
import type { DiagContext } from '../context.js';
import type { CheckOutcome } from '../types.js';
import { inSubnet } from '../stats.js';

interface Addr {
  iface: string;
  address: string;
  family: 'IPv4' | 'IPv6';
}

function activeAddresses(ctx: DiagContext): Addr[] {
  const out: Addr[] = [];
  for (const [iface, infos] of Object.entries(ctx.host.interfaces())) {
    for (const i of infos ?? []) {
      const family = i.family === 'IPv4' || (i.family as unknown) === 4 ? 'IPv4' : 'IPv6';
      if (i.internal) {
        // The lab lives on 127.0.0.0/8: its "home network" is loopback.
        if (ctx.cfg.host.acceptLoopback && family === 'IPv4') out.push({ iface, address: i.address, family });
        continue;
      }
      if (family === 'IPv6' && i.address.toLowerCase().startsWith('fe80:')) continue; // link-local only is no link to a network
      out.push({ iface, address: i.address, family });
    }
  }
  return out.slice(0, 32);
}

export async function hostLink(ctx: DiagContext): Promise<CheckOutcome> {
  const addrs = activeAddresses(ctx);
  const ifaces = [...new Set(addrs.map((a) => a.iface))];
  if (ifaces.length === 0) return { status: 'fail', problems: ['no_link'], values: { interfaces: [] } };
  return { status: 'pass', values: { interfaces: ifaces } };
}

export async function hostIpConfig(ctx: DiagContext): Promise<CheckOutcome> {
  const v4 = activeAddresses(ctx).filter((a) => a.family === 'IPv4');
  const gateway = ctx.config.discovery.gateway ?? (await ctx.host.gateway());
  const resolvers = (ctx.cfg.host.resolvers ?? ctx.host.resolvers()).filter((r) => !/^(0\.0\.0\.0|::|::\/0)(:\d+)?$/.test(r)).slice(0, 8);
  ctx.facts.gateway = gateway;
  ctx.facts.systemResolvers = resolvers;
  const values = {
    ipv4: v4.map((a) => a.address),
    gateway,
    gateway_source: ctx.config.discovery.gateway ? 'config' : 'os',
    dns_servers: resolvers,
    dns_source: ctx.cfg.host.resolvers ? 'config' : 'os',
  };
  const usable = v4.filter((a) => !inSubnet(a.address, '169.254.0.0', 16));
  if (v4.length > 0 && usable.length === 0) return { status: 'fail', problems: ['apipa'], values };
  if (!gateway) return { status: 'fail', problems: ['no_gateway'], values };
  if (!net.isIP(gateway)) return { status: 'fail', problems: ['bad_gateway'], values };
  if (resolvers.length === 0) return { status: 'warn', problems: ['no_dns_servers'], values };
  return { status: 'pass', values };
}

export async function wifiLink(ctx: DiagContext): Promise<CheckOutcome> {
  const links = await ctx.host.wireless();
  const th = ctx.cfg.thresholds.wifi;
  const thresholds = { pass_dbm: th.passDbm, warn_dbm: th.warnDbm, fail_dbm: th.failDbm };
  if (links.length === 0) return { status: 'skip', skippedReason: 'not on Wi-Fi (no associated wireless interface)' };
  ctx.facts.onWifi = true;
  const withLevel = links.filter((l) => l.signalDbm !== undefined);
  const best = withLevel.sort((a, b) => b.signalDbm! - a.signalDbm!)[0];
  const values = { interfaces: links.map((l) => l.iface), signal_dbm: best?.signalDbm, quality: links[0]?.quality };
  if (!best) return { status: 'pass', values, thresholds, problems: ['signal_unknown'] };
  const dbm = best.signalDbm!;
  if (dbm >= th.passDbm) return { status: 'pass', values, thresholds };
  if (dbm < th.failDbm) return { status: 'fail', problems: ['weak_signal'], values, thresholds };
  return { status: 'warn', problems: ['weak_signal'], values, thresholds };
}
