/**
 * The phone's check of the capture API's flow config, built from `wire-checks.ts`: accepts and
 * returns exactly what `FlowConfigSchema` (capture-api-schemas.ts) does, which
 * test/node/wire-checks.test.ts holds it to.
 */
import { DOCUMENT_SIDES, DOCUMENT_TYPES, LIVENESS_PROMPTS, type FlowConfig } from './capture-api.js';
import { FORM_FIELD_NAME, MAX_FORM_VALUE_LENGTH, type FormField } from './form-fields.js';
import { array, matching, object, oneOf, optional, outcome, progress, status, string, test, verificationId, type Check } from './wire-checks.js';

/** One field of the form step. */
export const formField: Check<FormField> = object<FormField>({
  name: matching(FORM_FIELD_NAME),
  type: string,
  required: test((value) => typeof value === 'boolean', 'true or false'),
  maxLength: optional(test((value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_FORM_VALUE_LENGTH, `an integer from 1 to ${MAX_FORM_VALUE_LENGTH}`)),
  pattern: optional(string),
  autocomplete: optional(string),
  label: optional(string),
});

/** The capture API's flow config (`GET {api}/v1/flow/{id}`). */
export const flowConfig: Check<FlowConfig> = object<FlowConfig>({
  verificationId,
  status,
  steps: array(string),
  documentTypes: array(object({ type: oneOf(DOCUMENT_TYPES), sides: array(oneOf(DOCUMENT_SIDES)) })),
  liveness: object({ prompts: array(oneOf(LIVENESS_PROMPTS)) }),
  form: optional(object({ fields: array(formField) })),
  progress,
  outcome,
  updatedAt: optional(string),
  expiresAt: string,
  returnUrl: optional((value, path) => (value === null ? null : string(value, path))),
  operator: optional(object({ name: string, url: string })),
  deviceToken: string,
});
