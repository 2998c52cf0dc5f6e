/**
 * Fixed-window counters kept in this process: the memory hub's `count()` and the limiter's
 * per-instance limit. Bounded, so a flood of client addresses cannot grow memory without end.
 */

/** Most clients remembered per local table; the oldest windows go first past it. */
export const MAX_TRACKED_CLIENTS = 100_000;

/** A count in a fixed window: how many so far, and milliseconds until the window resets. */
export interface WindowCount {
  count: number;
  resetMs: number;
}

/** Fixed-window counters in this process, bounded: windows expire in insertion order. */
export class LocalWindows {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(readonly now: () => number = Date.now) {}

  /** Adds one to `key`'s window (a new one of `windowMs` when none is running). */
  count(key: string, windowMs: number): WindowCount {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      this.#windows.delete(key);
      window = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, window);
      this.#sweep(now);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.resetAt - now };
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.resetAt > now && this.#windows.size <= MAX_TRACKED_CLIENTS) break;
      this.#windows.delete(key);
    }
  }
}
