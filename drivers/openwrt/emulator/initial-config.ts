// Why: the emulated router's factory /etc/config files. `network` mirrors the openwrt-real capture
// (fixtures 12, 74, cli-19) with the WAN section built from the emulator options; dhcp/system/rpcd are small
// but real-looking packages (uci.configs lists dhcp, network, rpcd, system as in fixture 11).
import { md5crypt } from './md5crypt.js';
import { uciEscape } from './uci-model.js';

export interface WanOptions {
  proto: 'pppoe' | 'l2tp' | 'pptp' | 'dhcp' | 'static';
  username?: string | undefined;
  password?: string | undefined;
  server?: string | undefined;
  device?: string | undefined;
  authfail?: boolean | undefined;
}

const q = (v: string): string => `'${uciEscape(v)}'`;

export function networkConfig(wan: WanOptions): string {
  const device = wan.device ?? 'wan';
  const lines = [`config interface 'wan'`, `\toption device ${q(device)}`, `\toption proto ${q(wan.proto)}`];
  if (wan.proto === 'l2tp' || wan.proto === 'pptp') lines.push(`\toption server ${q(wan.server ?? '')}`);
  if (wan.proto === 'pppoe' || wan.proto === 'l2tp' || wan.proto === 'pptp') {
    if (wan.username !== undefined) lines.push(`\toption username ${q(wan.username)}`);
    if (wan.password !== undefined) lines.push(`\toption password ${q(wan.password)}`);
    lines.push(`\toption ipv6 'auto'`);
    if (wan.authfail) lines.push(`\toption authfail '1'`);
  }
  if (wan.proto === 'static') {
    // RFC 5737 documentation addresses: nothing real is configured
    lines.push(`\toption ipaddr '198.51.100.2'`, `\toption netmask '255.255.255.0'`, `\toption gateway '198.51.100.1'`);
  }
  return `
config interface 'loopback'
\toption device 'lo'
\toption proto 'static'
\toption ipaddr '127.0.0.1'
\toption netmask '255.0.0.0'

config globals 'globals'
\toption ula_prefix 'fd4e:5a1b:9c2d::/48'
\toption packet_steering '1'

config device
\toption name 'br-lan'
\toption type 'bridge'
\tlist ports 'lan1'
\tlist ports 'lan2'
\tlist ports 'lan3'
\tlist ports 'lan4'

config interface 'lan'
\toption device 'br-lan'
\toption proto 'static'
\toption ipaddr '192.168.1.1'
\toption netmask '255.255.255.0'
\toption ip6assign '60'

${lines.join('\n')}

config interface 'wan6'
\toption device ${q(device)}
\toption proto 'dhcpv6'
\toption reqaddress 'try'
\toption reqprefix 'auto'
`;
}

export function systemConfig(hostname: string): string {
  return `
config system
\toption hostname ${q(hostname)}
\toption timezone 'UTC'
\toption zonename 'UTC'
\toption ttylogin '0'
\toption log_size '128'
\toption urandom_seed '0'

config timeserver 'ntp'
\toption enabled '1'
\toption enable_server '0'
\tlist server '0.openwrt.pool.ntp.org'
\tlist server '1.openwrt.pool.ntp.org'
`;
}

export function dhcpConfig(): string {
  return `
config dnsmasq
\toption domainneeded '1'
\toption localise_queries '1'
\toption rebind_protection '1'
\toption local '/lan/'
\toption domain 'lan'
\toption expandhosts '1'
\toption authoritative '1'
\toption readethers '1'
\toption leasefile '/tmp/dhcp.leases'
\toption localservice '1'

config dhcp 'lan'
\toption interface 'lan'
\toption start '100'
\toption limit '150'
\toption leasetime '12h'

config dhcp 'wan'
\toption interface 'wan'
\toption ignore '1'
`;
}

/**
 * /etc/config/rpcd as in the capture (README): root uses '$p$root' (its /etc/shadow hash), the optional
 * viewer an md5-crypt hash stored directly, with the lab ACL groups.
 */
export function rpcdConfig(viewerPassword: string | undefined, salt: string): string {
  let text = `
config rpcd
\toption socket '/var/run/ubus/ubus.sock'
\toption timeout '30'

config login
\toption username 'root'
\toption password '$p$root'
\tlist read '*'
\tlist write '*'
`;
  if (viewerPassword !== undefined) {
    text += `
config login
\toption username 'viewer'
\toption password ${q(md5crypt(viewerPassword, salt))}
\tlist read 'lab-viewer'
\tlist read 'unauthenticated'
`;
  }
  return text;
}

export const OPENWRT_RELEASE = `DISTRIB_ID='OpenWrt'
DISTRIB_RELEASE='25.12.0-rc1'
DISTRIB_REVISION='r32353-9e9b05130c'
DISTRIB_TARGET='mediatek/filogic'
DISTRIB_ARCH='aarch64_cortex-a53'
DISTRIB_DESCRIPTION='OpenWrt 25.12.0-rc1 r32353-9e9b05130c'
DISTRIB_TAINTS=''
`;
