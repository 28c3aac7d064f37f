// Why: netifd's interface state machine and ubus objects (network, network.interface[.<name>], network.device):
// PPP WANs dial the lab ISP through IspUpstream with pppd-style errors, retries and syslog lines
// (openwrt.md §5, §6.3/6.4; status shapes from fixtures 91–95, 99).
import type { DialRequest, DialResult, EmulatorTimings, IspUpstream } from '../../emulator-types.js';
import type { Syslog } from './syslog.js';
import type { Timers } from './timers.js';
import type { UciPackage } from './uci-model.js';
import { ok, reply, UBUS_STATUS, type Json, type JsonObject, type UbusMethod, type UbusObject } from './ubus.js';

export interface NetifdOptions {
  routerId: string;
  upstream?: IspUpstream | undefined;
  timings: EmulatorTimings;
  timers: Timers;
  syslog: Syslog;
  /** Committed /etc/config/network: what netifd reads on start and on reload. */
  readConfig(): UciPackage | undefined;
  idFor(name: string): number;
}

type IfState = 'down' | 'setup' | 'up';

interface IfError {
  subsystem: string;
  code: string;
}

interface Lease {
  address: string;
  mask: number;
  ptpaddress?: string | undefined;
  gateway?: string | undefined;
  dns: string[];
}

interface Iface {
  name: string;
  opts: Record<string, string | string[]>;
  configKey: string;
  state: IfState;
  available: boolean;
  autostart: boolean;
  errors: IfError[];
  since: number;
  lease?: Lease | undefined;
  timer?: NodeJS.Timeout | undefined;
  /** Bumped on every teardown so stale timer callbacks do nothing. */
  gen: number;
  pppPid: number;
}

const PPP_PROTOS = new Set(['pppoe', 'l2tp', 'pptp']);
/** Protocol handlers with no_device=1 (xl2tpd's l2tp.sh, ppp.sh pptp): status shows no "device". */
const NODEV_PROTOS = new Set(['l2tp', 'pptp']);
const KNOWN_PROTOS = new Set(['static', 'dhcp', 'dhcpv6', 'none', 'pppoe', 'l2tp', 'pptp']);

function str(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(' ') : v;
}

function maskBits(netmask: string | undefined): number {
  if (!netmask) return 32;
  if (/^\d+$/.test(netmask)) return parseInt(netmask, 10);
  return netmask.split('.').reduce((n, part) => n + (parseInt(part, 10) >>> 0).toString(2).split('1').length - 1, 0);
}

export class Netifd {
  private readonly ifaces = new Map<string, Iface>();
  private ulaPrefix: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(private readonly o: NetifdOptions) {}

  start(): void {
    if (this.o.upstream) this.unsubscribe = this.o.upstream.onDrop(this.o.routerId, () => this.onIspDrop());
    this.load(true);
  }

  close(): void {
    this.closed = true;
    for (const i of this.ifaces.values()) {
      const wasUp = i.state === 'up' && PPP_PROTOS.has(this.proto(i));
      this.o.timers.clear(i.timer);
      i.gen++;
      if (wasUp) this.o.upstream?.hangup(this.o.routerId);
    }
    this.unsubscribe?.();
  }

  // ------------------------------------------------------------ config

  private readIfaces(): Map<string, Record<string, string | string[]>> {
    const out = new Map<string, Record<string, string | string[]>>();
    const pkg = this.o.readConfig();
    this.ulaPrefix = undefined;
    for (const s of pkg?.sections ?? []) {
      if (s.type === 'globals') this.ulaPrefix = str(s.options.find((o) => o.name === 'ula_prefix')?.value);
      if (s.type !== 'interface') continue;
      const opts: Record<string, string | string[]> = {};
      for (const o of s.options) opts[o.name] = Array.isArray(o.value) ? [...o.value] : o.value;
      out.set(s.name, opts);
    }
    return out;
  }

  private static key(opts: Record<string, string | string[]>): string {
    return JSON.stringify(Object.entries(opts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private load(boot: boolean): void {
    const wanted = this.readIfaces();
    for (const [name, i] of [...this.ifaces]) {
      if (wanted.has(name)) continue;
      this.teardown(i, 'removed');
      this.ifaces.delete(name);
    }
    for (const [name, opts] of wanted) {
      const key = Netifd.key(opts);
      const existing = this.ifaces.get(name);
      if (existing && !boot) {
        if (existing.configKey === key) continue;
        // config change: errors cleared, torn down, set up again if autostart (openwrt.md §5.1)
        this.teardown(existing, 'reload');
        existing.opts = opts;
        existing.configKey = key;
        existing.errors = [];
        existing.available = true;
        if (existing.autostart) this.setUp(existing);
        continue;
      }
      const i: Iface = {
        name,
        opts,
        configKey: key,
        state: 'down',
        available: true,
        autostart: str(opts.auto) !== '0' && str(opts.disabled) !== '1',
        errors: [],
        since: Date.now(),
        gen: 0,
        pppPid: 0,
      };
      this.ifaces.set(name, i);
      if (i.autostart) this.setUp(i);
    }
  }

  /** `network reload` / reload_config / config.change from procd. */
  reload(): void {
    if (this.closed) return;
    this.o.syslog.log('daemon.notice', 'netifd', 'Reloading network configuration');
    this.load(false);
  }

  /** `network restart` / `/etc/init.d/network restart`. */
  restart(): void {
    if (this.closed) return;
    for (const i of this.ifaces.values()) this.teardown(i, 'down');
    this.ifaces.clear();
    this.load(true);
  }

  names(): string[] {
    return [...this.ifaces.keys()].sort();
  }

  has(name: string): boolean {
    return this.ifaces.has(name);
  }

  /** ubus network.interface up: sets autostart and brings the interface up if it is down. */
  up(name: string): boolean {
    const i = this.ifaces.get(name);
    if (!i) return false;
    i.autostart = true;
    if (i.state === 'down') this.setUp(i);
    return true;
  }

  /** ubus network.interface down: autostart off, errors cleared, torn down. */
  down(name: string): boolean {
    const i = this.ifaces.get(name);
    if (!i) return false;
    i.autostart = false;
    i.errors = [];
    this.teardown(i, 'down');
    return true;
  }

  /** True while any PPP WAN holds a session (used by `ping`). */
  online(): boolean {
    return [...this.ifaces.values()].some((i) => i.state === 'up' && (PPP_PROTOS.has(this.proto(i)) || this.proto(i) === 'dhcp' || i.name.startsWith('wan')));
  }

  // ------------------------------------------------------------ state machine

  private proto(i: Iface): string {
    const p = str(i.opts.proto) ?? 'none';
    return KNOWN_PROTOS.has(p) ? p : 'none';
  }

  private device(i: Iface): string | undefined {
    return str(i.opts.device) ?? str(i.opts.ifname);
  }

  private l3Device(i: Iface): string | undefined {
    const p = this.proto(i);
    if (PPP_PROTOS.has(p)) return `${p}-${i.name}`;
    return this.device(i);
  }

  private setUp(i: Iface): void {
    if (this.closed) return;
    const proto = this.proto(i);
    const raw = str(i.opts.proto) ?? 'none';
    if (!KNOWN_PROTOS.has(raw)) i.errors = [{ subsystem: 'proto', code: 'INVALID_PROTO' }];
    i.gen++;
    this.o.timers.clear(i.timer);
    if (proto === 'static' || proto === 'none') {
      this.markUp(i, this.staticLease(i));
      return;
    }
    i.state = 'setup';
    this.o.syslog.log('daemon.notice', 'netifd', `Interface '${i.name}' is setting up now`);
    if (proto === 'dhcpv6') return; // no DHCPv6 server in the lab: odhcp6c keeps soliciting
    const gen = i.gen;
    if (proto === 'dhcp') {
      if (!this.o.upstream) return; // no carrier: udhcpc never gets a lease
      i.timer = this.o.timers.set(this.o.timings.dialMs, () => {
        if (i.gen !== gen) return;
        this.markUp(i, { address: '198.51.100.23', mask: 24, gateway: '198.51.100.1', dns: ['198.51.100.1'] });
      });
      return;
    }
    // PPP: pppd started by ppp.sh / xl2tpd
    i.pppPid = 1000 + Math.floor(Math.random() * 28000);
    const pppd = `pppd[${i.pppPid}]`;
    if (proto === 'pppoe') this.o.syslog.log('daemon.info', pppd, 'Plugin pppoe.so loaded.');
    if (proto === 'pptp') this.o.syslog.log('daemon.info', pppd, 'Plugin pptp.so loaded.');
    this.o.syslog.log('daemon.notice', pppd, 'pppd 2.5.1 started by root, uid 0');
    i.timer = this.o.timers.set(this.o.timings.dialMs, () => {
      if (i.gen !== gen) return;
      this.dial(i);
    });
  }

  /**
   * One pppd run. Deliberate deviations: openwrt.md §6.4 marks l2tp error reporting UNVERIFIED; the emulator
   * reports errors for l2tp/pptp exactly like pppoe. "No carrier" is modelled as available:false + NO_DEVICE
   * for every PPP proto (on a real router l2tp/pptp would rather fail to reach the server).
   */
  private dial(i: Iface): void {
    const proto = this.proto(i) as DialRequest['proto'];
    const req: DialRequest = {
      routerId: this.o.routerId,
      proto,
      server: proto === 'pppoe' ? undefined : str(i.opts.server),
      username: str(i.opts.username) ?? '',
      password: str(i.opts.password) ?? '',
    };
    const result: DialResult = this.o.upstream
      ? this.o.upstream.dial(req)
      : { ok: false, reason: 'no_carrier', message: 'no carrier on the WAN port' };
    const pppd = `pppd[${i.pppPid}]`;
    const l3 = this.l3Device(i)!;
    const log = (facility: string, msg: string): void => this.o.syslog.log(facility, pppd, msg);
    const xl2tpd = `xl2tpd[${(i.pppPid + 7) % 30000}]`;
    if (proto === 'l2tp' && (result.ok || result.reason !== 'no_carrier')) {
      this.o.syslog.log('daemon.notice', xl2tpd, `Connecting to host ${req.server ?? ''}, port 1701`);
    }
    if (!result.ok && result.reason !== 'auth_failed') {
      if (result.reason === 'no_carrier') {
        if (proto === 'pppoe') {
          log('daemon.warn', 'Timeout waiting for PADO packets');
          log('daemon.err', 'Unable to complete PPPoE Discovery');
        } else log('daemon.err', `Connect to ${req.server ?? ''} failed: Network unreachable`);
        i.available = false;
        this.fail(i, { subsystem: 'interface', code: 'NO_DEVICE' }, !!this.o.upstream);
      } else {
        if (proto === 'l2tp') this.o.syslog.log('daemon.notice', xl2tpd, `Maximum retries exceeded for tunnel ${i.pppPid}.  Closing.`);
        else log('daemon.err', `Connect to ${req.server ?? ''} failed: ${result.message}`);
        this.fail(i, { subsystem: proto, code: 'CONNECT_FAILED' }, true);
      }
      return;
    }
    i.available = true;
    if (proto === 'pppoe') {
      log('daemon.info', `PPP session is ${1 + (i.pppPid % 65000)}`);
      log('daemon.warn', `Connected to 02:00:5e:10:00:01 via interface ${this.device(i) ?? 'wan'}`);
    } else if (proto === 'l2tp') {
      this.o.syslog.log('daemon.notice', xl2tpd, `Connection established to ${req.server ?? ''}, 1701.  Local: ${i.pppPid}, Remote: 1 (ref=0/0).`);
      this.o.syslog.log('daemon.notice', xl2tpd, `Call established with ${req.server ?? ''}, PID: ${i.pppPid}, Local: ${i.pppPid + 1}, Remote: 1, Serial: 1`);
    }
    this.o.syslog.kernel(`${l3}: renamed from ppp0`);
    log('daemon.info', `Renamed interface ppp0 to ${l3}`);
    log('daemon.info', `Using interface ${l3}`);
    log('daemon.notice', `Connect: ${l3} <--> ${proto === 'pppoe' ? this.device(i) ?? 'wan' : '/dev/pts/0'}`);
    if (!result.ok) {
      // an ISP (RADIUS) rejection, exactly like fixtures/openwrt/logread-pppoe-pap-auth-failed.txt
      log('daemon.info', `Remote message: ${result.message}`);
      log('daemon.err', 'PAP authentication failed');
      log('daemon.notice', 'Modem hangup');
      log('daemon.notice', 'Connection terminated.');
      const block = str(i.opts.authfail) === '1';
      this.fail(i, { subsystem: proto, code: 'AUTH_TOPEER_FAILED' }, !block, block);
      return;
    }
    log('daemon.notice', 'PAP authentication succeeded');
    log('daemon.notice', `local  IP address ${result.ipv4}`);
    log('daemon.notice', `remote IP address ${result.gateway}`);
    result.dns.forEach((d, n) => log('daemon.notice', `${n === 0 ? 'primary  ' : 'secondary'} DNS address ${d}`));
    this.o.syslog.log('daemon.notice', 'netifd', `Network device '${l3}' link is up`);
    this.markUp(i, { address: result.ipv4, mask: 32, ptpaddress: result.gateway, gateway: result.gateway, dns: [...result.dns] });
  }

  /** pppd exited with an error: interface down with the error recorded, then redial while autostart. */
  private fail(i: Iface, err: IfError, retry: boolean, blockRestart = false): void {
    if (PPP_PROTOS.has(this.proto(i))) this.o.syslog.log('daemon.info', `pppd[${i.pppPid}]`, 'Exit.');
    this.o.syslog.log('daemon.notice', 'netifd', `Interface '${i.name}' is now down`);
    i.state = 'down';
    i.lease = undefined;
    i.errors = [err]; // a later error replaces the earlier one (openwrt.md §8 pitfall 5)
    if (blockRestart) i.autostart = false; // authfail '1': proto_block_restart
    if (retry && i.autostart) this.scheduleRedial(i);
  }

  private scheduleRedial(i: Iface): void {
    const gen = i.gen;
    i.timer = this.o.timers.set(this.o.timings.redialMs, () => {
      if (i.gen !== gen || !i.autostart || i.state !== 'down') return;
      const errors = i.errors;
      this.setUp(i);
      i.errors = errors; // errors stay visible while redialling; cleared on success, down or config change
    });
  }

  private markUp(i: Iface, lease: Lease | undefined): void {
    i.state = 'up';
    i.since = Date.now();
    i.lease = lease;
    i.available = true;
    if (PPP_PROTOS.has(this.proto(i)) || this.proto(i) === 'dhcp') i.errors = [];
    this.o.syslog.log('daemon.notice', 'netifd', `Interface '${i.name}' is now up`);
  }

  private teardown(i: Iface, why: 'down' | 'reload' | 'removed' | 'drop'): void {
    const wasUp = i.state === 'up';
    const wasActive = i.state !== 'down';
    this.o.timers.clear(i.timer);
    i.timer = undefined;
    i.gen++;
    const ppp = PPP_PROTOS.has(this.proto(i));
    if (ppp && wasActive && why !== 'drop') {
      const pppd = `pppd[${i.pppPid}]`;
      this.o.syslog.log('daemon.info', pppd, 'Terminating on signal 15');
      if (wasUp) this.o.syslog.log('daemon.notice', pppd, 'Connection terminated.');
      this.o.syslog.log('daemon.info', pppd, 'Exit.');
    }
    if (wasUp && ppp && why !== 'drop') this.o.upstream?.hangup(this.o.routerId); // the ISP already ended a dropped one
    if (wasActive) this.o.syslog.log('daemon.notice', 'netifd', `Interface '${i.name}' is now down`);
    i.state = 'down';
    i.lease = undefined;
  }

  /** The ISP ended the PPP session (e.g. password changed in the cabinet): pppd exits, netifd redials. */
  private onIspDrop(): void {
    for (const i of this.ifaces.values()) {
      if (i.state !== 'up' || !PPP_PROTOS.has(this.proto(i))) continue;
      const pppd = `pppd[${i.pppPid}]`;
      this.o.syslog.log('daemon.info', pppd, 'LCP terminated by peer');
      this.o.syslog.log('daemon.notice', pppd, 'Modem hangup');
      this.o.syslog.log('daemon.notice', pppd, 'Connection terminated.');
      this.o.syslog.log('daemon.notice', 'netifd', `Network device '${this.l3Device(i)}' link is down`);
      this.o.syslog.log('daemon.notice', 'netifd', `Interface '${i.name}' has lost the connection`);
      this.teardown(i, 'drop');
      i.errors = [{ subsystem: this.proto(i), code: 'HANGUP' }];
      if (i.autostart) this.scheduleRedial(i);
    }
  }

  private staticLease(i: Iface): Lease | undefined {
    const ip = str(i.opts.ipaddr);
    if (!ip) return undefined;
    const [addr, cidr] = ip.split('/');
    return { address: addr!, mask: cidr ? parseInt(cidr, 10) : maskBits(str(i.opts.netmask)), gateway: str(i.opts.gateway), dns: [] };
  }

  // ------------------------------------------------------------ status (netifd ubus.c netifd_dump_status)

  /**
   * Deliberate deviation: fixtures 91/95 show "proto":"none" because the capture's DUMMY_MODE netifd had no
   * l2tp handler script; a real router (and this emulator) shows the configured proto.
   */
  status(name: string): JsonObject | undefined {
    const i = this.ifaces.get(name);
    if (!i) return undefined;
    const proto = this.proto(i);
    const up = i.state === 'up';
    const o: JsonObject = { up, pending: i.state === 'setup', available: i.available, autostart: i.autostart, dynamic: false };
    if (up) {
      o.uptime = Math.floor((Date.now() - i.since) / 1000);
      const l3 = this.l3Device(i);
      if (l3) o.l3_device = l3;
    }
    o.proto = proto;
    const dev = this.device(i);
    if (dev && !NODEV_PROTOS.has(proto)) o.device = dev;
    if (up) {
      const ppp = PPP_PROTOS.has(proto) || proto === 'dhcp';
      const lease = i.lease;
      if (lease) o.updated = ppp ? ['addresses', 'routes'] : ['addresses'];
      o.metric = 0;
      o.dns_metric = 0;
      o.delegation = true;
      const addr: JsonObject = lease ? { address: lease.address, mask: lease.mask } : {};
      if (lease?.ptpaddress) addr.ptpaddress = lease.ptpaddress;
      o['ipv4-address'] = lease ? [addr] : [];
      o['ipv6-address'] = [];
      o['ipv6-prefix'] = [];
      const assign = str(i.opts.ip6assign);
      if (assign && this.ulaPrefix) {
        const base = this.ulaPrefix.split('/')[0]!;
        const m = parseInt(assign, 10);
        o['ipv6-prefix-assignment'] = [{ address: base, mask: m, 'local-address': { address: `${base}1`, mask: m } }];
      } else o['ipv6-prefix-assignment'] = [];
      o.route = lease && ppp && lease.gateway ? [{ target: '0.0.0.0', mask: 0, nexthop: lease.gateway, source: '0.0.0.0/0' }] : [];
      o['dns-server'] = lease ? [...lease.dns] : [];
      o['dns-search'] = [];
      o.neighbors = [];
      o.inactive = { 'ipv4-address': [], 'ipv6-address': [], route: [], 'dns-server': [], 'dns-search': [], neighbors: [] };
    }
    o.data = {};
    if (i.errors.length) o.errors = i.errors.map((e) => ({ subsystem: e.subsystem, code: e.code }));
    return o;
  }

  dump(): JsonObject {
    return { interface: this.names().map((n) => ({ interface: n, ...this.status(n)! })) };
  }

  private deviceStatus(name: string): JsonObject | undefined {
    const devices = new Set<string>(['lo', 'br-lan', 'lan1', 'lan2', 'lan3', 'lan4']);
    for (const i of this.ifaces.values()) {
      const d = this.device(i);
      if (d) devices.add(d);
      if (i.state === 'up' && PPP_PROTOS.has(this.proto(i))) devices.add(this.l3Device(i)!);
    }
    if (!devices.has(name)) return undefined;
    const carrier = name.startsWith('lan') || name === 'lo' || name === 'br-lan' || !!this.o.upstream;
    return {
      external: false,
      present: true,
      type: name === 'br-lan' ? 'bridge' : 'Network device',
      up: true,
      carrier,
      auth_status: false,
      link: carrier,
      statistics: {},
    };
  }

  // ------------------------------------------------------------ ubus objects

  private ifaceMethods(fixed: string | undefined): Record<string, UbusMethod> {
    const target = (raw: JsonObject): { name?: string; status: number } => {
      if (fixed) return { name: fixed, status: 0 };
      const n = raw.interface;
      if (typeof n !== 'string') return { status: UBUS_STATUS.INVALID_ARGUMENT };
      if (!this.ifaces.has(n)) return { status: UBUS_STATUS.NOT_FOUND };
      return { name: n, status: 0 };
    };
    const wrap = (fn: (name: string) => ReturnType<UbusMethod['handler']>): UbusMethod => ({
      policy: {},
      handler: (_a, _c, raw) => {
        const t = target(raw);
        if (!t.name) return reply(t.status);
        if (!this.ifaces.has(t.name)) return reply(UBUS_STATUS.NOT_FOUND);
        return fn(t.name);
      },
    });
    const notSupported: UbusMethod = { policy: {}, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) };
    return {
      up: wrap((n) => (this.up(n), ok())),
      down: wrap((n) => (this.down(n), ok())),
      renew: wrap(() => ok()),
      restart: wrap((n) => {
        const i = this.ifaces.get(n)!;
        const auto = i.autostart;
        this.down(n);
        if (auto) this.up(n);
        return ok();
      }),
      status: wrap((n) => ok(this.status(n))),
      prepare: wrap(() => ok()),
      dump: { policy: {}, handler: () => ok(this.dump()) },
      add_device: { policy: { name: 'string', 'link-ext': 'bool', vlan: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
      remove_device: { policy: { name: 'string', 'link-ext': 'bool', vlan: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
      notify_proto: notSupported,
      remove: notSupported,
      set_data: notSupported,
    };
  }

  objects(): UbusObject[] {
    const notSupported: UbusMethod = { policy: {}, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) };
    const objs: UbusObject[] = [
      {
        name: 'network',
        id: this.o.idFor('network'),
        methods: {
          restart: { policy: {}, handler: () => (this.restart(), ok()) },
          reload: { policy: {}, handler: () => (this.reload(), ok()) },
          add_host_route: { policy: { target: 'string', v6: 'bool', interface: 'string', exclude: 'bool' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
          get_proto_handlers: {
            policy: {},
            handler: () => {
              const handlers: JsonObject = {};
              for (const p of ['dhcp', 'dhcpv6', 'l2tp', 'none', 'pppoe', 'pptp', 'static']) handlers[p] = { no_device: NODEV_PROTOS.has(p) } as Json;
              return ok(handlers);
            },
          },
          add_dynamic: { policy: { name: 'string' }, handler: () => notSupported.handler({}, {}, {}) },
          netns_updown: { policy: { jail: 'string', start: 'bool' }, handler: () => notSupported.handler({}, {}, {}) },
        },
      },
      {
        name: 'network.device',
        id: this.o.idFor('network.device'),
        methods: {
          status: {
            policy: { name: 'string' },
            handler: (a) => {
              if (typeof a.name === 'string') {
                const s = this.deviceStatus(a.name);
                return s ? ok(s) : reply(UBUS_STATUS.NOT_FOUND);
              }
              const all: JsonObject = {};
              for (const d of ['br-lan', 'lan1', 'lan2', 'lan3', 'lan4', 'lo', 'wan']) {
                const s = this.deviceStatus(d);
                if (s) all[d] = s;
              }
              return ok(all);
            },
          },
          set_state: { policy: { name: 'string', defer: 'bool', auth_status: 'bool', auth_vlans: 'array' }, handler: () => reply(UBUS_STATUS.NOT_SUPPORTED) },
        },
      },
      { name: 'network.interface', id: this.o.idFor('network.interface'), methods: this.ifaceMethods(undefined) },
    ];
    for (const n of this.names()) {
      objs.push({ name: `network.interface.${n}`, id: this.o.idFor(`network.interface.${n}`), methods: this.ifaceMethods(n) });
    }
    return objs;
  }
}
