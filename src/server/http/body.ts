/**
 * Request bodies read by the proxy itself, before any hook sees them: capped in size and in
 * time, whatever the runtime. `okid.node` also caps what it streams in, but `okid.fetch` gets a
 * `Request` from the runtime and, without this, an operator's `create` hook would read 64 MiB
 * (or wait forever for a body trickled a byte at a time) on the proxy's behalf.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import { OkidProxyError, errors } from '../common/errors.js';
import { unrefTimer } from '../common/timers.js';

/** Largest body of `POST {basePath}/verifications`, in bytes. The proxy never forwards it; the `create` hook may read it. */
export const MAX_CREATE_BODY_BYTES = 64 * 1024;

/** How long a request body may take to arrive, in milliseconds, before the proxy answers 408. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** 408: the body did not arrive in time. */
export const bodyTimeout = (): OkidProxyError =>
  new OkidProxyError(408, ProxyErrorCode.BadRequest, 'The request body took too long to arrive.');

/**
 * Reads the whole body of `request` into memory, refusing with 413 once it passes `maxBytes` (a
 * `Content-Length` over the cap before reading anything) and with 408 when it has not fully
 * arrived `timeoutMs` after reading began. Either way the rest is left unread.
 */
export async function readBodyWithin(request: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(request.headers.get('Content-Length')) > maxBytes) throw errors.payloadTooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = unrefTimer(setTimeout(() => reject(bodyTimeout()), timeoutMs));
  });
  // Never left unhandled when the body arrives in time.
  late.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw errors.payloadTooLarge();
      chunks.push(value);
    }
  } catch (error) {
    // The Node adapter's own cap errors the stream with the same 413.
    reader.cancel().catch(() => undefined);
    if (error instanceof OkidProxyError) throw error;
    // The client closed the connection half-way: there is no body to hand over.
    throw errors.badRequest('The request body could not be read.');
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * A copy of `request` whose body has been read within the caps: the hook that reads it gets the
 * bytes at once, and cannot be made to wait or buffer more than the cap.
 */
export async function withBoundedBody(request: Request, maxBytes: number, timeoutMs: number): Promise<Request> {
  if (request.method === 'GET' || request.method === 'HEAD') return request;
  const body = await readBodyWithin(request, maxBytes, timeoutMs);
  // The bytes are all here now: their length, not how they travelled (chunked), describes them.
  const headers = new Headers(request.headers);
  headers.delete('transfer-encoding');
  headers.set('content-length', String(body.byteLength));
  const bounded = new Request(request.url, {
    method: request.method,
    headers,
    body: body.byteLength > 0 ? body : null,
    signal: request.signal,
  });
  return bounded;
}
