/**
 * Small I/O pieces of the okID client: an abortable wait, and
 * the code hidden in a failed fetch's cause.
 *
 * @module
 */

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts; the timer never outlives it. */
export function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** undici hides `ECONNREFUSED` and friends in `cause` (an `AggregateError` when several addresses failed). */
export function errorCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; errors?: unknown[] } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  const codes = (cause?.errors ?? []).map((e) => (e as { code?: unknown }).code);
  return codes.length > 0 && codes.every((c) => c === codes[0]) && typeof codes[0] === 'string' ? codes[0] : '';
}

export const describeFetchError = (error: unknown): string => {
  const code = errorCode(error);
  return code === '' ? '' : ` (${code})`;
};
