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
import { fullJitterDelay, type BackoffOptions } from '../core/backoff.js';
import { CaptureApiError, type CaptureClient } from './capture-client.js';

/** What is stored per capture. */
export interface StoredCapture {
  verificationId: string;
  kind: string;
  blob: Blob;
  idempotencyKey: string;
  /** Milliseconds since the epoch; upload order. */
  createdAt: number;
}

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

const DB_NAME = 'okid-verify';
const STORE_NAME = 'captures';
/** Some engines never settle `indexedDB.open` in private mode; give up and use memory. */
const OPEN_TIMEOUT_MS = 3000;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000, minMs: 200 };

/** Where captures live: IndexedDB, or memory when it is unavailable. */
interface CaptureStore {
  readonly persistent: boolean;
  put(entry: StoredCapture): Promise<void>;
  list(verificationId: string): Promise<StoredCapture[]>;
  /** Deletes the entry only if it still holds this key (a retake may have replaced it). */
  deleteIfKey(verificationId: string, kind: string, idempotencyKey: string): Promise<void>;
  clear(verificationId: string): Promise<void>;
  close(): void;
}

const byAge = (a: StoredCapture, b: StoredCapture) => a.createdAt - b.createdAt || (a.kind < b.kind ? -1 : 1);

/** Memory fallback, shared by every queue of this page so that reopening a queue finds its captures. */
const memoryEntries = new Map<string, StoredCapture>();
const memoryKey = (verificationId: string, kind: string) => JSON.stringify([verificationId, kind]);
/** Whether this very capture (not an older one of its kind) is held in memory only. */
const inMemory = (entry: StoredCapture) => memoryEntries.get(memoryKey(entry.verificationId, entry.kind))?.idempotencyKey === entry.idempotencyKey;

class MemoryCaptureStore implements CaptureStore {
  readonly persistent = false;
  async put(entry: StoredCapture): Promise<void> {
    memoryEntries.set(memoryKey(entry.verificationId, entry.kind), { ...entry });
  }
  async list(verificationId: string): Promise<StoredCapture[]> {
    return [...memoryEntries.values()].filter((e) => e.verificationId === verificationId).sort(byAge);
  }
  async deleteIfKey(verificationId: string, kind: string, idempotencyKey: string): Promise<void> {
    const key = memoryKey(verificationId, kind);
    if (memoryEntries.get(key)?.idempotencyKey === idempotencyKey) memoryEntries.delete(key);
  }
  async clear(verificationId: string): Promise<void> {
    for (const [key, entry] of memoryEntries) if (entry.verificationId === verificationId) memoryEntries.delete(key);
  }
  close(): void {}
}

const requestResult = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Resolves when the transaction has committed, which is what makes a write survive a killed tab. */
const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('Transaction aborted', 'AbortError'));
  });

/** All keys of one verification: arrays sort after strings, so `[id, []]` bounds every `[id, kind]`. */
const verificationRange = (verificationId: string) => IDBKeyRange.bound([verificationId], [verificationId, []]);

function openRequest(factory: IDBFactory, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new DOMException('IndexedDB did not open in time', 'TimeoutError'));
    }, OPEN_TIMEOUT_MS);
    const request = version === undefined ? factory.open(DB_NAME) : factory.open(DB_NAME, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE_NAME)) db.createObjectStore(STORE_NAME, { keyPath: ['verificationId', 'kind'] });
    };
    request.onsuccess = () => {
      clearTimeout(timer);
      if (settled) request.result.close();
      else resolve(request.result);
    };
    request.onerror = () => {
      clearTimeout(timer);
      if (!settled) reject(request.error);
    };
  });
}

/**
 * Opens the shared `okid-verify` database at whatever version it is (other parts of the SDK may
 * have added stores), adding the `captures` store with a version bump only when it is missing.
 */
async function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  const db = await openRequest(factory);
  if (db.objectStoreNames.contains(STORE_NAME)) return db;
  const version = db.version + 1;
  db.close();
  return openRequest(factory, version);
}

class IdbCaptureStore implements CaptureStore {
  readonly persistent = true;
  #db: Promise<IDBDatabase> | undefined;
  #closed = false;

  constructor(
    private readonly factory: IDBFactory,
    db: IDBDatabase,
  ) {
    this.#adopt(db);
  }

  static async open(factory: IDBFactory): Promise<IdbCaptureStore> {
    return new IdbCaptureStore(factory, await openDatabase(factory));
  }

  async put(entry: StoredCapture): Promise<void> {
    const key = memoryKey(entry.verificationId, entry.kind);
    try {
      // `strict`: the write is on disk when `add()` resolves, not merely in the OS cache.
      await this.#write((store) => void store.put(entry), 'strict');
      memoryEntries.delete(key);
    } catch (error) {
      if (this.#closed) throw error;
      // The database opened but will not take this capture (quota, a blob the engine cannot
      // store, a store it refuses). Keep it in memory so the upload and the flow go on; an older
      // stored capture of this kind is now stale, so drop it if the database lets us.
      memoryEntries.set(key, { ...entry });
      await this.#write((store) => void store.delete([entry.verificationId, entry.kind])).catch(() => undefined);
    }
  }

  async list(verificationId: string): Promise<StoredCapture[]> {
    const stored = await this.#read(verificationId);
    const merged = new Map(stored.map((e) => [memoryKey(e.verificationId, e.kind), e]));
    // A capture the database refused replaces whatever older one of its kind it still holds.
    for (const [key, entry] of memoryEntries) if (entry.verificationId === verificationId) merged.set(key, entry);
    return [...merged.values()].sort(byAge);
  }

  async deleteIfKey(verificationId: string, kind: string, idempotencyKey: string): Promise<void> {
    const key = memoryKey(verificationId, kind);
    if (memoryEntries.get(key)?.idempotencyKey === idempotencyKey) {
      memoryEntries.delete(key);
      return;
    }
    await this.#write((store) => {
      const read = store.get([verificationId, kind]);
      read.onsuccess = () => {
        if ((read.result as StoredCapture | undefined)?.idempotencyKey === idempotencyKey) store.delete([verificationId, kind]);
      };
    });
  }

  async clear(verificationId: string): Promise<void> {
    await new MemoryCaptureStore().clear(verificationId);
    await this.#write((store) => void store.delete(verificationRange(verificationId)));
  }

  close(): void {
    this.#closed = true;
    const db = this.#db;
    this.#db = undefined;
    void db?.then((d) => d.close(), () => undefined);
  }

  async #read(verificationId: string): Promise<StoredCapture[]> {
    const db = await this.#database();
    const store = db.transaction(STORE_NAME, 'readonly').objectStore(STORE_NAME);
    return (await requestResult(store.getAll(verificationRange(verificationId)))) as StoredCapture[];
  }

  async #write(work: (store: IDBObjectStore) => void, durability: IDBTransactionDurability = 'default'): Promise<void> {
    const db = await this.#database();
    const tx = db.transaction(STORE_NAME, 'readwrite', { durability });
    const done = committed(tx);
    work(tx.objectStore(STORE_NAME));
    await done;
  }

  #database(): Promise<IDBDatabase> {
    if (this.#closed) return Promise.reject(new DOMException('The capture store is closed', 'InvalidStateError'));
    this.#db ??= openDatabase(this.factory).then((db) => this.#adopt(db));
    return this.#db;
  }

  /** Lets another tab or module upgrade the database: close now, reopen on the next use. */
  #adopt(db: IDBDatabase): IDBDatabase {
    this.#db = Promise.resolve(db);
    db.onversionchange = () => {
      db.close();
      this.#db = undefined;
    };
    return db;
  }
}

async function openStore(factory: IDBFactory | null | undefined): Promise<CaptureStore> {
  if (factory) {
    try {
      return await IdbCaptureStore.open(factory);
    } catch {
      // Private mode, a disabled or broken IndexedDB: captures stay in memory instead.
    }
  }
  return new MemoryCaptureStore();
}

const defaultFactory = (): IDBFactory | null => {
  try {
    return typeof indexedDB === 'undefined' ? null : indexedDB;
  } catch {
    return null;
  }
};

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
    await new MemoryCaptureStore().clear(verificationId);
    const factory = options.indexedDB === undefined ? defaultFactory() : options.indexedDB;
    if (!factory) return;
    let store: IdbCaptureStore;
    try {
      store = await IdbCaptureStore.open(factory);
    } catch {
      return;
    }
    try {
      await store.clear(verificationId);
    } finally {
      store.close();
    }
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

  /** Starts again after a refusal stopped the queue (for a "try again" button). */
  retry(): void {
    if (this.#closed) return;
    this.#stopError = undefined;
    this.#dirty = true;
    this.#start();
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
