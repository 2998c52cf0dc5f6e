/**
 * The okID v1 and v2client shapes the proxy and `createOkidClient` read and the sandbox writes.
 * Server-side in use (no browser code parses okID's keyed API), but free of Node so `protocol`
 * can re-export them. Objects are loose: okID may add fields, and an added field must not break
 * an operator's integration.
 */
import { z } from 'zod/mini';
import { VERIFICATION_ID_PATTERN } from './status.js';
import { OutcomeSchema } from './status-schemas.js';

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
  created_at: z.optional(z.string()),
  /** The operator's own `extra_data`, as given at generation. */
  extra_data: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  return_url: z.optional(z.nullable(z.string())),
  /**
   * Per-module results (`document`, `liveness`, `form_data`) once okID decided; their inner shape
   * is okID's and not documented field by field, so it is passed on unchecked.
   */
  results: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
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
  document_type: z.optional(z.nullable(z.string())),
  /** The person's document data once completed (name, document number, dates): personal data. */
  verification_details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  /** The operator's own `metadata`, as given at generation. */
  metadata: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
export type V1Verification = z.infer<typeof V1VerificationSchema>;

/** okID error body `{ error, details }`. */
export const UpstreamErrorBodySchema = z.looseObject({
  error: z.string(),
  details: z.optional(z.string()),
  current_status: z.optional(z.string()),
});


/** okID v2client `POST /api/generate-verification` answer. */
export const GeneratedVerificationSchema = /* @__PURE__ */ z.looseObject({
  verificationId: z.string().check(z.regex(VERIFICATION_ID_PATTERN)),
  expiresAt: z.string(),
  /** Sent by the sandbox (and okID deployments that know their portal URL). */
  verificationUrl: z.optional(z.string()),
  modules: z.optional(z.record(z.string(), z.unknown())),
  flow: z.optional(z.array(z.string())),
});
export type GeneratedVerification = z.infer<typeof GeneratedVerificationSchema>;

/** okID v1 `POST /v1/verification/generate` answer. */
export const GeneratedTokenSchema = /* @__PURE__ */ z.looseObject({
  process_token: z.string().check(z.regex(VERIFICATION_ID_PATTERN)),
  expires_at: z.string(),
});
export type GeneratedToken = z.infer<typeof GeneratedTokenSchema>;

/** Body of okID v2client `POST /api/generate-verification`; both fields optional. */
export const GenerateVerificationInputSchema = /* @__PURE__ */ z.strictObject({
  extra_data: z.optional(z.record(z.string(), z.unknown())),
  return_url: z.optional(z.url({ protocol: /^https?$/ })),
});
export type GenerateVerificationInput = z.infer<typeof GenerateVerificationInputSchema>;

/** Body of okID v1 `POST /v1/verification/generate`; every field optional. */
export const GenerateTokenInputSchema = /* @__PURE__ */ z.strictObject({
  metadata: z.optional(z.record(z.string(), z.unknown())),
  callback_url: z.optional(z.url({ protocol: /^https?$/ })),
  success_url: z.optional(z.url({ protocol: /^https?$/ })),
  error_url: z.optional(z.url({ protocol: /^https?$/ })),
});
export type GenerateTokenInput = z.infer<typeof GenerateTokenInputSchema>;
