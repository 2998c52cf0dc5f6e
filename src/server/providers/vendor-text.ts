/**
 * Small tolerant readers of vendors' JSON shared by the vendor rooms: strings, records, times,
 * and the checks of vendor tokens before any URL is built from them.
 */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

export const time = (value: unknown): string | undefined => {
  const t = text(value);
  return t !== undefined && Number.isFinite(Date.parse(t)) ? new Date(Date.parse(t)).toISOString() : undefined;
};

/** A vendor token safe in a URL path segment: URL-safe characters only, 8 to 200 of them. */
export const VENDOR_TOKEN_PATTERN = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]{7,199}$/;

/** A vendor's status word as the snapshot keeps it: printable, at most 64 characters. */
export const statusWordOf = (value: unknown): string | undefined => {
  const word = text(value)?.trim();
  return word !== undefined && /^[\x21-\x7e]{1,64}$/.test(word) ? word : undefined;
};

/** Parses JSON text; `undefined` when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
