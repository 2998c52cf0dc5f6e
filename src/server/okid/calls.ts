/**
 * The okID client's requests, described before they are sent: method, path, what to accept, and
 * how to read and check a 2xx answer (JSON through a zod schema, an image by type and size, the
 * QR code as a stream). Also the argument checks that run before any request is built.
 *
 * @module
 */
import { isVerificationId } from '../../core/verification-id.js';
import { VERIFICATION_ID_RULE } from '../../core/status.js';
import { OkidApiError, OkidApiErrorCode } from './api-error.js';
import type { CallKind } from './api-error.js';
import type { OkidImage } from './types.js';
import { readBodyCapped } from '../common/read-body.js';

/** okID's JSON answers are small; a larger one is garbage (or hostile) and refused. */
const MAX_JSON_BYTES = 1024 * 1024;
/** A 400×400 QR PNG is a few kilobytes. */
export const MAX_QR_BYTES = 1024 * 1024;
/** Document photos: the sandbox accepts 10 MB uploads; leave room for okID's originals. */
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
export const PNG_TYPE = /^image\/png(;|$)/i;
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** `image/jpeg` or `image/png` when the bytes start like one, else `undefined`. */
export function sniffImageType(data: Uint8Array): 'image/jpeg' | 'image/png' | undefined {
  if (JPEG_MAGIC.every((b, i) => data[i] === b)) return 'image/jpeg';
  if (PNG_MAGIC.every((b, i) => data[i] === b)) return 'image/png';
  return undefined;
}
export const IMAGE_SIDES: ReadonlySet<string> = new Set(['front', 'back', 'selfie']);

export type Parser<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

export interface Call<T> extends CallKind {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  accept: string;
  /** Reads a 2xx answer. `fail` builds a `BAD_RESPONSE`. */
  read: (response: Response, fail: (message: string) => OkidApiError) => Promise<T>;
}

/** A call whose answer is JSON of `schema`'s shape, at most {@link MAX_JSON_BYTES}. */
export const jsonCall = <T>(method: 'GET' | 'POST', path: string, route: CallKind['route'], schema: Parser<T>, body?: unknown): Call<T> => ({
  method,
  path,
  route,
  body,
  request: `${method} ${path}`,
  accept: 'application/json',
  read: async (response, fail) => {
    let data: unknown;
    try {
      const bytes = await readBodyCapped(response, MAX_JSON_BYTES, () => fail(`a body over ${MAX_JSON_BYTES} bytes`));
      data = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
    } catch (error) {
      if (error instanceof OkidApiError) throw error;
      if (error instanceof SyntaxError) throw fail('a body that is not JSON');
      throw error;
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw fail('a body of an unexpected shape');
    return parsed.data;
  },
});

/** A call whose answer is read as text (at most {@link MAX_JSON_BYTES}), for the tolerant readers in `answers.ts`. */
export const textCall = (path: string): Call<string> => ({
  method: 'GET',
  path,
  route: 'details',
  request: `GET ${path}`,
  accept: 'application/json',
  read: async (response, fail) => {
    const bytes = await readBodyCapped(response, MAX_JSON_BYTES, () => fail(`a body over ${MAX_JSON_BYTES} bytes`));
    return new TextDecoder().decode(bytes ?? new Uint8Array());
  },
});

/** A call whose answer is a whole image of a type `accept` matches, at most `max` bytes. */
export const bytesCall = (path: string, route: 'qrcode' | 'image', accept: RegExp, max: number): Call<OkidImage> => ({
  method: 'GET',
  path,
  route,
  request: `GET ${path}`,
  accept: route === 'qrcode' ? 'image/png' : 'image/*',
  read: async (response, fail) => {
    let contentType = (response.headers.get('Content-Type') ?? '').trim();
    // okID's documents do not say how images are typed: a generic or missing type is taken
    // when the bytes themselves are a JPEG or PNG.
    const generic = contentType === '' || /^(application|binary)\/octet-stream(;|$)/i.test(contentType);
    if (!accept.test(contentType) && !generic) throw fail(`a ${contentType} body instead of an image`);
    const data = await readBodyCapped(response, max, () => fail(`an image over ${max} bytes`));
    if (!data || data.byteLength === 0) throw fail('an empty image');
    if (generic) {
      const sniffed = sniffImageType(data);
      if (sniffed === undefined || (route === 'qrcode' && sniffed !== 'image/png')) throw fail(`a ${contentType || 'untyped'} body that is not an image`);
      contentType = sniffed;
    }
    if (route === 'qrcode' && !PNG_MAGIC.every((b, i) => data[i] === b)) throw fail('a body that is not a PNG');
    return { bytes: new Uint8Array(data), contentType };
  },
});

export const invalid = (message: string): OkidApiError =>
  new OkidApiError(OkidApiErrorCode.InvalidArgument, message, { status: 0 });

/** A valid id, URL-encoded for one path segment (`:` becomes `%3A`; no id can alter the path). */
export function checkId(id: unknown): string {
  if (!isVerificationId(id)) throw invalid(`Invalid verification id: expected ${VERIFICATION_ID_RULE}.`);
  return encodeURIComponent(id);
}

export function checkInput<T>(schema: Parser<T>, input: unknown, method: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid(`${method}: invalid input (see the documented fields and their types).`);
  return parsed.data;
}
