/**
 * Retry timing shared by every poller and uploader: exponential backoff with full jitter
 * (a random delay between 0 and the exponential cap, so many clients that failed together do
 * not retry together) and `Retry-After` parsing.
 */

export interface BackoffOptions {
  /** First cap, in milliseconds. */
  baseMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
  /** Smallest delay, in milliseconds, so a retry never spins. */
  minMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 for the first retry), in milliseconds. */
export function fullJitterDelay(attempt: number, { baseMs, maxMs, minMs = 0, random = Math.random }: BackoffOptions): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.floor(random() * cap));
}

/**
 * Reads a `Retry-After` header (delta seconds or an HTTP date) as milliseconds from `now`.
 * Returns `undefined` when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
