/**
 * The camera steps' frame loop: work on animation frames (so never in a hidden tab), at most
 * every `intervalMs`, one at a time, until stopped or until the step's signal aborts.
 */

/** Runs `work` until `signal` aborts or the returned function is called; `onFrame` runs on every frame. */
export function startFrameLoop(
  signal: AbortSignal,
  intervalMs: number,
  work: (now: number) => Promise<void> | void,
  onFrame?: () => void,
): () => void {
  let handle: number | undefined;
  let last = 0;
  let busy = false;
  const stop = (): void => {
    if (handle !== undefined) cancelAnimationFrame(handle);
    handle = undefined;
    signal.removeEventListener('abort', stop);
  };
  const tick = (now: number): void => {
    if (signal.aborted) return;
    handle = requestAnimationFrame(tick);
    onFrame?.();
    if (busy || now - last < intervalMs) return;
    last = now;
    busy = true;
    void Promise.resolve(work(performance.timeOrigin + now))
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
  if (signal.aborted) return stop;
  signal.addEventListener('abort', stop, { once: true });
  handle = requestAnimationFrame(tick);
  return stop;
}

/** `promise`, or a rejection after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** ID-1 cards (ID cards, driving licences) are 85.6 × 54 mm; passports' data page is close. */
const CARD_ASPECT = 85.6 / 54;

/**
 * The document guide, in frame pixels: the overlay is 86% of the width of a 4:3 view cropped
 * from the centre of the frame (object-fit: cover), at the card's aspect.
 */
export function guideRegion(width: number, height: number): { x: number; y: number; width: number; height: number } {
  const visibleWidth = Math.min(width, (height * 4) / 3);
  const w = Math.min(visibleWidth * 0.86, height * 0.86 * CARD_ASPECT);
  const h = w / CARD_ASPECT;
  return { x: Math.round((width - w) / 2), y: Math.round((height - h) / 2), width: Math.round(w), height: Math.round(h) };
}
