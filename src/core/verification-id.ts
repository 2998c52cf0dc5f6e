/**
 * Verification ids and the URLs built from them. No DOM: used by the element, the proxy and
 * the sandbox alike.
 */
import { VERIFICATION_ID_PATTERN } from './status.js';

/** True for an id of {@link VERIFICATION_ID_PATTERN}: 1 to 200 characters from `A–Z a–z 0–9 . _ ~ : -`. */
export const isVerificationId = (value: unknown): value is string =>
  typeof value === 'string' && VERIFICATION_ID_PATTERN.test(value);

/** `value` (relative to `base`) as an absolute http(s) URL, else `undefined`. */
export function httpUrl(value: string, base?: string): URL | undefined {
  try {
    const url = new URL(value, base);
    return /^https?:$/.test(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the verification id from a verification URL: the `verification_id` query parameter,
 * else `token`, else the last path segment when it is a `ver_…` or `tok_…` id. Returns `undefined` when the URL is not http(s) or
 * holds no valid id.
 */
export function verificationIdFromUrl(url: string, base?: string): string | undefined {
  const parsed = httpUrl(url, base);
  if (!parsed) return undefined;
  for (const candidate of [parsed.searchParams.get('verification_id'), parsed.searchParams.get('token')]) {
    if (candidate && isVerificationId(candidate)) return candidate;
  }
  // A path segment is only taken for okID's own prefixed forms: with opaque ids allowed, any
  // other last segment (`/verify`, `/start`) would read as an id.
  const segment = parsed.pathname.split('/').filter(Boolean).pop();
  let decoded: string | undefined;
  try {
    decoded = segment === undefined ? undefined : decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return decoded !== undefined && /^(ver|tok)_/.test(decoded) && isVerificationId(decoded) ? decoded : undefined;
}

/**
 * Fills a handoff URL template: every `{id}` becomes the URL-encoded id. Returns `undefined`
 * unless the result is an absolute http(s) URL, so a template can never produce a
 * `javascript:` link or a QR code that points nowhere.
 */
export function buildHandoffUrl(template: string, id: string, base?: string): string | undefined {
  return httpUrl(template.split('{id}').join(encodeURIComponent(id)), base)?.href;
}

/** Joins a base URL (with or without a trailing slash) and a path that starts with `/`. */
export const joinUrl = (base: string, path: string): string => base.replace(/\/+$/, '') + path;
