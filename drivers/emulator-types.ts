// What an emulated router needs from the lab's simulated ISP, and what every emulator offers the lab.
// Emulators depend on this interface only, so they run in tests without the whole lab.

export type DialResult =
  | { ok: true; ipv4: string; gateway: string; dns: string[] }
  | { ok: false; reason: 'auth_failed' | 'server_unreachable' | 'no_carrier'; message: string };

export interface DialRequest {
  /** Stable id of the emulated router (its address), used to track sessions. */
  routerId: string;
  proto: 'pppoe' | 'l2tp' | 'pptp';
  /** VPN server for L2TP/PPTP; absent for PPPoE. */
  server?: string | undefined;
  username: string;
  password: string;
}

export interface IspUpstream {
  /** Authenticate a PPP session (answers at once; the emulator adds its own dial delay). */
  dial(req: DialRequest): DialResult;
  /** The router ended its session (reconnect, config change, shutdown). */
  hangup(routerId: string): void;
  /**
   * The ISP may end a session on its own (e.g. after the password was changed in the cabinet).
   * Returns an unsubscribe function.
   */
  onDrop(routerId: string, listener: () => void): () => void;
}

/** Timings of an emulated router; short in tests, realistic in the demo. */
export interface EmulatorTimings {
  /** From (re)dial to the ISP's answer (PPP discovery + auth). */
  dialMs: number;
  /** Wait before redialling after a failure (pppd holdoff). */
  redialMs: number;
}

export interface RunningEmulator {
  family: string;
  host: string;
  httpPort: number;
  sshPort?: number | undefined;
  adminUser: string;
  /** Admin logins refused since start (the conformance suite checks that nothing retries). */
  readonly failedLogins: number;
  /** Authenticated sessions still open (the conformance suite checks that every run logs out). */
  activeSessions(): number;
  close(): Promise<void>;
}

/** What the lab asks of any family's emulator: one router with a PPP WAN on the lab ISP. */
export interface LabRouterOptions {
  host: string;
  adminPassword: string;
  wan: { proto: 'pppoe' | 'l2tp' | 'pptp'; username: string; password: string; server?: string | undefined };
  upstream: IspUpstream;
  timings: EmulatorTimings;
  /** Also serve the family's second transport (SSH) when it has one. */
  withSsh: boolean;
  /**
   * The lab's network model for pings from the router (families that can ping): whether `host` answers
   * while this router's WAN is up, and its round trip.
   */
  reachable?: ((host: string) => { ok: boolean; rttMs: number }) | undefined;
}
