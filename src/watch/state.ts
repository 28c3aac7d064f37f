// The watch state machine (docs: diagnostics.md §4.1), pure: up → suspect → down → recovering → up.
//  - The first failed cycle is `suspect` and asks for a fast re-check (30 s by default).
//  - `down` after `downAfter` (3) failed observations in a row; a deterministic router fact
//    (cable out, provider refused the password) goes down after one confirming re-read (10 s).
//  - Back to `up` after `upAfter` (2) passes in a row (`recovering` in between).
//  - While down, a change of cause is its own event; a reminder repeats every reminderMs (0 = never).
// Only `down`, `up`, `cause_changed` and `reminder` are events (alerted); every transition is one log line.
import type { Observation, WatchEventKind, WatchState } from './types.js';

export interface MachineConfig {
  downAfter: number;
  upAfter: number;
  /** Delay of the fast re-check while suspect or recovering. */
  recheckMs: number;
  /** Delay of the confirming re-read of a deterministic fact. */
  confirmMs: number;
  /** Reminder while down; 0 = none. */
  reminderMs: number;
}

export interface MachineMemory {
  state: WatchState;
  /** When the current state was entered (ms since epoch). */
  since: number;
  fails: number;
  passes: number;
  /** The cause of the current suspicion or outage. */
  cause?: string | undefined;
  /** First failed observation of the current (suspected) outage. */
  outageStart?: number | undefined;
  /** First passing observation after the outage (the recovery time). */
  recoveryStart?: number | undefined;
  /** Last down / cause / reminder event while down (for reminders). */
  lastNotice?: number | undefined;
}

export interface MachineEvent {
  kind: Exclude<WatchEventKind, 'heal'>;
  from: WatchState;
  to: WatchState;
  cause: string;
  previousCause?: string | undefined;
  outageMs?: number | undefined;
}

export interface MachineStep {
  memory: MachineMemory;
  transition?: { from: WatchState; to: WatchState } | undefined;
  event?: MachineEvent | undefined;
  /** Ask for an extra cycle this soon (ms), before the next beat. */
  recheckInMs?: number | undefined;
}

export function initialMemory(now: number, state: WatchState = 'up'): MachineMemory {
  return { state, since: now, fails: 0, passes: 0 };
}

export function observe(mem: MachineMemory, obs: Observation, now: number, cfg: MachineConfig): MachineStep {
  const move = (to: WatchState, patch: Partial<MachineMemory>, event?: MachineEvent, recheckInMs?: number): MachineStep => ({
    memory: { ...mem, ...patch, state: to, since: to === mem.state ? mem.since : now },
    transition: to === mem.state ? undefined : { from: mem.state, to },
    event,
    recheckInMs,
  });
  const goDown = (from: WatchState): MachineStep =>
    move('down', { fails: mem.fails + 1, passes: 0, cause: obs.cause, lastNotice: now, recoveryStart: undefined }, { kind: 'down', from, to: 'down', cause: obs.cause });

  switch (mem.state) {
    case 'up': {
      if (obs.ok) return move('up', { fails: 0, passes: 0 });
      if (cfg.downAfter <= 1) return move('down', { fails: 1, passes: 0, cause: obs.cause, outageStart: now, lastNotice: now }, { kind: 'down', from: 'up', to: 'down', cause: obs.cause });
      return move('suspect', { fails: 1, passes: 0, cause: obs.cause, outageStart: now }, undefined, obs.deterministic ? cfg.confirmMs : cfg.recheckMs);
    }
    case 'suspect': {
      if (obs.ok) return move('up', { fails: 0, passes: 0, cause: undefined, outageStart: undefined });
      const fails = mem.fails + 1;
      if ((obs.deterministic && fails >= 2) || fails >= cfg.downAfter) return goDown('suspect');
      return move('suspect', { fails, cause: obs.cause }, undefined, obs.deterministic ? cfg.confirmMs : cfg.recheckMs);
    }
    case 'down': {
      if (obs.ok) {
        if (cfg.upAfter <= 1) return goUp('down', now);
        return move('recovering', { passes: 1, fails: 0, recoveryStart: now }, undefined, cfg.recheckMs);
      }
      return stayDown(obs, now);
    }
    case 'recovering': {
      if (obs.ok) {
        const passes = mem.passes + 1;
        if (passes >= cfg.upAfter) return goUp('recovering', mem.recoveryStart ?? now);
        return move('recovering', { passes }, undefined, cfg.recheckMs);
      }
      // Not recovered after all: back to down, one log line, no alert (unless the cause changed).
      const step = stayDown(obs, now);
      return { ...step, memory: { ...step.memory, state: 'down', since: now, recoveryStart: undefined }, transition: { from: 'recovering', to: 'down' } };
    }
  }

  function goUp(from: WatchState, recoveredAt: number): MachineStep {
    const cause = mem.cause ?? 'unknown';
    const outageMs = mem.outageStart !== undefined ? Math.max(0, recoveredAt - mem.outageStart) : undefined;
    return move('up', { fails: 0, passes: 0, cause: undefined, outageStart: undefined, recoveryStart: undefined, lastNotice: undefined }, { kind: 'up', from, to: 'up', cause, outageMs });
  }

  function stayDown(o: Observation, t: number): MachineStep {
    const base: MachineMemory = { ...mem, state: 'down', fails: mem.fails + 1, passes: 0 };
    if (o.cause !== mem.cause) {
      return {
        memory: { ...base, cause: o.cause, lastNotice: t },
        event: { kind: 'cause_changed', from: mem.state, to: 'down', cause: o.cause, previousCause: mem.cause },
      };
    }
    if (cfg.reminderMs > 0 && t - (mem.lastNotice ?? mem.since) >= cfg.reminderMs) {
      return {
        memory: { ...base, lastNotice: t },
        event: { kind: 'reminder', from: 'down', to: 'down', cause: o.cause, outageMs: mem.outageStart !== undefined ? t - mem.outageStart : undefined },
      };
    }
    return { memory: base };
  }
}

/** Verdicts that are facts the router states, confirmed by one re-read rather than three cycles. */
const DETERMINISTIC = new Set(['wan_cable', 'ppp_auth_failed', 'ppp_auth_failed.password_changed']);

export function isDeterministic(verdict: string): boolean {
  return DETERMINISTIC.has(verdict);
}
