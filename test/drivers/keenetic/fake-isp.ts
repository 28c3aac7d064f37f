// A tiny IspUpstream for the Keenetic tests: one account per user name, a VPN server name for
// L2TP/PPTP, and switches for a dead line. Records dials without the password unless asked.
import type { DialRequest, DialResult, IspUpstream } from '../../../drivers/emulator-types.js';

export class FakeIsp implements IspUpstream {
  static readonly USER = '089xxxxxxx';
  static readonly PASS = 'old-isp-pass';
  static readonly VPN = 'tp.internet.beeline.ru';

  readonly accounts = new Map<string, string>([[FakeIsp.USER, FakeIsp.PASS]]);
  readonly dials: Array<Omit<DialRequest, 'password'>> = [];
  /** The password of the last dial, for exactness checks (never printed). */
  lastPassword: string | undefined;
  noCarrier = false;
  hangups = 0;
  readonly #drops = new Map<string, Set<() => void>>();

  dial(req: DialRequest): DialResult {
    this.dials.push({ routerId: req.routerId, proto: req.proto, server: req.server, username: req.username });
    this.lastPassword = req.password;
    if (this.noCarrier) return { ok: false, reason: 'no_carrier', message: 'no carrier' };
    if (req.proto !== 'pppoe' && req.server !== FakeIsp.VPN) return { ok: false, reason: 'server_unreachable', message: 'no route to the VPN server' };
    if (this.accounts.get(req.username) !== req.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.12.34', gateway: '100.64.0.1', dns: ['100.64.0.53'] };
  }

  hangup(): void {
    this.hangups++;
  }

  onDrop(routerId: string, listener: () => void): () => void {
    const set = this.#drops.get(routerId) ?? new Set();
    set.add(listener);
    this.#drops.set(routerId, set);
    return () => set.delete(listener);
  }

  drop(routerId: string): void {
    for (const l of this.#drops.get(routerId) ?? []) l();
  }
}
