/**
 * Which steps a sandbox verification has, and which fields its form asks: the sandbox's `flow`
 * option (and `--flow`), and per verification `extra_data.sandbox_flow` / `sandbox_form` (v1:
 * `metadata.…`), as `sandbox_outcome` picks the outcome. Also the `modules` of okID's generate
 * answer, which follow the flow.
 */
import { DEFAULT_FORM_FIELDS, FLOW_STEPS, orderedSteps } from '../core/capture-api.js';
import { FormFieldSchema } from '../core/capture-api-schemas.js';
import type { FlowStep, FormField } from '../core/capture-api.js';
import { patternProblem } from '../core/safe-pattern.js';
import { HttpError } from './http.js';
import { DOCUMENT_TYPES, type VerificationRecord } from './store.js';

/** The flow every verification has unless told otherwise: okID's standard three steps. */
export const DEFAULT_FLOW: readonly FlowStep[] = ['terms', 'document', 'liveness'];

/**
 * Reads a flow: a list (or a comma-separated string) of known step names, at least one, each
 * once. Returns them in okID's order; `undefined` for an invalid one, with the reason.
 */
export function parseFlow(value: unknown): { steps: FlowStep[] } | { reason: string } {
  const list = typeof value === 'string' ? value.split(',').map((step) => step.trim()) : value;
  if (!Array.isArray(list) || list.length === 0) return { reason: `must be a non-empty list of ${FLOW_STEPS.join(', ')}` };
  const unknown = list.filter((step) => typeof step !== 'string' || !(FLOW_STEPS as readonly string[]).includes(step));
  if (unknown.length > 0) return { reason: `has unknown steps (${unknown.map(String).join(', ')}); use ${FLOW_STEPS.join(', ')}` };
  if (new Set(list).size !== list.length) return { reason: 'names a step twice' };
  return { steps: orderedSteps(list as string[]) };
}

/** `extra_data.sandbox_flow`, else `fallback`; a bad one is a 400 naming `field`. */
export function pickFlow(extra: Record<string, unknown> | null, field: string, fallback: readonly FlowStep[]): FlowStep[] {
  const value = extra?.sandbox_flow;
  if (value === undefined) return [...fallback];
  const parsed = parseFlow(value);
  if ('reason' in parsed) throw new HttpError(400, 'Invalid sandbox_flow', `${field}.sandbox_flow ${parsed.reason}.`);
  return parsed.steps;
}

/** Reads a list of form fields (names unique, at most 50); the reason when it is not one. */
export function parseFormFields(value: unknown): { fields: FormField[] } | { reason: string } {
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) return { reason: 'must be a list of 1 to 50 fields' };
  const fields: FormField[] = [];
  for (const [index, item] of value.entries()) {
    const parsed = FormFieldSchema.safeParse(item);
    if (!parsed.success) return { reason: `field ${index} needs name (a-z, 0-9, _), type, required, and optional maxLength, pattern, autocomplete, label` };
    const problem = parsed.data.pattern === undefined ? undefined : patternProblem(parsed.data.pattern);
    if (problem) return { reason: `field ${index} (${parsed.data.name}): its pattern ${problem}` };
    fields.push(parsed.data);
  }
  if (new Set(fields.map((f) => f.name)).size !== fields.length) return { reason: 'names a field twice' };
  return { fields };
}

/** `extra_data.sandbox_form` (a list of fields), else `fallback`; a bad one is a 400. */
export function pickFormFields(extra: Record<string, unknown> | null, field: string, fallback: readonly FormField[]): FormField[] {
  const value = extra?.sandbox_form;
  if (value === undefined) return fallback.map((f) => ({ ...f }));
  const parsed = parseFormFields(value);
  if ('reason' in parsed) throw new HttpError(400, 'Invalid sandbox_form', `${field}.sandbox_form ${parsed.reason}.`);
  return parsed.fields;
}

/** The sandbox's default form fields, copied. */
export const defaultFormFields = (): FormField[] => DEFAULT_FORM_FIELDS.map((f) => ({ ...f }));

/** The `modules` of okID's generate answer: what each step of this verification does. */
export function flowModules(record: VerificationRecord): Record<string, unknown> {
  const has = (step: FlowStep): boolean => record.flow.includes(step);
  return {
    terms: { enabled: has('terms') },
    document: has('document') ? { enabled: true, types: DOCUMENT_TYPES.map((d) => d.type) } : { enabled: false },
    liveness: has('liveness') ? { enabled: true, prompts: record.prompts.length } : { enabled: false },
    form_data: has('form_data') ? { enabled: true, fields: record.formFields.map((f) => ({ ...f })) } : { enabled: false },
  };
}
