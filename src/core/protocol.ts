/**
 * The one source of truth for every message that crosses a boundary: the normalized status
 * snapshot the proxy serves to browsers, the proxy's create and error bodies, the okID v1 and
 * v2client upstream shapes the proxy reads, and the capture API's flow config.
 *
 * Written with `zod/mini` so that a browser bundle pays ~7 KB gzip for validation, not 26 KB.
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
export const StatusSchema = z.enum([
  'created',
  'opened',
  'in_progress',
  'processing',
  'completed',
  'failed',
  'expired',
  'canceled',
]);
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
export const CreatedVerificationSchema = z.object({
  verificationId: VerificationIdSchema,
  verificationUrl: z.string(),
  expiresAt: z.string(),
});
export type CreatedVerification = z.infer<typeof CreatedVerificationSchema>;

/* ---------------------------------------------------------------------------------------------
 * Upstream okID shapes (read by the proxy, written by the sandbox).
 * ------------------------------------------------------------------------------------------- */

/** okID v2client `status.current` values. */
export const V2StatusSchema = z.enum([
  'generated',
  'started',
  'in_progress',
  'processing',
  'verified',
  'manual_review',
  'rejected',
  'expired',
  'canceled',
]);
export type V2Status = z.infer<typeof V2StatusSchema>;

/** okID v2client `GET /api/get-verification-details/{id}` (the fields the proxy reads). */
export const V2DetailsSchema = z.looseObject({
  verification_id: z.string(),
  status: z.looseObject({
    current: V2StatusSchema,
    updated_at: z.string(),
    progress: z.optional(z.record(z.string(), z.string())),
  }),
  expires_at: z.optional(z.string()),
  expiresAt: z.optional(z.string()),
});
export type V2Details = z.infer<typeof V2DetailsSchema>;

/** okID v1 `GET /v1/verification/:id` statuses. */
export const V1StatusSchema = z.enum([
  'pending',
  'started',
  'in_progress',
  'processing',
  'completed',
  'failed',
  'expired',
  'canceled',
]);
export type V1Status = z.infer<typeof V1StatusSchema>;

/** okID v1 `GET /v1/verification/:id` (the fields the proxy reads). */
export const V1VerificationSchema = z.looseObject({
  id: z.string(),
  status: V1StatusSchema,
  created_at: z.optional(z.string()),
  updated_at: z.optional(z.string()),
  completed_at: z.optional(z.nullable(z.string())),
  expires_at: z.optional(z.string()),
  outcome: z.optional(OutcomeSchema),
  progress: z.optional(z.record(z.string(), z.string())),
});
export type V1Verification = z.infer<typeof V1VerificationSchema>;

/** okID error body `{ error, details }`. */
export const UpstreamErrorBodySchema = z.looseObject({
  error: z.string(),
  details: z.optional(z.string()),
  current_status: z.optional(z.string()),
});

/* ---------------------------------------------------------------------------------------------
 * Capture API (phone ↔ okID, scoped by the verification id, no key).
 * ------------------------------------------------------------------------------------------- */

export const DocumentTypeSchema = z.enum(['passport', 'id_card', 'driving_licence']);
export type DocumentType = z.infer<typeof DocumentTypeSchema>;

export const DocumentSideSchema = z.enum(['front', 'back']);

export const LivenessPromptSchema = z.enum(['straight', 'left', 'right', 'up', 'down']);
export type LivenessPrompt = z.infer<typeof LivenessPromptSchema>;

/** Capture kinds accepted by `PUT {api}/v1/flow/{id}/captures/{kind}`. */
export const CAPTURE_KIND_PATTERN = /^(document_front|document_back|selfie|liveness_[0-9]{1,2})$/;

/** `GET {api}/v1/flow/{id}`. */
export const FlowConfigSchema = z.object({
  verificationId: VerificationIdSchema,
  status: StatusSchema,
  steps: z.array(z.string()),
  documentTypes: z.array(
    z.object({ type: DocumentTypeSchema, sides: z.array(DocumentSideSchema) }),
  ),
  liveness: z.object({ prompts: z.array(LivenessPromptSchema) }),
  progress: ProgressSchema,
  expiresAt: z.string(),
  returnUrl: z.optional(z.nullable(z.string())),
  deviceToken: z.string(),
});
export type FlowConfig = z.infer<typeof FlowConfigSchema>;

/** The capture API header that binds calls to the first device that opened the flow. */
export const DEVICE_HEADER = 'X-Okid-Device';
