/**
 * What the browser checks in everything that reaches it over the wire (the proxy's snapshots,
 * error bodies and created verifications here; the capture API's flow config in
 * `flow-config-check.ts`, so a desktop page never carries it), without zod: a few
 * small checks, a few hundred bytes where zod/mini cost ~5 KB gzip in each browser file. They
 * accept and return exactly what the zod schemas in `status-schemas.ts` and
 * `capture-api-schemas.ts` (the server's and the sandbox's) accept and return: a copy, unknown
 * keys dropped. test/node/wire-checks.test.ts holds both to the same answers on generated input.
 */
import { OUTCOMES, STEP_STATES, Status, VERIFICATION_ID_PATTERN, type CreatedVerification, type Progress, type ProxyErrorBody, type StatusSnapshot } from './status.js';

/** Why a value was refused: where (`documentTypes[0].type`) and what was expected there. */
export class WireCheckError extends Error {
  override name = 'WireCheckError';
}

/** Checks `value` (found at `path`) and returns a copy of what was checked; throws {@link WireCheckError}. */
export type Check<T> = (value: unknown, path: string) => T;

/** The outcome of {@link checkWire}. */
export type WireResult<T> = { ok: true; value: T } | { ok: false; error: WireCheckError };

const refuse = (path: string, expected: string): never => {
  throw new WireCheckError(`${path || 'the answer'}: expected ${expected}`);
};

/** A check of one value by `accepts`, refused as not `expected`. */
export const test =
  <T>(accepts: (value: unknown) => boolean, expected: string): Check<T> =>
  (value, path) =>
    accepts(value) ? (value as T) : refuse(path, expected);

/** Any string. */
export const string = test<string>((value) => typeof value === 'string', 'a string');

/** A string that `pattern` matches. */
export const matching = (pattern: RegExp): Check<string> => test((value) => typeof value === 'string' && pattern.test(value), `a string matching ${pattern}`);

/** One of `values`. */
export const oneOf = <T extends string>(values: readonly T[]): Check<T> => test((value) => (values as readonly unknown[]).includes(value), `one of ${values.join(', ')}`);

/** `undefined`, or what `check` accepts. */
export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value, path) =>
    value === undefined ? undefined : check(value, path);

/** An array of what `check` accepts, each item checked. */
export const array =
  <T>(check: Check<T>): Check<T[]> =>
  (value, path) =>
    Array.isArray(value) ? value.map((item, index) => check(item, `${path}[${index}]`)) : refuse(path, 'an array');

/** A plain JSON object: not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON text parsed, or `undefined` when it is not JSON (a check then refuses it). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An object with these keys (unknown keys dropped; an optional key absent stays absent). */
export const object =
  <T>(shape: { [K in keyof T]-?: Check<T[K]> }): Check<T> =>
  (value, path) => {
    if (!isRecord(value)) return refuse(path, 'an object');
    const copy: Record<string, unknown> = {};
    for (const key in shape) {
      const checked = shape[key](value[key], path ? `${path}.${key}` : key);
      if (checked !== undefined || key in value) copy[key] = checked;
    }
    return copy as T;
  };

/** Checks `value` with `check`: what it is, or why it is refused. */
export function checkWire<T>(check: Check<T>, value: unknown): WireResult<T> {
  try {
    return { ok: true, value: check(value, '') };
  } catch (error) {
    if (error instanceof WireCheckError) return { ok: false, error };
    throw error;
  }
}

/** A verification id ({@link VERIFICATION_ID_PATTERN}). */
export const verificationId = matching(VERIFICATION_ID_PATTERN);
/** An optional outcome. */
export const outcome = optional(oneOf(OUTCOMES));
const stepState = optional(oneOf(STEP_STATES));
/** Each step's state. */
export const progress = object<Progress>({ terms: stepState, document: stepState, liveness: stepState, form_data: stepState });
/** A normalized status. */
export const status = oneOf(Object.values(Status));

/** A status snapshot from the proxy (event stream or GET). */
export const statusSnapshot: Check<StatusSnapshot> = object<StatusSnapshot>({
  verificationId,
  status,
  outcome,
  vendorStatus: optional(test<string>((value) => typeof value === 'string' && value.length <= 64, 'a string of at most 64 characters')),
  progress,
  updatedAt: string,
  expiresAt: string,
});

/** The body of a proxy error answer. */
export const proxyErrorBody: Check<ProxyErrorBody> = object<ProxyErrorBody>({ error: string, code: string });

/** The answer of `POST {proxy}/verifications`. */
export const createdVerification: Check<CreatedVerification> = object<CreatedVerification>({ verificationId, verificationUrl: string, expiresAt: string });
