/**
 * One clock for every countdown on the page: a single chained timeout that fires on each
 * wall-clock second while anyone listens, and stops when nobody does. Many elements cost one
 * timer, and their countdowns change in step.
 */

type Listener = (now: number) => void;

const listeners = new Set<Listener>();
let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(): void {
  // Aligning to the next whole second keeps "4:59" from flickering late relative to the clock.
  timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}

function tick(): void {
  timer = undefined;
  const now = Date.now();
  for (const listener of [...listeners]) listener(now);
  if (listeners.size > 0) schedule();
}

/** Calls `listener` once a second until the returned function is called. */
export function onSecond(listener: Listener): () => void {
  listeners.add(listener);
  if (timer === undefined) schedule();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** Whole seconds from `now` until `isoDate`, never negative; `undefined` for an unreadable date. */
export function secondsUntil(isoDate: string | undefined, now = Date.now()): number | undefined {
  if (!isoDate) return undefined;
  const at = Date.parse(isoDate);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
