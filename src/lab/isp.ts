// The lab's simulated ISP: subscriber accounts, PPP/L2TP/PPTP authentication for emulated routers,
// and the sessions that decide whether a router "has internet". Pure state, no sockets: the HTTP
// control API, the internet target and DNS live in their own modules and read this.
import type { DialRequest, DialResult, IspUpstream } from '../../drivers/emulator-types.js';

/** The provider's end of every PPP session (the peer a router pings first). */
export const ISP_PPP_PEER = '100.64.0.1';

export interface IspAccount {
  username: string;
  password: string;
  /** Roubles; a negative balance means the account is blocked for non-payment. */
  balance: number;
}

export interface IspSession {
  routerId: string;
  username: string;
  ipv4: string;
  since: number;
}

export interface IspOptions {
  /** VPN servers (L2TP/PPTP) this ISP answers on, e.g. tp.internet.beeline.ru. */
  vpnServers: string[];
  /** Whether PPPoE access concentrators answer (a PPPoE router dials without a server name). */
  pppoe: boolean;
  dns: string[];
  /** Ends the subscriber's session when the password changes, as cabinets do. */
  dropSessionOnPasswordChange: boolean;
}

export class SimulatedIsp implements IspUpstream {
  private readonly accounts = new Map<string, IspAccount>();
  private readonly sessions = new Map<string, IspSession>();
  private readonly dropListeners = new Map<string, Set<() => void>>();
  private readonly changeListeners = new Set<() => void>();
  /** Routers whose WAN cable is "pulled": they dial into nothing. */
  private readonly noCarrier = new Set<string>();
  private nextHost = 10;

  constructor(private readonly options: IspOptions) {}

  addAccount(account: IspAccount): void {
    this.accounts.set(account.username, { ...account });
  }

  /** Account list without passwords (what the control API shows). */
  listAccounts(): { username: string; balance: number; online: boolean }[] {
    return [...this.accounts.values()].map((a) => ({
      username: a.username,
      balance: a.balance,
      online: [...this.sessions.values()].some((s) => s.username === a.username),
    }));
  }

  hasAccount(username: string): boolean {
    return this.accounts.has(username);
  }

  /** The cabinet's "change password": the old one stops working, live sessions may be dropped. */
  changePassword(username: string, password: string): void {
    const account = this.accounts.get(username);
    if (!account) throw new Error(`no such account: ${username}`);
    account.password = password;
    if (this.options.dropSessionOnPasswordChange) this.dropSessionsOf(username);
  }

  setBalance(username: string, balance: number): void {
    const account = this.accounts.get(username);
    if (!account) throw new Error(`no such account: ${username}`);
    account.balance = balance;
    this.changed();
  }

  balanceOf(username: string): number | undefined {
    return this.accounts.get(username)?.balance;
  }

  /** The account of a router's live session has a negative balance: the provider shows its payment page. */
  isBlocked(routerId: string): boolean {
    const s = this.sessions.get(routerId);
    const balance = s ? this.accounts.get(s.username)?.balance : undefined;
    return balance !== undefined && balance < 0;
  }

  /** The lab's "pull the WAN cable": the session ends and every dial finds no carrier until it is back. */
  setCarrier(routerId: string, up: boolean): void {
    if (up) this.noCarrier.delete(routerId);
    else {
      this.noCarrier.add(routerId);
      this.dropSession(routerId);
    }
    this.changed();
  }

  /** Called on every change of sessions, balances or carriers (the lab's internet follows it). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  dial(req: DialRequest): DialResult {
    this.hangup(req.routerId);
    if (this.noCarrier.has(req.routerId)) return { ok: false, reason: 'no_carrier', message: 'no carrier on the WAN port' };
    if (req.proto === 'pppoe' ? !this.options.pppoe : !this.serverKnown(req.server)) {
      return {
        ok: false,
        reason: req.proto === 'pppoe' ? 'no_carrier' : 'server_unreachable',
        message: req.proto === 'pppoe' ? 'no PADO from any access concentrator' : `no answer from ${req.server ?? '(no server)'}`,
      };
    }
    const account = this.accounts.get(req.username);
    if (!account || account.password !== req.password) {
      // What a BRAS says in its PAP/CHAP reject; the router logs it as "Remote message".
      return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    }
    const ipv4 = `100.64.0.${this.nextHost++ % 250 + 2}`;
    this.sessions.set(req.routerId, { routerId: req.routerId, username: req.username, ipv4, since: Date.now() });
    this.changed();
    return { ok: true, ipv4, gateway: ISP_PPP_PEER, dns: [...this.options.dns] };
  }

  hangup(routerId: string): void {
    if (this.sessions.delete(routerId)) this.changed();
  }

  onDrop(routerId: string, listener: () => void): () => void {
    let set = this.dropListeners.get(routerId);
    if (!set) this.dropListeners.set(routerId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** True while the router holds a PPP session: the lab's "internet through this router" works. */
  isOnline(routerId: string): boolean {
    return this.sessions.has(routerId);
  }

  session(routerId: string): IspSession | undefined {
    return this.sessions.get(routerId);
  }

  private serverKnown(server: string | undefined): boolean {
    if (!server) return false;
    const host = server.replace(/:\d+$/, '').toLowerCase();
    return this.options.vpnServers.some((s) => s.toLowerCase() === host);
  }

  private dropSessionsOf(username: string): void {
    for (const session of [...this.sessions.values()]) {
      if (session.username === username) this.dropSession(session.routerId);
    }
  }

  private dropSession(routerId: string): void {
    if (!this.sessions.delete(routerId)) return;
    for (const listener of this.dropListeners.get(routerId) ?? []) listener();
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener();
      } catch {
        // a listener's problem is not the ISP's
      }
    }
  }
}
