/**
 * `GET {base}/verifications/{id}/events`: the status as Server-Sent Events. Each stream is a
 * subscriber of the instance's shared watch of that verification (see `poller.ts`), so a
 * thousand open streams cost okID one poll per interval. Plain Fetch API: a `Response` whose
 * body is a `ReadableStream`, served as is by `okid.fetch` and piped by `okid.node`.
 */
import type { StatusSnapshot } from '../core/protocol.js';
import type { StatusWatchers } from './poller.js';
import { eventIdOf, isFinal, isNewer, parseEventId, versionOf } from './snapshot-version.js';
import type { SnapshotVersion } from './snapshot-version.js';
import { ClientGoneError } from './errors.js';
import { unrefTimer } from './timers.js';
import type { TimerHandle } from './timers.js';

/** Settings of {@link EventStreams}. */
export interface EventStreamsOptions {
  watchers: StatusWatchers;
  /** Milliseconds between two heartbeat comments on an idle stream. */
  heartbeatMs: number;
  /** Reconnection delay sent as `retry:`, in milliseconds. */
  retryMs: number;
}

/**
 * A stream whose reader stopped reading (a stalled client, a proxy buffering the response) is
 * closed once this many chunks wait in its queue, rather than letting them pile up in memory.
 */
const MAX_QUEUED_CHUNKS = 256;

const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // `no-transform` keeps compressing intermediaries from buffering the stream.
  'Cache-Control': 'no-cache, no-transform, private',
  'X-Content-Type-Options': 'nosniff',
  // nginx buffers proxied responses unless told not to.
  'X-Accel-Buffering': 'no',
};

interface Connection {
  /** A heartbeat comment while the stream's watch is alive; otherwise ends the stream. */
  heartbeat(): void;
  finish(): void;
}

/** The event streams of one proxy instance. */
export class EventStreams {
  readonly #options: EventStreamsOptions;
  readonly #open = new Set<Connection>();
  #heartbeatTimer: TimerHandle | undefined;
  readonly #encoder = new TextEncoder();

  constructor(options: EventStreamsOptions) {
    this.#options = options;
  }

  /** Streams open right now (for tests and metrics). */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Answers one `events` request. Waits for the first snapshot so that an okID error (404,
   * 502, …) is an ordinary JSON error answer, not a stream that dies at once. Answers 204 when
   * the verification is final and the browser's `Last-Event-ID` shows it already has that
   * state: 204 is what tells an `EventSource` to stop reconnecting.
   */
  async handle(request: Request, verificationId: string): Promise<Response> {
    const encoder = this.#encoder;
    let connection: Connection | undefined;
    let pending: StatusSnapshot | undefined;
    const subscription = this.#options.watchers.subscribe(verificationId, {
      snapshot: (snapshot) => (connection ? send(snapshot) : (pending = snapshot)),
      end: () => connection?.finish(),
    });

    try {
      await untilAborted(subscription.ready, request.signal);
    } catch (error) {
      subscription.close();
      throw error;
    }
    const current = subscription.latest() ?? pending!;
    let sent: SnapshotVersion | undefined = parseEventId(request.headers.get('Last-Event-ID'));
    if (isFinal(current) && !isNewer(versionOf(current), sent)) {
      subscription.close();
      return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
    }

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const write = (text: string): void => {
      if (closed) return;
      if ((controller.desiredSize ?? 0) < -MAX_QUEUED_CHUNKS) return finish();
      controller.enqueue(encoder.encode(text));
    };
    const send = (snapshot: StatusSnapshot): void => {
      const version = versionOf(snapshot);
      // Never a duplicate, never a step back: the browser may already have it (Last-Event-ID).
      if (!isNewer(version, sent)) return;
      sent = version;
      write(`id: ${eventIdOf(version)}\nevent: status\ndata: ${JSON.stringify(snapshot)}\n\n`);
      if (isFinal(snapshot)) finish();
    };
    const finish = (): void => {
      if (closed) return;
      closed = true;
      subscription.close();
      request.signal.removeEventListener('abort', finish);
      this.#open.delete(self);
      if (this.#open.size === 0) this.#stopHeartbeat();
      try {
        controller.close();
      } catch {
        // Already closed or cancelled by the reader.
      }
    };
    const self: Connection = {
      heartbeat: () => {
        if (subscription.alive()) return write(': heartbeat\n\n');
        // Neither okID nor the hub can reach this stream: heartbeats would only hide that. Ended
        // with `retry:`, so the browser reconnects (and polls meanwhile), resuming from its
        // Last-Event-ID without a duplicate.
        write(`retry: ${this.#options.retryMs}\n\n`);
        finish();
      },
      finish,
    };

    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      // The reader went away: `okid.node` cancels when the socket closes, a Fetch runtime when
      // the client disconnects.
      cancel: finish,
    });
    request.signal.addEventListener('abort', finish);
    if (request.signal.aborted) finish();
    connection = self;
    this.#open.add(self);
    this.#startHeartbeat();

    // `retry:` first, then the current state at once, so a browser never waits a poll interval.
    write(`retry: ${this.#options.retryMs}\n\n`);
    send(current);
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  }

  /** Ends every open stream (proxy shutdown). */
  close(): void {
    for (const connection of [...this.#open]) connection.finish();
    this.#stopHeartbeat();
  }

  // One timer for all streams of this instance instead of one per stream: a thousand watchers
  // cost one wake-up per interval.
  #startHeartbeat(): void {
    if (this.#heartbeatTimer) return;
    const tick = (): void => {
      for (const connection of [...this.#open]) connection.heartbeat();
      this.#heartbeatTimer = this.#open.size > 0 ? unrefTimer(setTimeout(tick, this.#options.heartbeatMs)) : undefined;
    };
    this.#heartbeatTimer = unrefTimer(setTimeout(tick, this.#options.heartbeatMs));
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }
}

/** Resolves like `promise`, or rejects with {@link ClientGoneError} once `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ClientGoneError('The client closed the request.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ClientGoneError('The client closed the request.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
