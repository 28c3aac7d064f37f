// Every emulator timer goes through here: unref'd (never keeps the process alive) and all cleared by close().
export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();
  #closed = false;

  set(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.#closed) return undefined;
    const t = setTimeout(() => {
      this.#pending.delete(t);
      fn();
    }, Math.max(0, ms));
    t.unref();
    this.#pending.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.#pending.delete(t);
  }

  closeAll(): void {
    this.#closed = true;
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}
