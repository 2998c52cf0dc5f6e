/**
 * Where the proxy tells the operator what to act on, and how it keeps a recurring problem (a
 * Redis outage, a stream of bad webhooks) to one line a minute.
 */

/**
 * Where the proxy reports what an operator must act on (a refused key, a failing okID, a hook
 * that threw). Lines never contain the API key.
 */
export interface OkidProxyLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Logs each kind of message at most once per `intervalMs`, saying how many were held back. */
export class RateLimitedLog {
  readonly #kinds = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(
    readonly logger: OkidProxyLogger,
    readonly intervalMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Logs `message` (as a warning, or an error) unless this kind was logged within the interval. */
  log(kind: string, message: string, level: 'warn' | 'error' = 'warn'): void {
    const now = this.now();
    const state = this.#kinds.get(kind);
    if (state && now - state.lastAt < this.intervalMs) {
      state.suppressed += 1;
      return;
    }
    const held = state?.suppressed ?? 0;
    this.#kinds.set(kind, { lastAt: now, suppressed: 0 });
    this.logger[level](held > 0 ? `${message} (${held} more like it in the last minute)` : message);
  }
}
