/**
 * Sliding-window rate limit per API key: okID allows 100 verification generations a minute.
 * The sandbox enforces it too, so an integration meets the 429 in development, not in
 * production.
 */

/** The verdict on one call. */
export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the next call would be allowed (only when refused). */
  retryAfterSeconds: number;
}

/** At most `limit` calls per key in any `windowMs` span (timestamps kept per key, pruned on use). */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one call for `key` when allowed; a refused call does not count. */
  take(key: string): RateLimitResult {
    const now = this.#now();
    const since = now - this.#windowMs;
    const recent = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.#limit) {
      this.#hits.set(key, recent);
      const oldest = recent[0] ?? now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.#hits.set(key, recent);
    return { allowed: true, retryAfterSeconds: 0 };
  }
}
