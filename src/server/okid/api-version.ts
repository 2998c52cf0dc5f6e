/**
 * Which okID API reads a verification id. `tok_…` ids are v1 process tokens, always; for any
 * other form (okID's ids are opaque: `ver_…`, UUIDs, …) the operator's `apiVersionOf` decides,
 * and without one they are v2client ids.
 */
import { errors } from '../common/errors.js';
import type { OkidProxyLogger } from '../common/log.js';

/** Answers `'v1'` or `'v2'` for a verification id that does not start with `tok_`. */
export type ApiVersionOf = (verificationId: string) => 'v1' | 'v2';

/** Checks the `apiVersionOf` option at start: a function, or absent. */
export function checkApiVersionOf(value: unknown): ApiVersionOf | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new TypeError("createOkidProxy: apiVersionOf must be a function (verificationId) => 'v1' | 'v2'.");
  }
  return value as ApiVersionOf;
}

/**
 * The API of `id`: v1 for `tok_…`; else what `apiVersionOf` answers, v2 without it. An answer
 * other than `'v1'`/`'v2'` (or a throw) is the operator's bug: logged, and a 500 for the browser.
 */
export function apiVersionFor(id: string, apiVersionOf: ApiVersionOf | undefined, logger: OkidProxyLogger): 'v1' | 'v2' {
  if (id.startsWith('tok_')) return 'v1';
  if (apiVersionOf === undefined) return 'v2';
  let answer: unknown;
  try {
    answer = apiVersionOf(id);
  } catch (error) {
    logger.error(`okid-verify: the apiVersionOf option threw: ${error instanceof Error ? error.message : String(error)}`);
    throw errors.internal(error);
  }
  if (answer === 'v1' || answer === 'v2') return answer;
  const shown = typeof answer === 'string' ? JSON.stringify(answer.slice(0, 20)) : typeof answer;
  logger.error(`okid-verify: the apiVersionOf option answered ${shown}; it must answer 'v1' or 'v2'.`);
  throw errors.internal();
}

