/**
 * The okID v1 and v2client shapes the proxy reads and the sandbox writes. Server-side only.
 */
import { z } from 'zod/mini';
import { OutcomeSchema } from './status.js';


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

