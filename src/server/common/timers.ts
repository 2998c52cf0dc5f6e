/**
 * Timers that work on every runtime the proxy runs on. Node returns a `Timeout` object with
 * `unref()`; Deno and web workers return a number, which has no methods.
 */

/** What `setTimeout` returns here, whatever the runtime. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * Lets the process exit while only this timer is pending, where the runtime supports it (Node);
 * elsewhere it does nothing. Returns the handle, for chaining.
 */
export function unrefTimer<T>(timer: T): T {
  if (typeof timer === 'object' && timer !== null) (timer as { unref?: () => unknown }).unref?.();
  return timer;
}
