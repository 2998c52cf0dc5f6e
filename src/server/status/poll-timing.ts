/**
 * When a watch polls okID, and how long it waits on the hub first: the head start a new
 * subscription gets, the patience of a poll's lease call, and the pause after a refused read.
 * Kept apart from the watch so the pacing rules read in one place.
 */
import { OkidProxyError } from '../common/errors.js';
import { HUB_DEADLINE_MS } from '../hub/guarded-hub.js';
import { unrefTimer } from '../common/timers.js';

/** Longest wait okID can ask for with a 429's `Retry-After` before the next poll. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * How long a new watch waits for its hub subscription before reading okID anyway, so a new
 * stream gets its first snapshot within a second whatever the hub does. Subscribed in time, no
 * change between the read and the subscription can be missed; subscribed later, the watch polls
 * at once to cover that gap.
 */
export const SUBSCRIBE_HEAD_START_MS = 250;

/** How long a poll waits for the hub's lease answer before reading okID anyway. */
export const leasePatienceMs = (pollIntervalMs: number): number => Math.min(HUB_DEADLINE_MS, Math.max(250, pollIntervalMs / 4));

/** Resolves like `promise`, or with `fallback` after `ms` if it has not settled by then. */
export function firstOf<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = unrefTimer(setTimeout(() => resolve(fallback), ms));
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** okID's `Retry-After` of a refused read (seconds, as the proxy passes it on), in milliseconds. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof OkidProxyError) || error.retryAfter === undefined) return undefined;
  const seconds = Number(error.retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * The pause before the next poll after a failed one: the same pace as when okID answers (one
 * read per verification per interval is the promise either way, and it lets a desktop see the
 * result within two intervals of okID being back); only okID's own Retry-After (a 429) slows it.
 */
export function pollDelayAfterError(error: unknown, pollIntervalMs: number): number {
  return Math.max(pollIntervalMs, Math.min(MAX_RETRY_AFTER_MS, retryAfterMs(error) ?? 0));
}

/** Resolves after `ms` (an unref'd timer: a head start alone does not keep the process up). */
export function headStart(ms = SUBSCRIBE_HEAD_START_MS): Promise<void> {
  return new Promise<void>((resolve) => unrefTimer(setTimeout(resolve, ms)));
}
