/**
 * The zod schemas of `status.ts`'s shapes, for the server (what it sends and what it reads from
 * the Redis hub), the sandbox and `okid-verify/protocol`. Browser bundles never import this
 * module: they check the same shapes with `wire-checks.ts` (no zod, ~5 KB gzip less in each
 * file), and test/node/wire-checks.test.ts holds both to the same answers on generated input.
 * Each schema is also held to its hand-written type below, so neither can change alone.
 */
import { z } from 'zod/mini';
import {
  OUTCOMES,
  STEP_STATES,
  Status,
  VERIFICATION_ID_PATTERN,
  type CreatedVerification,
  type Outcome,
  type Progress,
  type ProxyErrorBody,
  type StatusSnapshot,
  type StepState,
} from './status.js';

export const VerificationIdSchema = z.string().check(z.regex(VERIFICATION_ID_PATTERN));

export const StatusSchema = z.enum(Status);

export const OutcomeSchema = z.enum(OUTCOMES);

export const StepStateSchema = z.enum(STEP_STATES);

export const ProgressSchema = z.object({
  terms: z.optional(StepStateSchema),
  document: z.optional(StepStateSchema),
  liveness: z.optional(StepStateSchema),
  form_data: z.optional(StepStateSchema),
});

export const StatusSnapshotSchema = z.object({
  verificationId: VerificationIdSchema,
  status: StatusSchema,
  outcome: z.optional(OutcomeSchema),
  vendorStatus: z.optional(z.string().check(z.maxLength(64))),
  progress: ProgressSchema,
  updatedAt: z.string(),
  expiresAt: z.string(),
});

/** Body of every proxy error response: a readable message and a stable code. */
export const ProxyErrorBodySchema = z.object({ error: z.string(), code: z.string() });

/** Answer of `POST {proxy}/verifications`. */
export const CreatedVerificationSchema = z.object({
  verificationId: VerificationIdSchema,
  verificationUrl: z.string(),
  expiresAt: z.string(),
});

/** True when `A` and `B` are the same type. */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Accepts only a list of `true`: one `false` fails the typecheck. */
export type AllTrue<T extends readonly true[]> = T;

// Each schema infers exactly the type status.ts declares (checked by `tsc`, nothing at run time).
type Parsed<S extends z.ZodMiniType> = z.infer<S>;
export type StatusSchemasMatch = AllTrue<[
  SameType<Parsed<typeof StatusSchema>, Status>,
  SameType<Parsed<typeof OutcomeSchema>, Outcome>,
  SameType<Parsed<typeof StepStateSchema>, StepState>,
  SameType<Parsed<typeof ProgressSchema>, Progress>,
  SameType<Parsed<typeof StatusSnapshotSchema>, StatusSnapshot>,
  SameType<Parsed<typeof ProxyErrorBodySchema>, ProxyErrorBody>,
  SameType<Parsed<typeof CreatedVerificationSchema>, CreatedVerification>,
]>;
