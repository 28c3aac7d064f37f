// PPP clients of the emulated RouterOS dialling the lab ISP (IspUpstream). One dial per enabled client:
// after dialMs the ISP answers; success makes the client `running` with a dynamic /ip/address entry,
// failure is logged and retried after redialMs. Log wording follows doc §5 ("<name>: terminating... -
// authentication failed", "… - peer is not responding", "<name>: connected"/"disconnected"); the exact
// RouterOS texts for PPPoE are UNVERIFIED, and "no response from access concentrator" is ours.
import type { DialResult, EmulatorTimings, IspUpstream } from '../../emulator-types.js';
import type { PppMenu } from '../common.js';
import type { RosState, RosItem } from './state.js';

const PROTO: Record<PppMenu, 'pppoe' | 'l2tp' | 'pptp'> = { 'pppoe-client': 'pppoe', 'l2tp-client': 'l2tp', 'pptp-client': 'pptp' };

interface Link {
  timer?: NodeJS.Timeout | undefined;
  /** Incremented on every restart: a late ISP answer of an older attempt is ignored. */
  epoch: number;
  up: boolean;
  since?: number | undefined;
  ipv4?: string | undefined;
  gateway?: string | undefined;
}

export class PppManager {
  readonly #links = new Map<string, Link>();
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    private readonly o: { routerId: string; upstream: IspUpstream | undefined; timings: EmulatorTimings; state: RosState },
  ) {
    this.#unsubscribe = o.upstream?.onDrop(o.routerId, () => {
      for (const [key, l] of this.#links) if (l.up) this.#restart(key, 'disconnected - peer terminated the session', o.timings.redialMs);
    }) ?? (() => undefined);
  }

  start(): void {
    for (const { menu, item } of this.o.state.pppClients()) this.restart(menu, item);
  }

  /** (Re)starts one client: hang up if up, dial again after dialMs if enabled. */
  restart(menu: PppMenu, item: RosItem): void {
    this.#restart(`${menu}/${item['.id']}`, undefined, 0);
  }

  monitor(menu: PppMenu, item: RosItem): Record<string, string> {
    const l = this.#links.get(`${menu}/${item['.id']}`);
    if (item.disabled === 'true') return { status: 'disabled' };
    if (!l?.up) return { status: 'dialing...' };
    const s = Math.floor((Date.now() - (l.since ?? Date.now())) / 1000);
    return { status: 'connected', uptime: `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`, 'local-address': l.ipv4 ?? '', 'remote-address': l.gateway ?? '', mtu: '1480', mru: '1480', encoding: '' };
  }

  reboot(): void {
    for (const [key, l] of this.#links) this.#down(key, l, false);
    this.#links.clear();
    this.start();
  }

  close(): void {
    this.#closed = true;
    for (const [key, l] of this.#links) this.#down(key, l, false);
    this.#unsubscribe();
  }

  #find(key: string): { menu: PppMenu; item: RosItem } | undefined {
    return this.o.state.pppClients().find((c) => `${c.menu}/${c.item['.id']}` === key);
  }

  #down(key: string, l: Link, log: boolean): void {
    clearTimeout(l.timer);
    l.timer = undefined;
    l.epoch++;
    const c = this.#find(key);
    if (l.up) {
      l.up = false;
      this.o.upstream?.hangup(this.o.routerId);
      if (c && log) this.o.state.log('pppoe,ppp,info', `${c.item.name}: disconnected`);
    }
    if (c) {
      c.item.running = 'false';
      this.o.state.removeDynamicAddress(c.item.name!);
    }
  }

  #restart(key: string, why: string | undefined, delayMs: number): void {
    if (this.#closed) return;
    const l = this.#links.get(key) ?? { epoch: 0, up: false };
    this.#links.set(key, l);
    const c = this.#find(key);
    if (why && c) this.o.state.log('pppoe,ppp,info', `${c.item.name}: ${why}`);
    this.#down(key, l, true);
    if (!c || c.item.disabled === 'true') return;
    const epoch = l.epoch;
    l.timer = setTimeout(() => this.#dial(key, epoch), delayMs);
    l.timer.unref();
  }

  #dial(key: string, epoch: number): void {
    const l = this.#links.get(key);
    const c = this.#find(key);
    if (!l || !c || l.epoch !== epoch || this.#closed || c.item.disabled === 'true') return;
    const name = c.item.name!;
    this.o.state.log('pppoe,ppp,info', `${name}: initializing...`);
    this.o.state.log('pppoe,ppp,info', `${name}: dialing...`);
    l.timer = setTimeout(() => {
      if (l.epoch !== epoch || this.#closed) return;
      const cur = this.#find(key);
      if (!cur || cur.item.disabled === 'true') return;
      const server = cur.menu === 'pppoe-client' ? undefined : cur.item['connect-to'];
      const r: DialResult = this.o.upstream
        ? this.o.upstream.dial({ routerId: this.o.routerId, proto: PROTO[cur.menu], server, username: cur.item.user ?? '', password: cur.item.password ?? '' })
        : { ok: false, reason: 'no_carrier', message: 'no upstream' };
      if (r.ok) {
        l.up = true;
        l.since = Date.now();
        l.ipv4 = r.ipv4;
        l.gateway = r.gateway;
        cur.item.running = 'true';
        this.o.state.addDynamicAddress(name, r.ipv4, r.gateway);
        this.o.state.log('pppoe,ppp,info', `${name}: authenticated`);
        this.o.state.log('pppoe,ppp,info,account', `${name}: connected`);
        return;
      }
      const text =
        r.reason === 'auth_failed' ? 'terminating... - authentication failed' : r.reason === 'server_unreachable' ? 'terminating... - peer is not responding' : 'terminating... - no response from access concentrator';
      this.o.state.log('pppoe,ppp,error', `${name}: ${text}`);
      this.o.state.log('pppoe,ppp,info', `${name}: disconnected`);
      l.timer = setTimeout(() => this.#dial(key, epoch), this.o.timings.redialMs);
      l.timer.unref();
    }, this.o.timings.dialMs);
    l.timer.unref();
  }
}
