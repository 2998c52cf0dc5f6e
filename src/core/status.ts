/**
 * What crosses between a browser and the operator's proxy: ids, the normalized status snapshot,
 * event details and error bodies. The desktop bundle imports this module and no other schema
 * module, so the upstream and capture shapes never reach it (zod schemas are not tree-shaken).
 *
 * Written with `zod/mini` so that a browser bundle pays ~5 KB gzip for validation, not 26 KB.
 */
import { z } from 'zod/mini';

/** Verification ids: okID v1 process tokens (`tok_…`) and v2 verification ids (`ver_…`). */
export const VERIFICATION_ID_PATTERN = /^(ver|tok)_[A-Za-z0-9_-]{4,128}$/;

export const VerificationIdSchema = z.string().check(z.regex(VERIFICATION_ID_PATTERN));
export type VerificationId = z.infer<typeof VerificationIdSchema>;

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
export const StatusSchema = z.enum(Status);
export type Status = z.infer<typeof StatusSchema>;

export const FINAL_STATUSES: ReadonlySet<Status> = new Set(['completed', 'failed', 'expired', 'canceled']);

/** True when no further status change can happen. */
export const isFinalStatus = (status: Status): boolean => FINAL_STATUSES.has(status);

export const OutcomeSchema = z.enum(['verified', 'manual_review']);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const StepStateSchema = z.enum(['pending', 'completed']);
export type StepState = z.infer<typeof StepStateSchema>;

/** Steps whose progress a snapshot reports, in the order a user meets them. */
export const PROGRESS_STEPS = ['terms', 'document', 'liveness', 'form_data'] as const;
export type ProgressStep = (typeof PROGRESS_STEPS)[number];

export const ProgressSchema = z.object({
  terms: z.optional(StepStateSchema),
  document: z.optional(StepStateSchema),
  liveness: z.optional(StepStateSchema),
  form_data: z.optional(StepStateSchema),
});
export type Progress = z.infer<typeof ProgressSchema>;

/**
 * What the proxy tells a browser about a verification. It carries no personal data: document
 * details and images stay on the server. Dates are ISO 8601 strings.
 */
export const StatusSnapshotSchema = z.object({
  verificationId: VerificationIdSchema,
  status: StatusSchema,
  outcome: z.optional(OutcomeSchema),
  /**
   * okID's own status word, set when the proxy did not know it (the status is then an open one,
   * `in_progress`). A status word only: never personal data.
   */
  vendorStatus: z.optional(z.string().check(z.maxLength(64))),
  progress: ProgressSchema,
  updatedAt: z.string(),
  expiresAt: z.string(),
});
export type StatusSnapshot = z.infer<typeof StatusSnapshotSchema>;

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
  outcome: Outcome;
  snapshot: StatusSnapshot;
}

/** Body of every proxy error response: a readable message and a stable code. */
export const ProxyErrorBodySchema = z.object({ error: z.string(), code: z.string() });
export type ProxyErrorBody = z.infer<typeof ProxyErrorBodySchema>;

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
export const CreatedVerificationSchema = /* @__PURE__ */ z.object({
  verificationId: VerificationIdSchema,
  verificationUrl: z.string(),
  expiresAt: z.string(),
});
export type CreatedVerification = z.infer<typeof CreatedVerificationSchema>;

