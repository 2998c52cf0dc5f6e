/**
 * `GET {base}/verifications/{id}/events`: the status as Server-Sent Events. Each stream is a
 * subscriber of the instance's shared watch of that verification (`status/watchers.ts`), so a
 * thousand open streams cost okID one poll per interval. Where the text goes is the exchange's
 * business: a `ReadableStream` for `okid.fetch`, Node's response for `okid.node`.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import type { Exchange, Reply } from './exchange.js';
import type { StatusWatchers, WatchSubscription } from '../status/watchers.js';
import { eventIdOf, isFinal, isNewer, parseEventId, versionOf } from '../status/snapshot-version.js';
import type { SnapshotVersion } from '../status/snapshot-version.js';
import { NO_CONTENT_HEADERS, untilLeft } from './stream-sinks.js';
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
   * Admits a stream of a client (the limits): throws the 429 when this
   * instance refuses it at once, else its `confirmed` rejects with it when the hub does. Its
   * `release` is called once the stream ends, however it ends.
   */
  admit?: (client: string | undefined) => StreamAdmission;
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
   * state: 204 is what tells an `EventSource` to stop reconnecting. On Node the stream is
   * written straight to the response (no `ReadableStream` per stream, most of its memory).
   */
  async serve(exchange: Exchange, verificationId: string): Promise<Reply> {
    const admission = this.#options.admit?.(exchange.client()) ?? { confirmed: Promise.resolve(), release: () => undefined };
    const outcome = await this.#serve(verificationId, exchange.header('last-event-id'), exchange.reader, admission, (finish) => exchange.openStream(finish));
    return outcome === 'no-content' ? { status: 204, headers: NO_CONTENT_HEADERS, body: undefined } : exchange.streamed();
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
