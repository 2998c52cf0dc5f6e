/**
 * Follows a verification's status through the operator's proxy. Push first: an `EventSource` on
 * `GET {proxy}/verifications/{id}/events`. Polling whenever the stream is not open (not offered,
 * or reconnecting): `GET {proxy}/verifications/{id}` with chained timeouts (never `setInterval`),
 * `ETag` / `If-None-Match`, exponential backoff with full jitter on errors (capped at the poll
 * interval), `Retry-After` honoured, and a pause while the tab is hidden. A stream that closes
 * for good is tried again later, so the element moves back to push when the proxy offers it
 * again. Both transports feed
 * `accept()`, which drops a snapshot equal to the last one, so a switch never repeats an event.
 * Everything stops on a final status or when the host leaves the DOM.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { fullJitterDelay } from '../core/backoff.js';
import { isFinalStatus } from '../core/status.js';
import { checkWire, parseJson, statusSnapshot } from '../core/wire-checks.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import { isStale } from '../core/snapshot-order.js';
import { joinUrl } from '../core/verification-id.js';
import { PollFailure, failureFromResponse, networkFault } from './poll-failure.js';

/** Default time between two polls while nothing fails, in milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;
/** A request that has not answered after this long counts as a network failure, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 10_000;
/**
 * After a failed poll: full jitter from 1 s, doubling, but never longer than the poll interval
 * (see `#handleFailure`), so the status arrives within two intervals once a fault ends.
 */
const BACKOFF = { baseMs: 1000, minMs: 250 };
/** When a stream closed for good, the next try waits this long, doubling up to the max. */
const STREAM_RETRY = { baseMs: 15_000, maxMs: 5 * 60_000, minMs: 5_000 };

export interface StatusControllerCallbacks {
  /** A new snapshot that differs from the last one. */
  onSnapshot(snapshot: StatusSnapshot): void;
  /** A fault: called once when an outage begins (recoverable) or when following must stop. */
  onFault(fault: OkidErrorDetail): void;
}

interface Target {
  statusUrl: string;
  eventsUrl: string;
  verificationId: string;
  intervalMs: number;
}

export class StatusController implements ReactiveController {
  /** The last snapshot received, if any. */
  snapshot?: StatusSnapshot;
  /** The current fault: an outage being retried (`recoverable`) or the reason following stopped. */
  fault?: OkidErrorDetail;
  /** When the next retry is due during an outage (epoch milliseconds). */
  retryAt?: number;

  #target?: Target;
  #etag?: string;
  #failures = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #inFlight?: AbortController;
  #connected = false;
  #stopped = true;
  #source?: EventSource;
  /** True while the event stream is open: polling rests. */
  #streaming = false;
  #streamFailures = 0;
  #streamRetryTimer?: ReturnType<typeof setTimeout>;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: StatusControllerCallbacks;

  constructor(host: ReactiveControllerHost, callbacks: StatusControllerCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  /** Starts following `verificationId` through the proxy at `proxyUrl`, dropping any previous run. */
  watch(proxyUrl: string, verificationId: string, intervalMs = DEFAULT_POLL_INTERVAL_MS): void {
    this.#halt();
    const statusUrl = joinUrl(proxyUrl, `/verifications/${encodeURIComponent(verificationId)}`);
    // A non-number (poll-interval="abc") would make setTimeout fire at once, in a loop.
    const interval = Number.isFinite(intervalMs) && intervalMs > 0 ? Math.max(250, intervalMs) : DEFAULT_POLL_INTERVAL_MS;
    this.#target = { statusUrl, eventsUrl: `${statusUrl}/events`, verificationId, intervalMs: interval };
    this.snapshot = undefined;
    this.fault = undefined;
    this.retryAt = undefined;
    this.#etag = undefined;
    this.#failures = 0;
    this.#streamFailures = 0;
    this.#stopped = false;
    if (this.#connected) this.#start();
  }

  /** Stops following for good (until the next `watch`). */
  stop(): void {
    this.#stopped = true;
    this.#halt();
  }

  /** Skips the wait of an outage and asks now. */
  retryNow(): void {
    if (!this.#stopped && this.#target) this.#pollSoon(0);
  }

  /**
   * Feeds a snapshot from any transport; returns false when it is not for this verification or
   * is older than what was shown (a poll and the stream can lag behind each other).
   */
  accept(snapshot: StatusSnapshot): boolean {
    if (!this.#target || snapshot.verificationId !== this.#target.verificationId) return false;
    if (isStale(snapshot, this.snapshot)) return false;
    const changed = JSON.stringify(snapshot) !== JSON.stringify(this.snapshot);
    this.snapshot = snapshot;
    if (changed) this.#callbacks.onSnapshot(snapshot);
    if (isFinalStatus(snapshot.status)) this.stop();
    // An answer equal to the last one changes nothing on screen: no render.
    if (changed) this.#host.requestUpdate();
    return true;
  }

  hostConnected(): void {
    this.#connected = true;
    document.addEventListener('visibilitychange', this.#handleVisibilityChange);
    if (!this.#stopped && this.#target) this.#start();
  }

  hostDisconnected(): void {
    this.#connected = false;
    document.removeEventListener('visibilitychange', this.#handleVisibilityChange);
    this.#halt();
  }

  readonly #handleVisibilityChange = (): void => {
    // A hidden tab asks nothing; on return it asks at once rather than waiting out a long delay,
    // unless the stream is open (nothing to ask) or an outage's backoff or Retry-After still runs.
    if (document.visibilityState !== 'visible' || this.#stopped || !this.#target || !this.#connected || this.#streaming) return;
    this.#pollSoon(Math.max(0, (this.retryAt ?? 0) - Date.now()));
  };

  /** Opens the stream and asks once at once, so the first status never waits for the stream. */
  #start(): void {
    this.#openStream();
    this.#pollSoon(0);
  }

  #halt(): void {
    this.#haltPolling();
    this.#closeStream();
    clearTimeout(this.#streamRetryTimer);
    this.#streamRetryTimer = undefined;
  }

  #haltPolling(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort();
    this.#inFlight = undefined;
  }

  #closeStream(): void {
    this.#source?.close();
    this.#source = undefined;
    this.#streaming = false;
  }

  #openStream(): void {
    const target = this.#target;
    if (!target || typeof EventSource === 'undefined') return;
    const source = new EventSource(target.eventsUrl);
    this.#source = source;
    source.addEventListener('open', () => {
      if (this.#source !== source) return;
      this.#streaming = true;
      this.#streamFailures = 0;
      this.#haltPolling();
      this.#clearOutage();
    });
    source.addEventListener('status', (event) => {
      if (this.#source !== source) return;
      const parsed = checkWire(statusSnapshot, parseJson((event as MessageEvent<string>).data));
      if (!parsed.ok) return;
      this.#clearOutage(); // news through the stream ends any outage a poll reported
      this.accept(parsed.value);
    });
    source.addEventListener('error', () => {
      if (this.#source !== source) return;
      this.#streaming = false;
      // CONNECTING: the browser reconnects by itself, with Last-Event-ID; poll meanwhile.
      // CLOSED: not offered (404, wrong type) or refused; poll, and try the stream again later.
      if (source.readyState === EventSource.CLOSED) {
        this.#source = undefined;
        const delay = fullJitterDelay(this.#streamFailures++, STREAM_RETRY);
        this.#streamRetryTimer = setTimeout(() => {
          if (!this.#stopped && this.#connected) this.#openStream();
        }, delay);
      }
      if (!this.#stopped && this.#timer === undefined && this.#inFlight === undefined) this.#pollSoon(0);
    });
  }

  #clearOutage(): void {
    this.#failures = 0;
    if (this.fault?.recoverable) {
      this.fault = undefined;
      this.retryAt = undefined;
      this.#host.requestUpdate();
    }
  }

  #pollSoon(delayMs: number): void {
    this.#haltPolling();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (document.visibilityState === 'hidden') return; // resumed by handleVisibilityChange
      void this.#poll();
    }, delayMs);
  }

  async #poll(): Promise<void> {
    const target = this.#target;
    if (!target || this.#stopped) return;
    const abort = new AbortController();
    this.#inFlight = abort;
    const timeout = setTimeout(() => abort.abort(new DOMException('timeout', 'TimeoutError')), REQUEST_TIMEOUT_MS);
    try {
      const snapshot = await this.#request(target, abort.signal);
      if (abort.signal.aborted && this.#inFlight !== abort) return;
      this.#clearOutage();
      if (snapshot) this.accept(snapshot);
      if (!this.#stopped && !this.#streaming) this.#pollSoon(target.intervalMs);
    } catch (error) {
      // A run replaced by watch()/stop()/disconnect is not a failure of the network.
      if (this.#inFlight !== abort || (abort.signal.aborted && abort.signal.reason?.name !== 'TimeoutError')) return;
      this.#handleFailure(error, target);
    } finally {
      clearTimeout(timeout);
      if (this.#inFlight === abort) this.#inFlight = undefined;
    }
  }

  async #request(target: Target, signal: AbortSignal): Promise<StatusSnapshot | undefined> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.#etag) headers['If-None-Match'] = this.#etag;
    let response: Response;
    try {
      // no-store: we revalidate ourselves with If-None-Match and want to see the 304.
      response = await fetch(target.statusUrl, { headers, signal, cache: 'no-store' });
    } catch (error) {
      if (signal.aborted && signal.reason?.name !== 'TimeoutError') throw error;
      throw new PollFailure(networkFault(target.verificationId, 'The verification service cannot be reached.'));
    }
    if (response.status === 304) return undefined;
    if (response.ok) {
      const parsed = checkWire(statusSnapshot, await response.json().catch(() => undefined));
      if (!parsed.ok || parsed.value.verificationId !== target.verificationId) {
        throw new PollFailure(networkFault(target.verificationId, 'The proxy answered with something that is not a verification status.'));
      }
      this.#etag = response.headers.get('ETag') ?? undefined;
      return parsed.value;
    }
    throw await failureFromResponse(response, target.verificationId);
  }

  #handleFailure(error: unknown, target: Target): void {
    const failure =
      error instanceof PollFailure
        ? error
        : new PollFailure(networkFault(target.verificationId, 'The verification status could not be read.'));
    if (!failure.detail.recoverable) {
      this.fault = failure.detail;
      this.stop();
      this.#callbacks.onFault(failure.detail);
      this.#host.requestUpdate();
      return;
    }
    const firstOfOutage = this.#failures === 0;
    // The jitter spreads many browsers' retries over the interval; a proxy's Retry-After, which
    // says when asking again is worth it, may make the wait longer than the interval.
    const delay = Math.max(failure.retryAfterMs ?? 0, fullJitterDelay(this.#failures, { ...BACKOFF, maxMs: target.intervalMs }));
    this.#failures++;
    this.fault = failure.detail;
    this.retryAt = Date.now() + delay;
    if (firstOfOutage) this.#callbacks.onFault(failure.detail);
    this.#host.requestUpdate();
    if (!this.#streaming) this.#pollSoon(delay);
  }
}
