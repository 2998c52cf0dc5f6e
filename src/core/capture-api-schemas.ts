/**
 * The zod schemas of the capture API's shapes (`capture-api.ts`, `form-fields.ts`), for the
 * sandbox, the tests and `okid-verify/protocol`. The phone's chunk never imports this module: it
 * checks the same shapes with `wire-checks.ts`, held to the same answers by
 * test/node/wire-checks.test.ts; each schema is held to its hand-written type below.
 */
import { z } from 'zod/mini';
import { DOCUMENT_SIDES, DOCUMENT_TYPES, LIVENESS_PROMPTS, type DocumentSide, type DocumentType, type FlowConfig, type LivenessPrompt } from './capture-api.js';
import { FORM_FIELD_NAME, MAX_FORM_VALUE_LENGTH, type FormField } from './form-fields.js';
import { OutcomeSchema, ProgressSchema, StatusSchema, VerificationIdSchema, type AllTrue, type SameType } from './status-schemas.js';

/** One field of the form step, as `GET {api}/v1/flow/{id}` lists it. */
export const FormFieldSchema = z.object({
  name: z.string().check(z.regex(FORM_FIELD_NAME)),
  type: z.string(),
  required: z.boolean(),
  // One refine, not z.int/minimum/maximum: those pull in ~600 B (gzip) of zod's number formats.
  maxLength: z.optional(z.number().check(z.refine((n) => Number.isInteger(n) && n >= 1 && n <= MAX_FORM_VALUE_LENGTH))),
  pattern: z.optional(z.string()),
  autocomplete: z.optional(z.string()),
  label: z.optional(z.string()),
});

export const DocumentTypeSchema = z.enum(DOCUMENT_TYPES);

export const DocumentSideSchema = z.enum(DOCUMENT_SIDES);

export const LivenessPromptSchema = z.enum(LIVENESS_PROMPTS);

/** `GET {api}/v1/flow/{id}`. */
export const FlowConfigSchema = z.object({
  verificationId: VerificationIdSchema,
  status: StatusSchema,
  steps: z.array(z.string()),
  documentTypes: z.array(z.object({ type: DocumentTypeSchema, sides: z.array(DocumentSideSchema) })),
  liveness: z.object({ prompts: z.array(LivenessPromptSchema) }),
  form: z.optional(z.object({ fields: z.array(FormFieldSchema) })),
  progress: ProgressSchema,
  outcome: z.optional(OutcomeSchema),
  updatedAt: z.optional(z.string()),
  expiresAt: z.string(),
  returnUrl: z.optional(z.nullable(z.string())),
  operator: z.optional(z.object({ name: z.string(), url: z.string() })),
  deviceToken: z.string(),
});

// Each schema infers exactly the type its module declares (checked by `tsc`, nothing at run time).
export type CaptureApiSchemasMatch = AllTrue<[
  SameType<z.infer<typeof FormFieldSchema>, FormField>,
  SameType<z.infer<typeof DocumentTypeSchema>, DocumentType>,
  SameType<z.infer<typeof DocumentSideSchema>, DocumentSide>,
  SameType<z.infer<typeof LivenessPromptSchema>, LivenessPrompt>,
  SameType<z.infer<typeof FlowConfigSchema>, FlowConfig>,
]>;
