/**
 * `GET {base}/verifications/{id}/events`: the status as Server-Sent Events. Each stream is a
 * subscriber of the instance's shared watch of that verification (see `poller.ts`), so a
 * thousand open streams cost okID one poll per interval. For `okid.fetch`, a `Response` whose
 * body is a `ReadableStream`; for `okid.node`, written straight to Node's response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusSnapshot } from '../../core/protocol.js';
import type { PlainParts } from '../common/plain-response.js';
import type { StatusWatchers, WatchSubscription } from '../status/watchers.js';
import { eventIdOf, isFinal, isNewer, parseEventId, versionOf } from '../status/snapshot-version.js';
import type { SnapshotVersion } from '../status/snapshot-version.js';
import { NO_CONTENT_HEADERS, SSE_HEADERS, nodeReader, nodeSink, signalReader, streamSink, untilLeft } from './stream-sinks.js';
import type { Sink, StreamReader } from './stream-sinks.js';
import { unrefTimer } from '../common/timers.js';
import type { TimerHandle } from '../common/timers.js';
import type { StreamAdmission } from './limits.js';

/** Settings of {@link EventStreams}. */
export interface EventStreamsOptions {
  watchers: StatusWatchers;
  /** Milliseconds between two heartbeat comments on an idle stream. */
  heartbeatMs: number;
  /** Reconnection delay sent as `retry:`, in milliseconds. */
  retryMs: number;
  /**
   * Milliseconds after which a stream ends with `retry:` (at the next heartbeat), so the browser
   * reconnects and resumes from its Last-Event-ID. Default: no limit.
   */
  lifetimeMs?: number;
  /**
   * Admits a stream of the client behind a request (the limits): throws the 429 when this
   * instance refuses it at once, else its `confirmed` rejects with it when the hub does. Its
   * `release` is called once the stream ends, however it ends.
   */
  admit?: (source: Request | IncomingMessage) => StreamAdmission;
}

interface Connection {
  /** Sends a snapshot newer than the last one sent; ends the stream on a final state. */
  send(snapshot: StatusSnapshot): void;
  /** A heartbeat comment while the stream's watch is alive; otherwise ends the stream. */
  heartbeat(): void;
  finish(): void;
}

/** What {@link EventStreams} needs to open one admitted stream. */
interface ConnectArgs {
  subscription: WatchSubscription;
  release: () => void;
  reader: StreamReader;
  open: (finish: () => void) => Sink;
  /** The snapshot to send first. */
  current: StatusSnapshot;
  /** What the browser already has (its Last-Event-ID), if anything. */
  sent: SnapshotVersion | undefined;
  attach: (connection: Connection) => void;
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
    let body: ReadableStream<Uint8Array> | undefined;
    const admission = this.#admit(request);
    const outcome = await this.#serve(verificationId, request.headers.get('Last-Event-ID'), signalReader(request.signal), admission, (finish) => {
      const { stream, sink } = streamSink(this.#encoder, finish);
      body = stream;
      return sink;
    });
    if (outcome === 'no-content') return new Response(null, { status: 204, headers: NO_CONTENT_HEADERS });
    return new Response(body!, { status: 200, headers: SSE_HEADERS });
  }

  /**
   * {@link handle} for `okid.node`, written straight to Node's response: no `Request`, no
   * `ReadableStream` and no pipeline per stream, which made up most of an open stream's memory.
   * Resolves once the stream is under way (or answered 204: the parts are returned to write);
   * rejects like {@link handle} before anything was written.
   */
  async handleNode(res: ServerResponse, verificationId: string, lastEventId: string | null): Promise<PlainParts | undefined> {
    const admission = this.#admit(res.req);
    const outcome = await this.#serve(verificationId, lastEventId, nodeReader(res), admission, () => nodeSink(res));
    return outcome === 'no-content' ? { status: 204, headers: NO_CONTENT_HEADERS, body: undefined } : undefined;
  }

  /** The limits' admission of one stream (throws the 429 when this instance refuses it). */
  #admit(source: Request | IncomingMessage): StreamAdmission {
    return this.#options.admit?.(source) ?? { confirmed: Promise.resolve(), release: () => undefined };
  }

  /**
   * Subscribes to the verification's watch, waits for its first snapshot and the stream's
   * admission (side by side: a slow hub count delays neither), then streams into the sink `open`
   * makes (given how to end the stream), unless the browser already has the final state.
   */
  async #serve(
    verificationId: string,
    lastEventId: string | null,
    reader: StreamReader,
    admission: StreamAdmission,
    open: (finish: () => void) => Sink,
  ): Promise<'no-content' | 'streaming'> {
    let connection: Connection | undefined;
    let pending: StatusSnapshot | undefined;
    const subscription = this.#options.watchers.subscribe(verificationId, {
      snapshot: (snapshot) => (connection ? connection.send(snapshot) : (pending = snapshot)),
      end: () => connection?.finish(),
    });

    const release = admission.release;
    try {
      await untilLeft(Promise.all([subscription.ready, admission.confirmed]), reader);
    } catch (error) {
      subscription.close();
      release();
      throw error;
    }
    const current = subscription.latest() ?? pending!;
    const sent: SnapshotVersion | undefined = parseEventId(lastEventId);
    if (isFinal(current) && !isNewer(versionOf(current), sent)) {
      subscription.close();
      release();
      return 'no-content';
    }
    this.#connect({ subscription, release, reader, open, current, sent, attach: (c) => (connection = c) });
    return 'streaming';
  }

  /**
   * Opens the sink and starts streaming: `retry:` first, then the current state at once, so a
   * browser never waits a poll interval. `attach` hands the connection to the subscription's
   * listener before anything is written, unless the reader left already.
   */
  #connect({ subscription, release, reader, open, current, sent: lastSent, attach }: ConnectArgs): void {
    let sent = lastSent;
    const lifetimeMs = this.#options.lifetimeMs;
    const endsAt = lifetimeMs === undefined || lifetimeMs === Infinity ? Infinity : Date.now() + lifetimeMs;
    let closed = false;
    let stopListening: (() => void) | undefined;
    const write = (text: string): void => {
      if (closed) return;
      if (sink.congested()) return finish();
      sink.write(text);
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
      release();
      stopListening?.();
      this.#open.delete(self);
      if (this.#open.size === 0) this.#stopHeartbeat();
      sink.close();
    };
    const self: Connection = {
      send,
      heartbeat: () => {
        // Past its lifetime (the limits): ended with `retry:` like below, the browser comes back
        // with its Last-Event-ID and gets nothing twice, and a reader gone without a FIN is freed.
        if (subscription.alive() && Date.now() < endsAt) return write(': heartbeat\n\n');
        // Neither okID nor the hub can reach this stream: heartbeats would only hide that. Ended
        // with `retry:`, so the browser reconnects (and polls meanwhile), resuming from its
        // Last-Event-ID without a duplicate.
        write(`retry: ${this.#options.retryMs}\n\n`);
        finish();
      },
      finish,
    };
    const sink = open(finish);
    stopListening = reader.onLeave(finish);
    if (closed) return;
    attach(self);
    this.#open.add(self);
    this.#startHeartbeat();

    // `retry:` first, then the current state at once, so a browser never waits a poll interval.
    write(`retry: ${this.#options.retryMs}\n\n`);
    send(current);
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
