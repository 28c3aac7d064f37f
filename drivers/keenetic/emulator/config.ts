// Running and saved (startup) configuration. RCI writes change the running configuration at once;
// only `system configuration save` copies it to the saved one, and a reboot loads the saved one
// (doc §3 `show sc` "stale until save", §6). Shapes mirror the CLI keywords of doc §4.2; the exact
// JSON of a PPP interface is UNVERIFIED there, so this is the emulator's reading of the mapping rules.

import { clone, type JsonObject } from './json.js';

export type PppProto = 'pppoe' | 'l2tp' | 'pptp';

export const PPP_NAME: Record<PppProto, string> = { pppoe: 'PPPoE0', l2tp: 'L2TP0', pptp: 'PPTP0' };
export const CARRIER = 'GigabitEthernet1';

/** Interface kind from its id (RCI names them `<Type><n>`, doc §4.1). */
export function kindOf(name: string): 'pppoe' | 'l2tp' | 'pptp' | 'ethernet' | 'bridge' | 'other' {
  if (/^PPPoE\d+$/.test(name)) return 'pppoe';
  if (/^L2TP\d+$/.test(name)) return 'l2tp';
  if (/^PPTP\d+$/.test(name)) return 'pptp';
  if (/^GigabitEthernet\d+$/.test(name)) return 'ethernet';
  if (/^Bridge\d+$/.test(name)) return 'bridge';
  return 'other';
}

export function isPppName(name: string): boolean {
  const k = kindOf(name);
  return k === 'pppoe' || k === 'l2tp' || k === 'pptp';
}

export interface InitialWan {
  proto: PppProto;
  username: string;
  password: string;
  server?: string | undefined;
}

export function initialConfig(wan: InitialWan, hostname: string): JsonObject {
  const ppp: JsonObject = {
    description: 'Internet',
    role: ['inet'],
    ipcp: { 'default-route': true, 'name-servers': true },
    lcp: { echo: { interval: 30, count: 3 } },
    'security-level': { public: true },
    authentication: { identity: wan.username, password: wan.password },
    ip: { mtu: wan.proto === 'pppoe' ? 1492 : 1400, global: 65534, tcp: { 'adjust-mss': { pmtu: true } } },
    connect: { via: CARRIER },
    up: true,
  };
  if (wan.proto !== 'pppoe' && wan.server !== undefined) ppp.peer = wan.server;
  return {
    interface: {
      [CARRIER]: {
        rename: 'ISP',
        description: 'Internet port',
        'security-level': { public: true },
        // L2TP/PPTP reach their VPN server over the ISP's DHCP network; PPPoE needs no address.
        ip: wan.proto === 'pppoe' ? { address: { no: true } } : { address: { dhcp: true } },
        up: true,
      },
      Bridge0: {
        rename: 'Home',
        description: 'Home network',
        'security-level': { private: true },
        ip: { address: { address: '192.168.1.1', mask: '255.255.255.0' } },
        up: true,
      },
      // The guest segment (the interface of fixture rci-post-interface-bridge1-down.response.json).
      Bridge1: {
        rename: 'Guest',
        description: 'Guest network',
        'security-level': { protected: true },
        ip: { address: { address: '10.1.30.1', mask: '255.255.255.0' } },
        up: true,
      },
      [PPP_NAME[wan.proto]]: ppp,
    },
    system: { hostname },
    ip: {
      http: {
        'security-level': { private: true },
        // UNVERIFIED for HTTP: the telnet capture's policy (fixture rci-get-ip-telnet.response.json).
        'lockout-policy': { threshold: '5', duration: '15', 'observation-window': '3' },
      },
      // fixture rci-get-ip-telnet.response.json
      telnet: { 'security-level': { private: true }, 'lockout-policy': { threshold: '5', duration: '15', 'observation-window': '3' } },
    },
    'ping-check': { profile: {} },
  };
}

export class ConfigStore {
  running: JsonObject;
  #saved: JsonObject;
  saves = 0;

  constructor(initial: JsonObject) {
    this.running = clone(initial);
    this.#saved = clone(initial);
  }

  get saved(): JsonObject {
    return this.#saved;
  }

  /** `system configuration save` (doc §6). */
  save(): void {
    this.#saved = clone(this.running);
    this.saves++;
  }

  /** A reboot: what was not saved is lost (doc §6). */
  loadSaved(): void {
    this.running = clone(this.#saved);
  }

  interfaces(): JsonObject {
    const i = this.running.interface;
    if (typeof i !== 'object' || i === null || Array.isArray(i)) {
      this.running.interface = {};
      return this.running.interface as JsonObject;
    }
    return i;
  }
}
