/**
 * One request and its answer as the proxy's request path sees them, whichever way they came in:
 * a Fetch `Request` (`okid.fetch`, and `okid.node` for requests with a body) or Node's own
 * request and response (`okid.node`'s GETs, answered without building a `Request`). The path
 * (`request-path.ts`) and the route handlers only use this; the two transports
 * (`fetch-handler.ts`, `node-handler.ts`) implement it and write what the path answers.
 */
import type { PlainParts } from '../common/plain-response.js';
import type { Sink, StreamReader } from './stream-sinks.js';

/** Answered already on the transport itself (an event stream Node writes as it goes). */
export const WRITTEN: unique symbol = Symbol('okid-verify.written');

/**
 * What a route answers: parts the proxy wrote whole (a snapshot, an error), a `Response` it
 * streams (a QR code, a stream on Fetch), or {@link WRITTEN}.
 */
export type Reply = PlainParts | Response | typeof WRITTEN;

/** One request as the request path and the routes read it. */
export interface Exchange {
  /** The method, upper case. */
  readonly method: string;
  /** A request header (name in lower case), or `null`. */
  header(name: string): string | null;
  /** Aborts when the browser leaves before the answer is complete. */
  readonly signal: AbortSignal;
  /** The client for the per-client limits, or `undefined` when it cannot be told. */
  client(): string | undefined;
  /** The request as a Fetch `Request`, for the operator's hooks (built on first use on Node). */
  request(): Request;
  /** Tells an event stream its reader left. */
  readonly reader: StreamReader;
  /** Starts a 200 event-stream answer; `finish` is called when the reader cancels it. */
  openStream(finish: () => void): Sink;
  /** The reply of a stream opened with {@link openStream}. */
  streamed(): Reply;
}
