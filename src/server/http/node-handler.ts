/**
 * `okid.node`: the Node `http` / Express / Connect transport of the request path. A GET (the
 * status, its event stream, the QR code: what pages ask for all day) becomes a Node
 * {@link Exchange} and goes through {@link serveRequest} like every request; a request with a
 * body becomes a Fetch `Request` for the Fetch handler, whose `Response` is written back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { errorResponse, errors } from '../common/errors.js';
import { plainPartsOf } from '../common/plain-response.js';
import type { PlainParts } from '../common/plain-response.js';
import { rememberSocketAddress } from './client-address.js';
import { WRITTEN } from './exchange.js';
import type { Exchange, Reply } from './exchange.js';
import { relativePath, serveRequest } from './request-path.js';
import type { RequestPathSettings } from './request-path.js';
import { nodeReader, nodeSink } from './stream-sinks.js';
import type { Sink, StreamReader } from './stream-sinks.js';

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

/** What the Node transport needs from the proxy. */
export interface NodeHandlerOptions {
  /** The request path, for the GETs answered from Node's own request. */
  path: RequestPathSettings;
  /** The client of a Node request, for the per-client limits. */
  clientOf(req: IncomingMessage): string | undefined;
  /** The proxy's Fetch handler, for requests with a body; never rejects. */
  handle(request: Request): Promise<Response>;
  /** Body size cap in bytes. Default {@link MAX_REQUEST_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * A Node GET as an {@link Exchange}: answered on `res` without a Fetch `Request` or a
 * `ReadableStream`, which cost more than the status answer itself and most of an open event
 * stream's memory. The `Request` is built only if a hook asks for it.
 */
class NodeExchange implements Exchange {
  readonly method = 'GET';
  readonly #req: NodeRequest;
  readonly #res: ServerResponse;
  readonly #url: () => URL | undefined;
  readonly #clientOf: (req: IncomingMessage) => string | undefined;
  #client: { value: string | undefined } | undefined;
  #signal: AbortSignal | undefined;
  #reader: StreamReader | undefined;

  constructor(req: NodeRequest, res: ServerResponse, url: () => URL | undefined, clientOf: (req: IncomingMessage) => string | undefined) {
    this.#req = req;
    this.#res = res;
    this.#url = url;
    this.#clientOf = clientOf;
  }

  // Made only when something waits (an okID read), so a browser leaving can end it.
  get signal(): AbortSignal {
    return (this.#signal ??= abortedOnClose(this.#res));
  }

  get reader(): StreamReader {
    return (this.#reader ??= nodeReader(this.#res));
  }

  header(name: string): string | null {
    const value = this.#req.headers[name];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  client(): string | undefined {
    return (this.#client ??= { value: this.#clientOf(this.#req) }).value;
  }

  request(): Request {
    const request = new Request(this.#url() ?? 'http://localhost/', { method: 'GET', headers: requestHeaders(this.#req), signal: this.signal });
    rememberSocketAddress(request, this.#req.socket?.remoteAddress);
    return request;
  }

  openStream(): Sink {
    return nodeSink(this.#res);
  }

  streamed(): Reply {
    return WRITTEN;
  }
}

/** The proxy as a Node/Express/Connect handler. */
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
  const target = req.originalUrl ?? req.url ?? '/';
  let url: URL | undefined;
  const fullUrl = (): URL | undefined => (url ??= requestUrl(req));
  // Most requests are a plain `/base/verifications/{id}`: its path is read without a URL parser.
  const pathname = plainPathname(target) ?? fullUrl()?.pathname;
  if (pathname === undefined) return writeResponse(req, res, errorResponse(errors.badRequest('Malformed request URL.')));
  const path = relativePath(options.path.basePath, pathname);
  if (path === undefined) {
    if (next) return next();
    return writeResponse(req, res, errorResponse(errors.notFound()));
  }
  if (req.method === 'GET') {
    const reply = await serveRequest(options.path, path, new NodeExchange(req, res, fullUrl, options.clientOf));
    if (reply === WRITTEN) return;
    if (reply instanceof Response) return writeResponse(req, res, reply);
    return writePlain(req, res, reply);
  }
  return viaFetch(options, req, res, fullUrl());
}

/**
 * A request target's path when it needs no normalizing (origin-form, no percent-escapes, no dot
 * segments, no empty segments, no backslashes): `undefined` otherwise, and the URL parser decides.
 */
function plainPathname(target: string): string | undefined {
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  if (!/^(?:\/[A-Za-z0-9_~:@!$&'()*+,;=-]+(?:\.[A-Za-z0-9_~:@!$&'()*+,;=-]+)*)+\/?$/.test(path)) return undefined;
  return path;
}

/** A request with a body (or a method other than GET), through the Fetch handler. */
async function viaFetch(options: NodeHandlerOptions, req: NodeRequest, res: ServerResponse, url: URL | undefined): Promise<void> {
  if (!url) return writeResponse(req, res, errorResponse(errors.badRequest('Malformed request URL.')));
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
