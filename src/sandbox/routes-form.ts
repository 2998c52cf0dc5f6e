/**
 * `POST {api}/v1/flow/{id}/form`: the form step's values, as JSON (at most 16 KiB). Every value
 * is checked against the verification's fields with the rules the phone uses too
 * (core/form-fields.ts); a bad one is refused with `400 { error, details, fields: { name:
 * message } }` and nothing is stored. The values are never logged: the request line names only
 * the route.
 */
import { MAX_FORM_BYTES, checkForm, isoToday, maxLengthOf } from '../core/form-fields.js';
import type { FormField, FormProblem } from '../core/form-fields.js';
import type { Handler } from './context.js';
import { findRecord } from './context.js';
import { HttpError, readBody, sendJson } from './http.js';
import { requireDevice } from './routes-flow.js';
import { toFlowStatus } from './views.js';

/** The English message of a problem, as the 400's `fields` carries it. */
function problemMessage(problem: FormProblem, field: FormField | undefined): string {
  switch (problem) {
    case 'required':
      return 'This field is required.';
    case 'too_long':
      return `At most ${field ? maxLengthOf(field) : 1000} characters.`;
    case 'control':
      return 'Control and invisible characters (tabs, line breaks, direction overrides, zero-width characters) are not allowed.';
    case 'pattern':
      return 'This value does not have the expected format.';
    case 'date':
      return 'Not a date: use YYYY-MM-DD.';
    case 'future':
      return 'A date of birth cannot be in the future.';
    case 'email':
      return 'Not an e-mail address.';
    case 'not_text':
      return 'The value must be a string.';
    case 'unknown':
      return 'This form has no such field.';
  }
}

/** Reads the body: a JSON object of at most {@link MAX_FORM_BYTES}, values by field name. */
async function readForm(req: Parameters<Handler>[1]): Promise<Record<string, unknown>> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(400, 'Unsupported body type', 'Send the form as Content-Type: application/json.');
  const raw = await readBody(req, MAX_FORM_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Malformed JSON body', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'Invalid request body', 'The body must be a JSON object of values by field name.');
  }
  return parsed as Record<string, unknown>;
}

/** `POST /v1/flow/{id}/form`: 200 with the new status, or 400 naming each bad field. */
export const handleFlowForm: Handler = async (ctx, req, res, [id]) => {
  const record = findRecord(ctx, id);
  requireDevice(record, req);
  ctx.store.assertActive(record);
  if (!record.flow.includes('form_data')) {
    throw new HttpError(400, 'No form step', 'This verification has no form_data step.');
  }
  if (record.flow.includes('terms') && !record.termsAccepted) {
    throw new HttpError(409, 'Terms not accepted', 'POST /v1/flow/{id}/terms before sending the form.');
  }
  const values = await readForm(req);
  const checked = checkForm(record.formFields, values, isoToday());
  if (!checked.ok) {
    const byName = new Map(record.formFields.map((field) => [field.name, field]));
    const fields = Object.fromEntries(Object.entries(checked.problems).map(([name, problem]) => [name, problemMessage(problem, byName.get(name))]));
    const names = Object.keys(fields);
    throw new HttpError(400, 'Invalid form values', `Check ${names.length === 1 ? 'the field' : 'the fields'} ${names.join(', ')}.`, { fields });
  }
  ctx.store.putForm(record, checked.values);
  sendJson(res, 200, toFlowStatus(ctx.store, record));
};
