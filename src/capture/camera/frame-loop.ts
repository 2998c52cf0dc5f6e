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
