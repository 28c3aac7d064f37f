// The PPP side of the emulated router: each PPP interface that is `up` in the running configuration
// dials the lab ISP (IspUpstream) after timings.dialMs, redials every timings.redialMs after a failure
// or an ISP drop, and shows its state the way `show interface` does (doc §4.1, §6, §7).
// Log wording is pppd/rp-pppoe style as doc §7 suggests; the exact Keenetic wording is UNVERIFIED.

import type { DialResult, EmulatorTimings, IspUpstream } from '../../emulator-types.js';
import { CARRIER, isPppName, kindOf, type ConfigStore } from './config.js';
import { isObj, type Json, type JsonObject } from './json.js';
import type { Syslog } from './syslog.js';
import type { Timers } from './timers.js';

type Phase = 'idle' | 'dialing' | 'waiting' | 'up';

interface Lease {
  ipv4: string;
  gateway: string;
  dns: string[];
}

interface Link {
  name: string;
  phase: Phase;
  /** Bumped on every teardown so stale timer callbacks do nothing. */
  gen: number;
  timer?: NodeJS.Timeout | undefined;
  lease?: Lease | undefined;
  since: number;
  pid: number;
}

export interface PppOptions {
  routerId: string;
  upstream?: IspUpstream | undefined;
  timings: EmulatorTimings;
  timers: Timers;
  syslog: Syslog;
  config: ConfigStore;
}

const PPP_TYPE: Record<string, string> = { pppoe: 'PPPoE', l2tp: 'L2TP', pptp: 'PPTP' };

function text(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export class PppManager {
  readonly #o: PppOptions;
  readonly #links = new Map<string, Link>();
  #carrierUp = true;
  #nextPid = 1200;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(o: PppOptions) {
    this.#o = o;
  }

  start(): void {
    // The ISP may end a session on its own (emulator-types IspUpstream.onDrop).
    if (this.#o.upstream) this.#unsubscribe = this.#o.upstream.onDrop(this.#o.routerId, () => this.#onIspDrop());
    this.reconcile();
  }

  close(): void {
    this.#closed = true;
    for (const l of this.#links.values()) this.#teardown(l, false);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** A reboot: every session ends, then the (saved) configuration dials again. */
  reboot(): void {
    for (const l of this.#links.values()) this.#teardown(l, false);
    this.#links.clear();
    this.#carrierUp = true;
    this.reconcile();
  }

  /**
   * Brings the links in line with the running configuration: `up` starts a dial, `up: false` tears the
   * session down. Changing the credentials alone does not redial (UNVERIFIED, doc §6): the new ones are
   * used at the next dial, which is why drivers do the down/up themselves.
   */
  reconcile(): void {
    if (this.#closed) return;
    const ifaces = this.#o.config.interfaces();
    for (const [name, l] of [...this.#links]) {
      if (!isObj(ifaces[name])) {
        this.#teardown(l, true);
        this.#links.delete(name);
      }
    }
    for (const [name, cfg] of Object.entries(ifaces)) {
      if (!isPppName(name) || !isObj(cfg)) continue;
      let l = this.#links.get(name);
      if (!l) {
        l = { name, phase: 'idle', gen: 0, since: Date.now(), pid: this.#nextPid++ };
        this.#links.set(name, l);
      }
      const wantUp = cfg.up === true;
      if (wantUp && l.phase === 'idle') this.#schedule(l, this.#o.timings.dialMs);
      if (!wantUp && l.phase !== 'idle') this.#teardown(l, true);
    }
  }

  /** True while a PPP session is up. */
  online(): boolean {
    return [...this.#links.values()].some((l) => l.phase === 'up');
  }

  // ------------------------------------------------------------ state machine

  #schedule(l: Link, ms: number): void {
    this.#o.timers.clear(l.timer);
    l.phase = l.phase === 'idle' || l.phase === 'up' ? 'dialing' : l.phase;
    const gen = l.gen;
    l.timer = this.#o.timers.set(ms, () => {
      if (gen !== l.gen || this.#closed) return;
      l.timer = undefined;
      this.#dial(l);
    });
  }

  #cfg(name: string): JsonObject | undefined {
    const c = this.#o.config.interfaces()[name];
    return isObj(c) ? c : undefined;
  }

  #dial(l: Link): void {
    const cfg = this.#cfg(l.name);
    if (!cfg || cfg.up !== true) return;
    l.phase = 'dialing';
    const auth = isObj(cfg.authentication) ? cfg.authentication : {};
    const proto = kindOf(l.name) as 'pppoe' | 'l2tp' | 'pptp';
    const server = proto === 'pppoe' ? undefined : text(cfg.peer);
    const req = { routerId: this.#o.routerId, proto, server, username: text(auth.identity) ?? '', password: text(auth.password) ?? '' };
    // Without a lab ISP the line always answers (stand-alone demo).
    const res: DialResult = this.#o.upstream ? this.#o.upstream.dial(req) : { ok: true, ipv4: '100.64.0.2', gateway: '100.64.0.1', dns: ['100.64.0.1'] };
    const pppd = `pppd[${l.pid}]`;
    if (res.ok) {
      if (!this.#carrierUp) this.#setCarrier(true);
      l.phase = 'up';
      l.lease = { ipv4: res.ipv4, gateway: res.gateway, dns: [...res.dns] };
      l.since = Date.now();
      this.#o.syslog.log('Info', pppd, `local  IP address ${res.ipv4}`);
      this.#o.syslog.log('Info', pppd, `remote IP address ${res.gateway}`);
      return;
    }
    l.phase = 'waiting';
    l.lease = undefined;
    switch (res.reason) {
      case 'auth_failed':
        // doc §7: one such line per failed attempt, link stays pending.
        this.#o.syslog.log('Warning', pppd, `Remote message: ${res.message.slice(0, 80)}`);
        this.#o.syslog.log('Error', pppd, 'PAP authentication failed');
        break;
      case 'server_unreachable':
        this.#o.syslog.log('Warning', pppd, proto === 'pppoe' ? 'Timeout waiting for PADO packets' : `Unable to connect to the server ${server ?? '(none)'}`);
        break;
      case 'no_carrier':
        if (this.#carrierUp) this.#setCarrier(false);
        break;
    }
    this.#schedule(l, this.#o.timings.redialMs);
  }

  #setCarrier(up: boolean): void {
    this.#carrierUp = up;
    this.#o.syslog.log(up ? 'Info' : 'Warning', 'ndm', `Network::Interface::Ethernet: "${CARRIER}": link ${up ? 'up' : 'down'}.`);
  }

  #onIspDrop(): void {
    for (const l of this.#links.values()) {
      if (l.phase !== 'up') continue;
      const pppd = `pppd[${l.pid}]`;
      this.#o.syslog.log('Info', pppd, 'LCP terminated by peer');
      this.#o.syslog.log('Info', pppd, 'Connection terminated.');
      l.phase = 'waiting';
      l.lease = undefined;
      this.#schedule(l, this.#o.timings.redialMs);
    }
  }

  #teardown(l: Link, log: boolean): void {
    const wasUp = l.phase === 'up';
    this.#o.timers.clear(l.timer);
    l.timer = undefined;
    l.gen++;
    l.phase = 'idle';
    l.lease = undefined;
    if (wasUp) {
      if (log) this.#o.syslog.log('Info', `pppd[${l.pid}]`, 'Connection terminated.');
      this.#o.upstream?.hangup(this.#o.routerId);
    }
  }

  // ------------------------------------------------------------ show interface (doc §4.1)

  /** Every interface of the running configuration as `GET /rci/show/interface` shows it. */
  showAll(): JsonObject {
    const out: JsonObject = {};
    for (const name of Object.keys(this.#o.config.interfaces())) {
      const s = this.show(name);
      if (s) out[name] = s;
    }
    return out;
  }

  show(name: string): JsonObject | undefined {
    const cfg = this.#cfg(name);
    if (!cfg) return undefined;
    const names = Object.keys(this.#o.config.interfaces());
    const index = names.indexOf(name);
    const adminUp = cfg.up === true;
    const kind = kindOf(name);
    const base: JsonObject = {
      id: name,
      index,
      'interface-name': text(cfg.rename) ?? name,
      type: kind === 'ethernet' ? 'GigabitEthernet' : kind === 'bridge' ? 'Bridge' : (PPP_TYPE[kind] ?? 'Other'),
      description: text(cfg.description) ?? '',
      state: adminUp ? 'up' : 'down',
      mtu: 1500,
      'tx-queue': 1000,
      'security-level': isObj(cfg['security-level']) ? (Object.keys(cfg['security-level'])[0] ?? 'public') : 'public',
    };
    if (kind === 'ethernet') {
      const linkUp = adminUp && this.#carrierUp;
      return {
        ...base,
        link: linkUp ? 'up' : 'down',
        connected: linkUp ? 'yes' : 'no',
        mac: '50:ff:20:00:00:01',
        global: false,
        defaultgw: false,
        summary: { layer: { conf: adminUp ? 'running' : 'disabled', link: linkUp ? 'running' : 'pending', ipv4: 'disabled', ipv6: 'disabled', ctrl: 'running' } },
      };
    }
    if (kind === 'bridge') {
      const ip = isObj(cfg.ip) && isObj(cfg.ip.address) ? cfg.ip.address : {};
      return {
        ...base,
        link: adminUp ? 'up' : 'down',
        connected: adminUp ? 'yes' : 'no',
        address: text(ip.address) ?? '',
        mask: text(ip.mask) ?? '',
        global: false,
        defaultgw: false,
        summary: { layer: { conf: adminUp ? 'running' : 'disabled', link: 'running', ipv4: 'running', ipv6: 'disabled', ctrl: 'running' } },
      };
    }
    if (!isPppName(name)) return { ...base, link: 'down', connected: 'no' };
    const l = this.#links.get(name);
    const up = l?.phase === 'up' && l.lease !== undefined;
    const ip = isObj(cfg.ip) ? cfg.ip : {};
    const connect = isObj(cfg.connect) ? cfg.connect : {};
    // Negotiating or failed: `link` down with `summary.layer.link` pending, `connected: no` (doc §6, §7).
    const pending = adminUp ? 'pending' : 'disabled';
    const s: JsonObject = {
      ...base,
      link: up ? 'up' : 'down',
      connected: up ? 'yes' : 'no',
      mtu: typeof ip.mtu === 'number' ? ip.mtu : 1500,
      global: true,
      defaultgw: up,
      priority: typeof ip.global === 'number' ? ip.global : 65534,
      role: Array.isArray(cfg.role) ? cfg.role : ['inet'],
      via: text(connect.via) ?? CARRIER,
      summary: {
        layer: { conf: adminUp ? 'running' : 'disabled', link: up ? 'running' : pending, ipv4: up ? 'running' : pending, ipv6: 'disabled', ctrl: 'running' },
      },
    };
    if (up && l?.lease) {
      s.address = l.lease.ipv4;
      s.mask = '255.255.255.255';
      s.remote = l.lease.gateway;
      s.uptime = Math.floor((Date.now() - l.since) / 1000);
    }
    return s;
  }
}
