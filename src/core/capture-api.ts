/**
 * The capture API (phone ↔ okID, scoped by the verification id, no key): flow config and
 * capture kinds. Read by the capture chunk and written by the sandbox.
 */
import { z } from 'zod/mini';
import { FormFieldSchema } from './form-fields.js';
import { OutcomeSchema, ProgressSchema, StatusSchema, VerificationIdSchema } from './status.js';

export { FormFieldSchema, DEFAULT_FORM_FIELDS, FORM_FIELD_TYPES, MAX_FORM_BYTES, MAX_FORM_VALUE_LENGTH } from './form-fields.js';
export type { FormField, FormFieldType, FormProblem } from './form-fields.js';

/** The steps a flow may have, in okID's order; a flow is any subset of them, in this order. */
export const FLOW_STEPS = ['terms', 'document', 'liveness', 'form_data'] as const;
export type FlowStep = (typeof FLOW_STEPS)[number];

/** `steps` in okID's order, each once, the unknown ones dropped. */
export const orderedSteps = (steps: readonly string[]): FlowStep[] => FLOW_STEPS.filter((step) => steps.includes(step));


export const DocumentTypeSchema = z.enum(['passport', 'id_card', 'driving_licence']);
export type DocumentType = z.infer<typeof DocumentTypeSchema>;

export const DocumentSideSchema = z.enum(['front', 'back']);
/** Which side of a document a photo shows. */
export type DocumentSide = z.infer<typeof DocumentSideSchema>;

export const LivenessPromptSchema = z.enum(['straight', 'left', 'right', 'up', 'down']);
export type LivenessPrompt = z.infer<typeof LivenessPromptSchema>;

/** The capture kind of a document side's photo: `document_front`, `document_back`. */
export const documentCaptureKind = (side: DocumentSide): `document_${DocumentSide}` => `document_${side}`;

/** The capture kind of face frame `index`: the selfie first, then one per liveness prompt (`liveness_0`, …). */
export const faceCaptureKind = (index: number): string => (index === 0 ? 'selfie' : `liveness_${index - 1}`);

/** True for the capture kinds of the face check (the selfie and the liveness frames). */
export const isFaceCaptureKind = (kind: string): boolean => kind === 'selfie' || kind.startsWith('liveness_');

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
  /** The form step's fields, where the flow has `form_data`. */
  form: z.optional(z.object({ fields: z.array(FormFieldSchema) })),
  progress: ProgressSchema,
  /** Set once the status is `completed`, so the phone can say which outcome it was. */
  outcome: z.optional(OutcomeSchema),
  updatedAt: z.optional(z.string()),
  expiresAt: z.string(),
  returnUrl: z.optional(z.nullable(z.string())),
  /**
   * Who asked for this verification: the operator's name and web address, shown on the phone's
   * first screen (as text) so a person who got the link from someone else can tell.
   */
  operator: z.optional(z.object({ name: z.string(), url: z.string() })),
  deviceToken: z.string(),
});
export type FlowConfig = z.infer<typeof FlowConfigSchema>;

/** The capture API header that binds calls to the first device that opened the flow. */
export const DEVICE_HEADER = 'X-Okid-Device';
