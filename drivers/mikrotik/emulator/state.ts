// The emulated RouterOS configuration and memory state. RouterOS writes every change to its
// configuration at once (doc §5), so there is one configuration that a reboot keeps; the memory log,
// dynamic addresses and `running` flags are lost on reboot. Values are strings as REST returns them
// (doc §2.1; fixtures rest-interface-*-item.json).
import type { PppMenu } from '../common.js';

export type RosItem = Record<string, string>;

export const MAX_LOG = 1000;

/** pppoe-client properties as in fixture rest-interface-pppoe-client-item.json. */
export function pppoeItem(id: string, user: string, password: string): RosItem {
  return {
    '.id': id,
    'ac-name': '',
    'add-default-route': 'true',
    allow: 'pap,chap,mschap1,mschap2',
    'default-route-distance': '1',
    'dial-on-demand': 'false',
    disabled: 'false',
    interface: 'ether1',
    invalid: 'false',
    'keepalive-timeout': '10',
    'max-mru': 'auto',
    'max-mtu': 'auto',
    mrru: 'disabled',
    name: 'pppoe-out1',
    password,
    profile: 'default',
    running: 'false',
    'service-name': '',
    'use-peer-dns': 'false',
    user,
  };
}

/** l2tp-client properties as in fixture rest-interface-l2tp-client-item.json (PPTP: doc §3.1 subset). */
export function vpnItem(menu: 'l2tp-client' | 'pptp-client', id: string, server: string, user: string, password: string): RosItem {
  const common: RosItem = {
    '.id': id,
    'add-default-route': 'true',
    allow: 'pap,chap,mschap1,mschap2',
    'connect-to': server,
    'dial-on-demand': 'false',
    disabled: 'false',
    'keepalive-timeout': '60',
    'max-mru': '1450',
    'max-mtu': '1450',
    mrru: 'disabled',
    name: menu === 'l2tp-client' ? 'l2tp-out1' : 'pptp-out1',
    password,
    profile: 'default-encryption',
    running: 'false',
    'use-peer-dns': 'no',
    user,
  };
  if (menu === 'pptp-client') return common;
  return { ...common, 'allow-fast-path': 'false', 'ipsec-secret': '', 'l2tp-proto-version': 'l2tpv2', 'l2tpv3-digest-hash': 'md5', 'use-ipsec': 'false' };
}

/** Properties a `set` may write per menu (the rest are read-only or unknown → 400, doc §4.1). */
export const WRITABLE: Record<PppMenu, ReadonlySet<string>> = {
  'pppoe-client': new Set(['name', 'interface', 'user', 'password', 'service-name', 'ac-name', 'add-default-route', 'default-route-distance', 'use-peer-dns', 'dial-on-demand', 'allow', 'keepalive-timeout', 'max-mtu', 'max-mru', 'mrru', 'profile', 'disabled', 'comment']),
  'l2tp-client': new Set(['name', 'connect-to', 'user', 'password', 'profile', 'keepalive-timeout', 'max-mtu', 'max-mru', 'mrru', 'add-default-route', 'default-route-distance', 'use-peer-dns', 'dial-on-demand', 'allow', 'use-ipsec', 'ipsec-secret', 'l2tp-proto-version', 'l2tpv3-digest-hash', 'allow-fast-path', 'src-address', 'disabled', 'comment']),
  'pptp-client': new Set(['name', 'connect-to', 'user', 'password', 'profile', 'keepalive-timeout', 'max-mtu', 'max-mru', 'mrru', 'add-default-route', 'default-route-distance', 'use-peer-dns', 'dial-on-demand', 'allow', 'disabled', 'comment']),
};

export class RosState {
  readonly clients: Record<PppMenu, RosItem[]> = { 'pppoe-client': [], 'l2tp-client': [], 'pptp-client': [] };
  /** Static addresses (configuration) and dynamic ones (PPP, memory). */
  addresses: RosItem[] = [];
  logEntries: RosItem[] = [];
  #nextId = 1;
  #nextLog = 1;
  identity = 'MikroTik';

  newId(): string {
    return `*${(this.#nextId++).toString(16).toUpperCase()}`;
  }

  pppClients(): { menu: PppMenu; item: RosItem }[] {
    return (Object.keys(this.clients) as PppMenu[]).flatMap((menu) => this.clients[menu].map((item) => ({ menu, item })));
  }

  log(topics: string, message: string): void {
    const d = new Date();
    const time = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
    this.logEntries.push({ '.id': `*${(this.#nextLog++).toString(16).toUpperCase()}`, time, topics, message });
    if (this.logEntries.length > MAX_LOG) this.logEntries.splice(0, this.logEntries.length - MAX_LOG);
  }

  addDynamicAddress(iface: string, ipv4: string, peer: string): void {
    this.removeDynamicAddress(iface);
    this.addresses.push({ '.id': this.newId(), address: `${ipv4}/32`, network: peer, interface: iface, 'actual-interface': iface, invalid: 'false', dynamic: 'true', disabled: 'false' });
  }

  removeDynamicAddress(iface: string): void {
    this.addresses = this.addresses.filter((a) => !(a.dynamic === 'true' && a.interface === iface));
  }

  /** Reboot: memory state goes, the configuration stays (the log is cleared; its ids keep counting, UNVERIFIED). */
  reboot(): void {
    this.addresses = this.addresses.filter((a) => a.dynamic !== 'true');
    this.logEntries = [];
    for (const { item } of this.pppClients()) item.running = 'false';
  }
}
