/**
 * Verification ids and the URLs built from them. No DOM: used by the element, the proxy and
 * the sandbox alike.
 */
import { VERIFICATION_ID_PATTERN } from './status.js';

/** True for `ver_…` and `tok_…` ids of 4 to 128 safe characters. */
export const isVerificationId = (value: unknown): value is string =>
  typeof value === 'string' && VERIFICATION_ID_PATTERN.test(value);

/**
 * Reads the verification id from a verification URL: the `verification_id` query parameter,
 * else `token`, else the last path segment. Returns `undefined` when the URL is not http(s) or
 * holds no valid id.
 */
export function verificationIdFromUrl(url: string, base?: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  const candidates = [
    parsed.searchParams.get('verification_id'),
    parsed.searchParams.get('token'),
    parsed.pathname.split('/').filter(Boolean).pop(),
  ];
  for (const candidate of candidates) {
    if (candidate && isVerificationId(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Fills a handoff URL template: every `{id}` becomes the URL-encoded id. Returns `undefined`
 * unless the result is an absolute http(s) URL, so a template can never produce a
 * `javascript:` link or a QR code that points nowhere.
 */
export function buildHandoffUrl(template: string, id: string, base?: string): string | undefined {
  const filled = template.split('{id}').join(encodeURIComponent(id));
  try {
    const url = new URL(filled, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Joins a base URL (with or without a trailing slash) and a path that starts with `/`. */
export const joinUrl = (base: string, path: string): string => base.replace(/\/+$/, '') + path;
