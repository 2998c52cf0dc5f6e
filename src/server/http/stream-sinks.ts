/**
 * Where an event stream's text goes and how its reader's leaving is heard, for Fetch (a
 * `ReadableStream`, the request's signal) and for Node (the response itself), with the headers
 * both answer with. A reader that stops reading is cut off rather than left to fill memory.
 */
import type { ServerResponse } from 'node:http';
import { ClientGoneError } from '../common/errors.js';

/**
 * A stream whose reader stopped reading (a stalled client, a proxy buffering the response) is
 * closed once this many chunks wait in its queue, rather than letting them pile up in memory.
 */
export const MAX_QUEUED_CHUNKS = 256;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // `no-transform` keeps compressing intermediaries from buffering the stream.
  'Cache-Control': 'no-cache, no-transform, private',
  'X-Content-Type-Options': 'nosniff',
  // nginx buffers proxied responses unless told not to.
  'X-Accel-Buffering': 'no',
};

/** Where a stream's text goes: a `ReadableStream` (Fetch) or Node's response. */
export interface Sink {
  write(text: string): void;
  /** True when the reader stopped reading and too much waits: the stream is then closed. */
  congested(): boolean;
  close(): void;
}

/** Tells a stream its reader left. */
export interface StreamReader {
  /** Calls `listener` once when the reader leaves (at once if it has); returns how to stop. */
  onLeave(listener: () => void): () => void;
}

/** {@link MAX_QUEUED_CHUNKS} for Node's response, in bytes. */
export const MAX_QUEUED_BYTES = 64 * 1024;

export const NO_CONTENT_HEADERS: Readonly<Record<string, string>> = { 'Cache-Control': 'no-store' };

/** A Fetch stream and the sink that writes into it; the reader cancelling it calls `finish`. */
export function streamSink(encoder: TextEncoder, finish: () => void): { stream: ReadableStream<Uint8Array>; sink: Sink } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    // The reader went away: a Fetch runtime cancels when the client disconnects.
    cancel: finish,
  });
  const sink: Sink = {
    write: (text) => controller.enqueue(encoder.encode(text)),
    congested: () => (controller.desiredSize ?? 0) < -MAX_QUEUED_CHUNKS,
    close: () => {
      try {
        controller.close();
      } catch {
        // Already closed or cancelled by the reader.
      }
    },
  };
  return { stream, sink };
}

/** Starts Node's 200 answer and returns the sink that writes to it. */
export function nodeSink(res: ServerResponse): Sink {
  res.writeHead(200, SSE_HEADERS);
  return {
    write: (text) => {
      if (!res.destroyed) res.write(text);
    },
    congested: () => res.writableLength > MAX_QUEUED_BYTES,
    close: () => {
      if (res.destroyed) return;
      // A reader that stopped reading would hold what is queued (and its socket) until it
      // times out: cut it off instead.
      if (res.writableLength > MAX_QUEUED_BYTES) res.destroy();
      else res.end();
    },
  };
}

/** Resolves like `promise`, or rejects with {@link ClientGoneError} once the reader leaves. */
export function untilLeft<T>(promise: Promise<T>, reader: StreamReader): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = reader.onLeave(() => reject(new ClientGoneError('The client closed the request.')));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** A Fetch request's reader: gone when the request's signal aborts. */
export function signalReader(signal: AbortSignal): StreamReader {
  return {
    onLeave(listener) {
      if (signal.aborted) {
        listener();
        return () => undefined;
      }
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

/** A Node response's reader: gone when the connection closes before the answer ended. */
export function nodeReader(res: ServerResponse): StreamReader {
  return {
    onLeave(listener) {
      if (res.destroyed) {
        listener();
        return () => undefined;
      }
      const onClose = (): void => {
        if (!res.writableFinished) listener();
      };
      res.once('close', onClose);
      return () => res.off('close', onClose);
    },
  };
}
