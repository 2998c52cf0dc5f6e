/**
 * How a capture API call fails: one error class with a code per reason and whether the same call
 * may succeed later, so the flow maps reasons to screens without reading HTTP statuses.
 */

/** Why a capture API call failed; `retryable` says whether the same call may succeed later. */
export type CaptureApiErrorCode =
  | 'OTHER_DEVICE'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'FINISHED'
  | 'BAD_REQUEST'
  | 'NETWORK'
  | 'SERVER'
  | 'RATE_LIMITED';

/** Options of {@link CaptureApiError}. */
export interface CaptureApiErrorInit {
  /** HTTP status of the answer that decided it; 0 when there was none (network, timeout, client check). */
  status: number;
  code: CaptureApiErrorCode;
  retryable: boolean;
  /** From `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** Submit's 400: the captures (and `terms`) the server still needs. */
  missing?: string[];
  /** The form's 400: a message per refused field, by field name. */
  fields?: Record<string, string>;
  cause?: unknown;
}

/**
 * A refused or failed capture API call. Messages come from the server's `{ error, details }`
 * body or from this module, and never contain the device token.
 */
export class CaptureApiError extends Error {
  readonly status: number;
  readonly code: CaptureApiErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly missing?: string[];
  readonly fields?: Record<string, string>;

  constructor(message: string, init: CaptureApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CaptureApiError';
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.missing !== undefined) this.missing = init.missing;
    if (init.fields !== undefined) this.fields = init.fields;
  }
}
