/**
 * The operator the sandbox plays okID for: the name and web address the phone's first screen
 * shows (the capture API's flow config `operator`), so a person handed a link by someone else
 * can tell whose verification it is. Checked once at start: shown as text, never as markup.
 */
import type { FlowConfig } from '../core/capture-api.js';
import { hasHiddenCharacters } from '../core/hidden-characters.js';

export type Operator = NonNullable<FlowConfig['operator']>;

/** Longest operator name the sandbox takes, as a screen shows it on a 320 px phone. */
export const MAX_OPERATOR_NAME = 80;

/**
 * The operator option checked: a name (trimmed, 1 to 80 characters, no control, direction-override
 * or zero-width characters) and
 * an absolute http(s) URL; or why not.
 */
export function parseOperator(value: unknown): { operator: Operator } | { reason: string } {
  if (typeof value !== 'object' || value === null) return { reason: 'must be { name, url }' };
  const { name, url } = value as { name?: unknown; url?: unknown };
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '' || trimmed.length > MAX_OPERATOR_NAME) return { reason: `name must be 1 to ${MAX_OPERATOR_NAME} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(trimmed)) return { reason: 'name must not contain control characters' };
  // "Acme" + U+202E + … would show the phone's first screen a name other than the one given.
  if (hasHiddenCharacters(trimmed)) return { reason: 'name must not contain direction overrides (U+202A-U+202E, U+2066-U+2069) or zero-width characters (U+200B-U+200F)' };
  let parsed: URL;
  try {
    parsed = new URL(typeof url === 'string' ? url : '');
  } catch {
    return { reason: 'url must be an absolute http(s) URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { reason: 'url must be an absolute http(s) URL' };
  if (parsed.username || parsed.password) return { reason: 'url must not carry a user name or password' };
  return { operator: { name: trimmed, url: parsed.href } };
}
