/**
 * The capture API (phone ↔ okID, scoped by the verification id, no key): flow config and
 * capture kinds, as values and types. Read by the capture chunk and written by the sandbox. No
 * zod here: the phone checks the flow config with `wire-checks.ts`, the sandbox and tests with
 * `capture-api-schemas.ts`, held to the same answers by test/node/wire-checks.test.ts.
 */
import type { FormField } from './form-fields.js';
import type { Outcome, Progress, Status, VerificationId } from './status.js';

export { DEFAULT_FORM_FIELDS, FORM_FIELD_NAME, FORM_FIELD_TYPES, MAX_FORM_BYTES, MAX_FORM_VALUE_LENGTH } from './form-fields.js';
export type { FormField, FormFieldType, FormProblem } from './form-fields.js';

/** The steps a flow may have, in okID's order; a flow is any subset of them, in this order. */
export const FLOW_STEPS = ['terms', 'document', 'liveness', 'form_data'] as const;
export type FlowStep = (typeof FLOW_STEPS)[number];

/** `steps` in okID's order, each once, the unknown ones dropped. */
export const orderedSteps = (steps: readonly string[]): FlowStep[] => FLOW_STEPS.filter((step) => steps.includes(step));

/** The documents a flow may ask for. */
export const DOCUMENT_TYPES = ['passport', 'id_card', 'driving_licence'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const DOCUMENT_SIDES = ['front', 'back'] as const;
/** Which side of a document a photo shows. */
export type DocumentSide = (typeof DOCUMENT_SIDES)[number];

/** Where the liveness check asks a person to look. */
export const LIVENESS_PROMPTS = ['straight', 'left', 'right', 'up', 'down'] as const;
export type LivenessPrompt = (typeof LIVENESS_PROMPTS)[number];

/** The capture kind of a document side's photo: `document_front`, `document_back`. */
export const documentCaptureKind = (side: DocumentSide): `document_${DocumentSide}` => `document_${side}`;

/** The capture kind of face frame `index`: the selfie first, then one per liveness prompt (`liveness_0`, …). */
export const faceCaptureKind = (index: number): string => (index === 0 ? 'selfie' : `liveness_${index - 1}`);

/** True for the capture kinds of the face check (the selfie and the liveness frames). */
export const isFaceCaptureKind = (kind: string): boolean => kind === 'selfie' || kind.startsWith('liveness_');

/** Capture kinds accepted by `PUT {api}/v1/flow/{id}/captures/{kind}`. */
export const CAPTURE_KIND_PATTERN = /^(document_front|document_back|selfie|liveness_[0-9]{1,2})$/;

/** `GET {api}/v1/flow/{id}`. */
export interface FlowConfig {
  verificationId: VerificationId;
  status: Status;
  steps: string[];
  documentTypes: { type: DocumentType; sides: DocumentSide[] }[];
  liveness: { prompts: LivenessPrompt[] };
  /** The form step's fields, where the flow has `form_data`. */
  form?: { fields: FormField[] };
  progress: Progress;
  /** Set once the status is `completed`, so the phone can say which outcome it was. */
  outcome?: Outcome;
  updatedAt?: string;
  expiresAt: string;
  returnUrl?: string | null;
  /**
   * Who asked for this verification: the operator's name and web address, shown on the phone's
   * first screen (as text) so a person who got the link from someone else can tell.
   */
  operator?: { name: string; url: string };
  deviceToken: string;
}

/** The capture API header that binds calls to the first device that opened the flow. */
export const DEVICE_HEADER = 'X-Okid-Device';
