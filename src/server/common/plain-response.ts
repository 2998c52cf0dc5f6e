/**
 * Responses whose whole body the proxy wrote itself (a status snapshot, a 304): built as a
 * Fetch `Response` like any other, and also remembered as plain parts, so `okid.node` can write
 * them to Node's `ServerResponse` in one call instead of streaming a `ReadableStream` through a
 * pipeline. On the status route that stream adaptation cost more than everything else the
 * proxy does.
 */

/** What a plain response is made of. */
export interface PlainParts {
  status: number;
  headers: Readonly<Record<string, string>>;
  /** The body; `undefined` for none (a 304). */
  body: string | Uint8Array<ArrayBuffer> | undefined;
}

const plainParts = new WeakMap<Response, PlainParts>();

/** A `Response` of `body` (or none) with `headers`, remembered as its plain parts. */
export function plainResponse(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array<ArrayBuffer> | undefined): Response {
  const response = new Response(body ?? null, { status, headers });
  plainParts.set(response, { status, headers, body });
  return response;
}

/** The plain parts of a response made by {@link plainResponse}; `undefined` for any other. */
export const plainPartsOf = (response: Response): PlainParts | undefined => plainParts.get(response);
