/**
 * Uploads that never lose a capture. A capture the user confirmed is written to IndexedDB
 * (database `okid-verify`, object store `captures`, key `[verificationId, kind]`) before any
 * upload starts, so a reload or a tab the phone killed while the user was in another app resumes
 * with everything still there. Uploads then run one at a time, oldest first, each with the
 * `Idempotency-Key` stored beside its image, so a retry after a lost answer is stored once.
 * Retryable failures back off with full jitter (honouring `Retry-After`) for as long as it
 * takes, and wait for the `online` event while the browser knows it is offline; a refusal
 * (expired, finished, another device, a bad request) stops the queue. An entry is deleted once
 * the server has it.
 *
 * Without IndexedDB (private mode in some browsers) the queue keeps captures in memory for the
 * life of the page and says so through `persistent`. When IndexedDB opens but refuses a write
 * (quota exceeded, Safari's "Error preparing Blob/File data"), that one capture is kept in memory
 * instead and uploaded all the same: a full disk must never stop the flow. `UploadQueueState.unsaved`
 * counts such captures, so the page can ask the person to stay until they are sent.
 */
import { fullJitterDelay, type BackoffOptions } from '../../core/backoff.js';
import { CaptureApiError, type CaptureClient } from '../capture-client.js';
import { clearStoredCaptures, defaultFactory, inMemory, openStore } from './capture-store.js';
import type { CaptureStore, StoredCapture } from './capture-store.js';

export type { StoredCapture } from './capture-store.js';

/** What {@link UploadQueue.onChange} listeners receive. */
export interface UploadQueueState {
  /** Captures stored and not yet acknowledged by the server. */
  pending: number;
  /** Kind being uploaded now. */
  uploading?: string;
  /** When the next attempt starts (epoch ms), while waiting after a failure. */
  retryAt?: number;
  /** The last failure: retryable while `retryAt` is set or the device is offline, else what stopped the queue. */
  error?: CaptureApiError;
  /**
   * How many of the `pending` captures are held in memory only (IndexedDB unavailable or refusing
   * the write), which leaving or reloading the page would lose; absent when none.
   */
  unsaved?: number;
}

/** Options of {@link UploadQueue.open}. */
export interface UploadQueueOptions {
  /** Retry timing; default 1 s first cap, 30 s largest, 200 ms smallest. */
  backoff?: BackoffOptions;
  /**
   * The IndexedDB factory; default `globalThis.indexedDB`. `null` keeps captures in memory
   * (what happens anyway when IndexedDB cannot be opened).
   */
  indexedDB?: IDBFactory | null;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000, minMs: 200 };

/** 128 random bits as hex; `crypto.randomUUID` needs a secure context, this does not. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The queue's counts for these stored entries. */
const counts = (entries: StoredCapture[]): Pick<UploadQueueState, 'pending' | 'unsaved'> => ({
  pending: entries.length,
  unsaved: entries.filter(inMemory).length,
});

const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;

const closedError = () => new DOMException('The upload queue was closed', 'AbortError');

/** Uploads the confirmed captures of one verification, in order, surviving reloads and network cuts. */
export class UploadQueue {
  /** False when captures are kept in memory only (IndexedDB unavailable): a reload loses them. */
  readonly persistent: boolean;

  readonly #verificationId: string;
  readonly #client: CaptureClient;
  readonly #store: CaptureStore;
  readonly #backoff: BackoffOptions;
  readonly #listeners = new Set<(state: UploadQueueState) => void>();
  readonly #idleWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #state: UploadQueueState = { pending: 0 };
  #running = false;
  /** Set when the loop should look at the store again (a capture was added while it ran). */
  #dirty = false;
  #stopError: CaptureApiError | undefined;
  #closed = false;
  /** Aborts the current upload or wait; replaced per attempt. */
  #attempt: AbortController | undefined;
  /** Kind being uploaded (or waited on between attempts), so a retake of that kind can cut it short. */
  #current: string | undefined;

  private constructor(verificationId: string, client: CaptureClient, store: CaptureStore, backoff: BackoffOptions) {
    this.#verificationId = verificationId;
    this.#client = client;
    this.#store = store;
    this.#backoff = backoff;
    this.persistent = store.persistent;
  }

  /**
   * Opens the queue of a verification and resumes uploading whatever an earlier page left
   * stored. Never rejects for lack of IndexedDB: see `persistent`.
   */
  static async open(verificationId: string, client: CaptureClient, options: UploadQueueOptions = {}): Promise<UploadQueue> {
    const store = await openStore(options.indexedDB === undefined ? defaultFactory() : options.indexedDB);
    const queue = new UploadQueue(verificationId, client, store, options.backoff ?? DEFAULT_BACKOFF);
    const stored = await store.list(verificationId);
    queue.#update(counts(stored));
    if (stored.length > 0) queue.#start();
    return queue;
  }

  /** Deletes every stored capture of a verification (after submit, or when it is over). */
  static async clear(verificationId: string, options: Pick<UploadQueueOptions, 'indexedDB'> = {}): Promise<void> {
    await clearStoredCaptures(verificationId, options.indexedDB === undefined ? defaultFactory() : options.indexedDB);
  }

  /** The latest state, as last sent to `onChange` listeners. */
  get state(): UploadQueueState {
    return this.#state;
  }

  /**
   * Stores a confirmed capture, then schedules its upload; resolves once it is stored (not
   * uploaded). A capture of a kind already stored replaces it with a new Idempotency-Key (a
   * retake), and cuts short an upload of the old one still in flight.
   */
  async add(kind: string, blob: Blob): Promise<void> {
    if (this.#closed) throw closedError();
    await this.#store.put({ verificationId: this.#verificationId, kind, blob, idempotencyKey: newIdempotencyKey(), createdAt: Date.now() });
    if (this.#closed) return;
    if (this.#current === kind) this.#attempt?.abort();
    this.#stopError = undefined;
    this.#dirty = true;
    this.#update({ ...this.#state, ...counts(await this.#store.list(this.#verificationId)), error: undefined });
    this.#start();
  }

  /** The captures stored and not yet acknowledged, oldest first: what a resumed flow already has. */
  async pending(): Promise<Array<{ kind: string; blob: Blob }>> {
    return (await this.#store.list(this.#verificationId)).map(({ kind, blob }) => ({ kind, blob }));
  }

  /**
   * Resolves when every stored capture has been uploaded; rejects with the
   * {@link CaptureApiError} that stopped the queue, or with an `AbortError` if it is closed first.
   */
  whenIdle(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#stopError) return Promise.reject(this.#stopError);
    if (!this.#running && this.#state.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#idleWaiters.push({ resolve, reject }));
  }

  /** Calls `listener` on every change of state; returns the function that unsubscribes it. */
  onChange(listener: (state: UploadQueueState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops timers, aborts the upload in flight and closes the database; stored captures stay. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#attempt?.abort();
    this.#store.close();
    this.#listeners.clear();
    for (const waiter of this.#idleWaiters.splice(0)) waiter.reject(closedError());
  }

  #start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#dirty = false;
        for (;;) {
          if (this.#closed) return;
          const entries = await this.#store.list(this.#verificationId);
          const next = entries[0];
          if (!next) break;
          this.#update({ ...counts(entries), uploading: next.kind });
          if (!(await this.#upload(next))) continue;
          await this.#store.deleteIfKey(next.verificationId, next.kind, next.idempotencyKey);
        }
      } while (this.#dirty && !this.#closed);
      if (this.#closed) return;
      this.#update({ pending: 0 });
      for (const waiter of this.#idleWaiters.splice(0)) waiter.resolve();
    } catch (error) {
      if (this.#closed) return;
      const stop =
        error instanceof CaptureApiError
          ? error
          : new CaptureApiError('Captures could not be read from this device’s storage.', {
              status: 0,
              code: 'BAD_REQUEST',
              retryable: false,
              cause: error,
            });
      this.#stopError = stop;
      const left = await this.#store.list(this.#verificationId).then(counts, () => ({ pending: this.#state.pending, unsaved: this.#state.unsaved }));
      if (this.#closed) return;
      this.#update({ ...left, error: stop });
      for (const waiter of this.#idleWaiters.splice(0)) waiter.reject(stop);
    } finally {
      this.#running = false;
      this.#current = undefined;
      this.#attempt = undefined;
    }
  }

  /**
   * Uploads one entry until the server has it. Resolves true when it does, false when the
   * attempt was cut short by a retake; throws a non-retryable error, or when closed.
   */
  async #upload(entry: StoredCapture): Promise<boolean> {
    this.#current = entry.kind;
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      this.#attempt = controller;
      let failure: CaptureApiError;
      try {
        await this.#client.putCapture(entry.kind, entry.blob, entry.idempotencyKey, controller.signal);
        return true;
      } catch (error) {
        if (this.#closed) throw closedError();
        if (controller.signal.aborted) return false;
        if (!(error instanceof CaptureApiError) || !error.retryable) throw error;
        failure = error;
      }
      if (isOffline()) {
        this.#update({ ...this.#state, uploading: undefined, retryAt: undefined, error: failure });
        await this.#waitForOnline(controller.signal);
      } else {
        const delay = Math.max(fullJitterDelay(attempt, this.#backoff), failure.retryAfterMs ?? 0);
        this.#update({ ...this.#state, uploading: undefined, retryAt: Date.now() + delay, error: failure });
        await this.#wait(delay, controller.signal);
      }
      if (this.#closed) throw closedError();
      if (controller.signal.aborted) return false;
      this.#update({ ...this.#state, uploading: entry.kind, retryAt: undefined, error: undefined });
    }
  }

  /** Waits `ms`, or less if the connection comes back (a fresh chance) or the signal aborts. */
  #wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        globalThis.removeEventListener?.('online', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      globalThis.addEventListener?.('online', done);
      signal.addEventListener('abort', done);
    });
  }

  /** Waits for the `online` event (navigator.onLine false is reliable, true is not), or the signal. */
  #waitForOnline(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        globalThis.removeEventListener?.('online', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      globalThis.addEventListener?.('online', done);
      signal.addEventListener('abort', done);
    });
  }

  #update(state: UploadQueueState): void {
    const clean: UploadQueueState = { pending: state.pending };
    if (state.uploading !== undefined) clean.uploading = state.uploading;
    if (state.retryAt !== undefined) clean.retryAt = state.retryAt;
    if (state.error !== undefined) clean.error = state.error;
    if (state.unsaved) clean.unsaved = state.unsaved;
    this.#state = clean;
    for (const listener of [...this.#listeners]) {
      try {
        listener(clean);
      } catch (error) {
        // A broken listener must not stop the uploads.
        globalThis.reportError?.(error);
      }
    }
  }
}
