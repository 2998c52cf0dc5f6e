/**
 * The form step of the capture API: the fields a flow config lists, the sandbox's default form,
 * and the one set of rules both sides check values with (the phone before sending, the server
 * before storing). Pure, no DOM: problems are codes, and each side words them itself.
 */
import { hasHiddenCharacters } from './hidden-characters.js';
import { patternProblem } from './safe-pattern.js';

/** Field types the element knows; an unknown type is rendered as a text input. */
export const FORM_FIELD_TYPES = ['text', 'date', 'email', 'tel', 'country', 'address_line', 'postal_code'] as const;
export type FormFieldType = (typeof FORM_FIELD_TYPES)[number];

/** No value is ever longer than this, whatever the field says. */
export const MAX_FORM_VALUE_LENGTH = 1000;
/** The largest form body `POST {api}/v1/flow/{id}/form` accepts, in bytes. */
export const MAX_FORM_BYTES = 16 * 1024;

/** A form field's name: the key of its value in the submitted JSON. */
export const FORM_FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * One field of the form step, as `GET {api}/v1/flow/{id}` lists it. No zod here (the phone
 * loads this module): `FormFieldSchema` in capture-api-schemas.ts checks it on the server side,
 * `wire-checks.ts` on the phone, and test/node/wire-checks.test.ts holds the two together.
 */
export interface FormField {
  /** The key of the value in the submitted JSON (`given_names`), matching {@link FORM_FIELD_NAME}. */
  name: string;
  /** One of {@link FORM_FIELD_TYPES}; anything else is accepted and shown as text. */
  type: string;
  required: boolean;
  /** An integer from 1 to {@link MAX_FORM_VALUE_LENGTH}. */
  maxLength?: number;
  /** A JavaScript regular expression the whole value must match (text-like fields). */
  pattern?: string;
  /** The HTML `autocomplete` token (`given-name`, `bday`, `email`…). */
  autocomplete?: string;
  /** Shown when the element has no words for this field's name. */
  label?: string;
}

/** What the sandbox asks unless told otherwise: given names, family name, date of birth, e-mail. */
export const DEFAULT_FORM_FIELDS: readonly FormField[] = [
  { name: 'given_names', type: 'text', required: true, maxLength: 100, autocomplete: 'given-name', label: 'Given names' },
  { name: 'family_name', type: 'text', required: true, maxLength: 100, autocomplete: 'family-name', label: 'Family name' },
  { name: 'date_of_birth', type: 'date', required: true, autocomplete: 'bday', label: 'Date of birth' },
  { name: 'email', type: 'email', required: true, maxLength: 254, autocomplete: 'email', label: 'E-mail address' },
];

/** Why a value is refused. `unknown`: the field is not in the form. */
export type FormProblem = 'required' | 'too_long' | 'control' | 'pattern' | 'date' | 'future' | 'email' | 'unknown' | 'not_text';

// C0, DEL and C1 controls; line and paragraph separators. Tabs and newlines are controls too:
// every field is one line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A birth date (by name or autocomplete token) may not lie in the future. */
const isBirthDate = (field: FormField): boolean => field.autocomplete === 'bday' || /birth/.test(field.name);

/** The most characters `field` takes. */
export const maxLengthOf = (field: FormField): number => Math.min(field.maxLength ?? MAX_FORM_VALUE_LENGTH, MAX_FORM_VALUE_LENGTH);

/** The field's pattern, compiled; undefined (every value refused) when it could run too long: see safe-pattern.ts. */
function safePattern(source: string): RegExp | undefined {
  if (patternProblem(source) !== undefined) return undefined;
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}

/**
 * The problem of one value of `field`, or undefined when it is fine. `today` is `YYYY-MM-DD`
 * (the server's UTC date; the phone's own date is a day ahead at most).
 */
export function fieldProblem(field: FormField, value: unknown, today: string): FormProblem | undefined {
  if (value !== undefined && typeof value !== 'string') return 'not_text';
  const text = (value ?? '').trim();
  if (text === '') return field.required ? 'required' : undefined;
  if ([...text].length > maxLengthOf(field)) return 'too_long';
  // Direction overrides and zero-width characters count as controls: they hide what a value says.
  if (CONTROL.test(text) || hasHiddenCharacters(text)) return 'control';
  if (field.type === 'date') {
    if (!isIsoDate(text)) return 'date';
    if (isBirthDate(field) && text > today) return 'future';
  }
  if (field.type === 'email' && !EMAIL.test(text)) return 'email';
  if (field.pattern !== undefined && field.type !== 'date' && !safePattern(field.pattern)?.test(text)) return 'pattern';
  return undefined;
}

/** The outcome of checking a whole form: the trimmed values, or a problem per field name. */
export type FormCheck = { ok: true; values: Record<string, string> } | { ok: false; problems: Record<string, FormProblem> };

/** Checks every value against `fields`; names not in `fields` are `unknown`. */
export function checkForm(fields: readonly FormField[], values: Record<string, unknown>, today: string): FormCheck {
  // No prototype: a field named `__proto__` is an own key like any other (refused as unknown).
  const problems: Record<string, FormProblem> = Object.create(null);
  const clean: Record<string, string> = Object.create(null);
  const known = new Set(fields.map((field) => field.name));
  for (const name of Object.keys(values)) if (!known.has(name)) problems[name] = 'unknown';
  for (const field of fields) {
    const problem = fieldProblem(field, values[field.name], today);
    if (problem) problems[field.name] = problem;
    else if (typeof values[field.name] === 'string' && (values[field.name] as string).trim() !== '') clean[field.name] = (values[field.name] as string).trim();
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, values: clean };
}

/** Today's date, `YYYY-MM-DD`, in UTC. */
export const isoToday = (now: number = Date.now()): string => new Date(now).toISOString().slice(0, 10);
