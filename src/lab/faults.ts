// Faults the lab can inject, at start (`routerctl lab --fault NAME`) or at run time through the control
// API (POST/DELETE /faults/<name>), so one lab can play every case `routerctl diagnose` must tell apart.

export const LAB_FAULTS = {
  dns_down: "the provider's resolver stops answering (the router's DNS proxy, which forwards to it, too)",
  account_blocked: "the home router's account goes below zero: the provider redirects web traffic to its payment page",
  upstream_down: 'the provider loses its upstream: the line and PPP stay up, nothing beyond the provider answers',
  wan_cable: "the provider's cable is pulled from the home router: no carrier, no session",
  router_reset: 'the home router is reset to factory settings (WAN: DHCP, no login); cannot be undone without a restart',
  router_down: 'the home router is switched off; cannot be undone without a restart',
  slow: 'the internet answers slowly (web +600 ms, DNS +200 ms)',
  blackhole: 'every probe target accepts connections and never answers; resolvers stay silent',
  mtu_blackhole: 'large transfers stall after the first few packets (an MTU/MSS black hole); small ones pass',
} as const;

export type LabFault = keyof typeof LAB_FAULTS;

export const ONE_WAY_FAULTS: ReadonlySet<LabFault> = new Set<LabFault>(['router_reset', 'router_down']);

export function isLabFault(name: string): name is LabFault {
  return Object.hasOwn(LAB_FAULTS, name);
}

export class LabFaults {
  readonly #active = new Set<LabFault>();
  readonly #listeners = new Set<(fault: LabFault, on: boolean) => void | Promise<void>>();

  has(fault: LabFault): boolean {
    return this.#active.has(fault);
  }

  list(): LabFault[] {
    return [...this.#active].sort();
  }

  onChange(listener: (fault: LabFault, on: boolean) => void | Promise<void>): void {
    this.#listeners.add(listener);
  }

  /** Switches a fault and waits until the lab has acted on it. */
  async set(fault: LabFault, on: boolean): Promise<void> {
    if (on === this.#active.has(fault)) return;
    if (!on && ONE_WAY_FAULTS.has(fault)) throw new Error(`${fault} cannot be undone: restart the lab`);
    if (on) this.#active.add(fault);
    else this.#active.delete(fault);
    for (const l of [...this.#listeners]) await l(fault, on);
  }
}
