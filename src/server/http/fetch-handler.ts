/**
 * `okid.fetch`: the Fetch API transport of the request path. A `Request` becomes an
 * {@link Exchange}, goes through {@link serveRequest} like every request, and the reply becomes a
 * `Response`. `okid.node` lands here too for requests it cannot answer from Node's own request
 * (those with a body: webhooks, create).
 */
import { errorResponse, errors } from '../common/errors.js';
import { plainResponse } from '../common/plain-response.js';
import { rememberSocketAddress, socketAddressOf } from './client-address.js';
import { WRITTEN } from './exchange.js';
import type { Exchange, Reply } from './exchange.js';
import { relativePath, serveRequest } from './request-path.js';
import type { RequestPathSettings } from './request-path.js';
import { SSE_HEADERS, signalReader, streamSink } from './stream-sinks.js';
import type { Sink, StreamReader } from './stream-sinks.js';

const encoder = new TextEncoder();

/** A Fetch `Request` as an {@link Exchange}. */
class FetchExchange implements Exchange {
  readonly #request: Request;
  readonly #clientOf: (request: Request) => string | undefined;
  #client: { value: string | undefined } | undefined;
  #reader: StreamReader | undefined;
  #body: ReadableStream<Uint8Array> | undefined;

  constructor(request: Request, clientOf: (request: Request) => string | undefined) {
    this.#request = request;
    this.#clientOf = clientOf;
  }

  get method(): string {
    return this.#request.method;
  }

  get signal(): AbortSignal {
    return this.#request.signal;
  }

  get reader(): StreamReader {
    return (this.#reader ??= signalReader(this.#request.signal));
  }

  header(name: string): string | null {
    return this.#request.headers.get(name);
  }

  client(): string | undefined {
    return (this.#client ??= { value: this.#clientOf(this.#request) }).value;
  }

  request(): Request {
    return this.#request;
  }

  openStream(finish: () => void): Sink {
    const { stream, sink } = streamSink(encoder, finish);
    this.#body = stream;
    return sink;
  }

  streamed(): Reply {
    return new Response(this.#body!, { status: 200, headers: SSE_HEADERS });
  }
}

/** The reply as a `Response`. */
function toResponse(reply: Reply): Response {
  if (reply instanceof Response) return reply;
  // Only Node's own exchange writes as it goes; a Fetch exchange always has something to return.
  if (reply === WRITTEN) throw new Error('okid-verify: a Fetch exchange cannot have answered already');
  return plainResponse(reply.status, reply.headers, reply.body);
}

/** `okid.fetch` over the request path; never rejects. */
export function createFetchHandler(
  settings: RequestPathSettings,
  clientOf: (request: Request) => string | undefined,
): (request: Request, info?: unknown) => Promise<Response> {
  return async (request, info) => {
    if (info !== undefined) rememberSocketAddress(request, socketAddressOf(request, info));
    // A `Request`'s URL is always absolute, so this parses.
    const path = relativePath(settings.basePath, new URL(request.url).pathname);
    if (path === undefined) return errorResponse(errors.notFound());
    return toResponse(await serveRequest(settings, path, new FetchExchange(request, clientOf)));
  };
}
