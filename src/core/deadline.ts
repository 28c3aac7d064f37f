// A deadline as an AbortSignal, for use inside AbortSignal.any().
//
// Why not AbortSignal.timeout(): on Node 20 AbortSignal.any() holds its sources only weakly, and a
// timeout signal that nothing else references is garbage-collected with its timer, so the combined
// signal never fires (measured on 20.20: 0 of 50 fired after a gc()). A request then waits forever on
// a router that drips its answer. Here the timer itself holds the controller, and the caller clears it
// when the work ends, so no timer outlives its request either.

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer; call it when the work ends, however it ends. */
  clear(): void;
}

export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  // The same reason AbortSignal.timeout() gives, so error mapping treats both alike.
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), Math.max(0, ms));
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
