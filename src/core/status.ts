/**
 * What crosses between a browser and the operator's proxy: ids, the normalized status snapshot,
 * event details and error bodies, as values and types. No zod here: the browser checks these
 * shapes with `wire-checks.ts`; the server and the sandbox with the zod schemas of
 * `status-schemas.ts`, and test/node/wire-checks.test.ts holds the two to the same answers.
 */

/**
 * Verification ids, opaque: okID v1 process tokens (`tok_…`), v2 verification ids (`ver_…`), or
 * any other form okID may give (UUIDs, …): 1 to 200 characters from `A–Z a–z 0–9 . _ ~ : -`.
 * `.` and `..` alone are refused: as a URL path segment they mean "here" and "up" even when
 * percent-encoded, so no URL could carry them. Every URL built from an id encodes it.
 */
// Written without lookahead (so fast-check can generate from it): an id that starts with a
// non-dot, or one dot and a non-dot, or two dots and at least one more character.
export const VERIFICATION_ID_PATTERN =
  /^(?:[A-Za-z0-9_~:-][A-Za-z0-9._~:-]{0,199}|\.[A-Za-z0-9_~:-][A-Za-z0-9._~:-]{0,198}|\.\.[A-Za-z0-9._~:-]{1,198})$/;

/** The longest verification id. */
export const VERIFICATION_ID_MAX_LENGTH = 200;

/** {@link VERIFICATION_ID_PATTERN} in words, for error messages. */
export const VERIFICATION_ID_RULE = '1 to 200 of the characters A-Z a-z 0-9 . _ ~ : - (not one or two dots alone)';

export type VerificationId = string;

/** Normalized status values; the final ones are `completed`, `failed`, `expired`, `canceled`. */
export const Status = {
  Created: 'created',
  Opened: 'opened',
  InProgress: 'in_progress',
  Processing: 'processing',
  Completed: 'completed',
  Failed: 'failed',
  Expired: 'expired',
  Canceled: 'canceled',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export const FINAL_STATUSES: ReadonlySet<Status> = new Set(['completed', 'failed', 'expired', 'canceled']);

/** True when no further status change can happen. */
export const isFinalStatus = (status: Status): boolean => FINAL_STATUSES.has(status);

/** How a completed verification ended. */
export const OUTCOMES = ['verified', 'manual_review'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Where one step of the flow stands. */
export const STEP_STATES = ['pending', 'completed'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Steps whose progress a snapshot reports, in the order a user meets them. */
export const PROGRESS_STEPS = ['terms', 'document', 'liveness', 'form_data'] as const;
export type ProgressStep = (typeof PROGRESS_STEPS)[number];

/** Each step's state, for the steps the verification has. */
export type Progress = { [step in ProgressStep]?: StepState };

/**
 * What the proxy tells a browser about a verification. It carries no personal data: document
 * details and images stay on the server. Dates are ISO 8601 strings.
 */
export interface StatusSnapshot {
  /** Matches {@link VERIFICATION_ID_PATTERN}. */
  verificationId: VerificationId;
  status: Status;
  outcome?: Outcome;
  /**
   * okID's own status word, set when the proxy did not know it (the status is then an open one,
   * `in_progress`). A status word only (at most 64 characters): never personal data.
   */
  vendorStatus?: string;
  progress: Progress;
  updatedAt: string;
  expiresAt: string;
}

/** Error codes of `okid-error` events. */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  Network: 'NETWORK',
  AccessDenied: 'ACCESS_DENIED',
  VerificationNotFound: 'VERIFICATION_NOT_FOUND',
  VerificationExpired: 'VERIFICATION_EXPIRED',
  VerificationFailed: 'VERIFICATION_FAILED',
  VerificationCanceled: 'VERIFICATION_CANCELED',
  CameraDenied: 'CAMERA_DENIED',
  CameraUnavailable: 'CAMERA_UNAVAILABLE',
  UploadFailed: 'UPLOAD_FAILED',
  UnsupportedBrowser: 'UNSUPPORTED_BROWSER',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Detail of the `okid-error` event and argument of `onError`. */
export interface OkidErrorDetail {
  code: ErrorCode;
  message: string;
  /** True when retrying (or waiting) can still lead to a result, false when the flow is over. */
  recoverable: boolean;
  verificationId?: string;
}

/** Detail of the `okid-complete` event and argument of `onComplete`. */
export interface OkidCompleteDetail {
  verificationId: string;
  /**
   * What the vendor decided; absent when it does not say (OOTO-AI's `DONE`, uqudo's `INFO`): the
   * flow is over and your server reads the result from the vendor.
   */
  outcome?: Outcome;
  snapshot: StatusSnapshot;
}

/** Body of every proxy error response: a readable message and a stable code. */
export interface ProxyErrorBody {
  error: string;
  code: string;
}

/** Proxy error codes (HTTP bodies), beside the element's own codes above. */
export const ProxyErrorCode = {
  InvalidId: 'INVALID_ID',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  AccessDenied: 'ACCESS_DENIED',
  VerificationNotFound: 'VERIFICATION_NOT_FOUND',
  QrUnavailable: 'QR_UNAVAILABLE',
  RateLimited: 'RATE_LIMITED',
  UpstreamAuth: 'UPSTREAM_AUTH',
  UpstreamError: 'UPSTREAM_ERROR',
  UpstreamTimeout: 'UPSTREAM_TIMEOUT',
  BadRequest: 'BAD_REQUEST',
  InternalError: 'INTERNAL_ERROR',
} as const;

/** Answer of `POST {proxy}/verifications`. */
export interface CreatedVerification {
  /** Matches {@link VERIFICATION_ID_PATTERN}. */
  verificationId: VerificationId;
  verificationUrl: string;
  expiresAt: string;
}

