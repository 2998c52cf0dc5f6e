/**
 * Runs the proxy's Fetch handler inside Node's `http` server, Express or Connect: turns an
 * `IncomingMessage` into a `Request` and writes the `Response` back to the `ServerResponse`.
 * Kept apart from the proxy so the proxy itself stays plain Fetch API (edge runtimes, Bun, Deno).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { rememberSocketAddress } from './client-address.js';
import { errorResponse, errors } from '../common/errors.js';
import { plainPartsOf } from '../common/plain-response.js';
import type { PlainParts } from '../common/plain-response.js';

/** Express/Connect's `next`: called when a request is not for the proxy. */
export type NodeNext = (error?: unknown) => void;

/**
 * A Node request as the proxy reads it. Express adds `originalUrl` (the URL before a mount
 * path was stripped) and body parsers may add `rawBody`/`body`.
 */
export type NodeRequest = IncomingMessage & { originalUrl?: string; rawBody?: unknown; body?: unknown };

/** Node `http` / Express / Connect request handler. */
export type NodeHandler = (req: NodeRequest, res: ServerResponse, next?: NodeNext) => void;

/** Largest request body the adapter passes on, in bytes (webhook deliveries are far smaller). */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** What the adapter needs from the proxy. */
export interface NodeHandlerOptions {
  /** The proxy's Fetch handler; never rejects. */
  handle(request: Request): Promise<Response>;
  /** True when a pathname belongs to the proxy (so the body is worth reading). */
  isInBasePath(pathname: string): boolean;
  /** Body size cap in bytes. Default {@link MAX_REQUEST_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * A direct path for GETs the proxy can answer without a Fetch `Request` (the status and
   * events routes): given the raw request target, it answers on `res` itself and resolves once
   * it has, or returns `undefined` to take the ordinary path. Building a `Request` and streaming
   * a `Response` cost more than the status answer, and most of an open event stream's memory.
   */
  directGet?: (target: string, req: NodeRequest, res: ServerResponse) => Promise<void> | undefined;
}

/** Wraps a Fetch handler as a Node/Express/Connect handler. */
export function createNodeHandler(options: NodeHandlerOptions): NodeHandler {
  return (req, res, next) => {
    run(options, req, res, next).catch(() => {
      // Only reachable when writing the response itself failed (a broken socket): nothing
      // useful can still be sent, and an unhandled rejection would crash the operator's server.
      if (!res.headersSent) void writeResponse(req, res, errorResponse(errors.internal())).catch(() => res.destroy());
      else res.destroy();
    });
  };
}

async function run(options: NodeHandlerOptions, req: NodeRequest, res: ServerResponse, next?: NodeNext): Promise<void> {
  if (options.directGet && req.method === 'GET') {
    const direct = options.directGet(req.originalUrl ?? req.url ?? '/', req, res);
    if (direct) return direct;
  }
  const url = requestUrl(req);
  if (!url) return writeResponse(req, res, errorResponse(errors.badRequest('Malformed request URL.')));
  if (!options.isInBasePath(url.pathname)) {
    if (next) return next();
    return writeResponse(req, res, errorResponse(errors.notFound()));
  }

  // The browser may leave at any time; the signal lets the proxy abandon its upstream call.
  const signal = abortedOnClose(res);

  const method = (req.method ?? 'GET').toUpperCase();
  const maxBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  let body: BodyInit | undefined;
  let overflowed = false;
  if (method !== 'GET' && method !== 'HEAD') {
    if (Number(req.headers['content-length']) > maxBytes) {
      res.setHeader('Connection', 'close');
      return writeResponse(req, res, errorResponse(errors.payloadTooLarge()));
    }
    body = requestBody(req, maxBytes, () => {
      // The rest of the upload is unread: close the connection after answering instead of
      // reading (and discarding) it, but still let the 413 reach the client first.
      overflowed = true;
    });
  }

  let request: Request;
  try {
    request = new Request(url, {
      method,
      headers: requestHeaders(req),
      body,
      signal,
      // Required by the Fetch spec for a streamed request body.
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  } catch {
    return writeResponse(req, res, errorResponse(errors.badRequest('Malformed request.')));
  }
  // A Fetch `Request` has no socket: the per-client limits find the address here.
  rememberSocketAddress(request, req.socket?.remoteAddress);
  const response = await options.handle(request);
  // A body refused as too large (413) or too slow (408) is left unread: the connection closes
  // after the answer, rather than reading and discarding whatever is still coming.
  if ((overflowed || response.status === 413 || response.status === 408) && !res.headersSent) res.setHeader('Connection', 'close');
  await writeResponse(req, res, response);
}

/**
 * The request's absolute URL. Express strips a mount path from `req.url` but keeps the full
 * one in `req.originalUrl`, which is what `basePath` is compared with. The origin comes from
 * the `Host` header only when it is a plain host name, so a forged header cannot make the URL
 * the proxy's hooks see unparsable.
 */
function requestUrl(req: NodeRequest): URL | undefined {
  const raw = req.originalUrl ?? req.url ?? '/';
  const host = req.headers.host ?? '';
  const safeHost = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host) ? host : 'localhost';
  const protocol = (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
  const origin = `${protocol}://${safeHost}`;
  try {
    // Origin-form (`/okid/…`, the usual case). Concatenated rather than resolved, so `//host/x`
    // stays a path instead of naming another host.
    if (raw.startsWith('/')) return new URL(origin + raw);
    // Absolute-form (`http://host/okid/…`, sent to forward proxies): keep only path and query.
    const absolute = new URL(raw);
    return new URL(origin + absolute.pathname + absolute.search);
  } catch {
    return undefined;
  }
}

/** Copies request headers, keeping repeated ones and skipping HTTP/2 pseudo-headers. */
function requestHeaders(req: NodeRequest): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(':')) continue;
    try {
      headers.append(name, raw[i + 1]!);
    } catch {
      // A header the Fetch API refuses is not one the proxy needs.
    }
  }
  return headers;
}

/**
 * The request body as a stream capped at `maxBytes`. Streamed lazily: a route that never reads
 * its body never buffers it. When a body parser (Express) already consumed the stream, its raw
 * copy is used if it kept one.
 */
function requestBody(req: NodeRequest, maxBytes: number, onOverflow: () => void): BodyInit | undefined {
  if (req.readableEnded) {
    const kept = req.rawBody ?? req.body;
    if (typeof kept === 'string') return kept;
    if (kept instanceof Uint8Array) return new Uint8Array(kept);
    return undefined;
  }
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
        if (done) return controller.close();
        received += value.byteLength;
        if (received > maxBytes) {
          controller.error(errors.payloadTooLarge());
          onOverflow();
          return;
        }
        controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } catch (error) {
        controller.error(error);
      }
    },
    cancel() {
      // The proxy stopped reading (a refused or late body). Ending the iterator would destroy
      // the request and with it the socket, before the 413/408 is written: the body is left
      // unread instead (its socket stops reading once buffers fill), and the connection closes
      // after the answer.
      onOverflow();
    },
  });
}

/** A signal that aborts when the connection closes before the answer was written. */
export function abortedOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Writes a response the proxy holds as plain parts. */
export function writePlain(req: NodeRequest, res: ServerResponse, plain: PlainParts): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(plain.status, plain.headers);
  res.end(req.method === 'HEAD' ? undefined : plain.body);
}

/** Writes status, headers and (streamed) body of a `Response` to a `ServerResponse`. */
async function writeResponse(req: NodeRequest, res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent || res.destroyed) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const plain = plainPartsOf(response);
  // Written in one call: no stream to adapt for a body the proxy already holds as a string.
  if (plain) return writePlain(req, res, plain);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  // `forEach` would join several cookies with commas, which breaks them.
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);

  if (!response.body || req.method === 'HEAD') {
    await response.body?.cancel().catch(() => undefined);
    res.end();
    return;
  }
  try {
    // pipeline handles backpressure and, when the client leaves, cancels the source stream,
    // which in turn aborts an upstream fetch still streaming into it.
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
  } catch {
    // The client left or the upstream stream failed mid-way: the connection is already gone
    // or truncated, and there is no status left to change.
    res.destroy();
  }
}
