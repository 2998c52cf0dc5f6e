/**
 * Where confirmed captures wait for upload: IndexedDB (database `okid-verify`, object store
 * `captures`, key `[verificationId, kind]`), or the page's memory when IndexedDB is unavailable
 * or refuses a write (see ./upload-queue.ts for why both).
 */

/** What is stored per capture. */
export interface StoredCapture {
  verificationId: string;
  kind: string;
  blob: Blob;
  idempotencyKey: string;
  /** Milliseconds since the epoch; upload order. */
  createdAt: number;
}

const DB_NAME = 'okid-verify';
const STORE_NAME = 'captures';
/** Some engines never settle `indexedDB.open` in private mode; give up and use memory. */
const OPEN_TIMEOUT_MS = 3000;

/** Where captures live: IndexedDB, or memory when it is unavailable. */
export interface CaptureStore {
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
export const inMemory = (entry: StoredCapture) => memoryEntries.get(memoryKey(entry.verificationId, entry.kind))?.idempotencyKey === entry.idempotencyKey;

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

  readonly #factory: IDBFactory;

  constructor(factory: IDBFactory, db: IDBDatabase) {
    this.#factory = factory;
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
    this.#db ??= openDatabase(this.#factory).then((db) => this.#adopt(db));
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

/** IndexedDB from `factory`, else (none, private mode, broken) the page's memory. */
export async function openStore(factory: IDBFactory | null | undefined): Promise<CaptureStore> {
  if (factory) {
    try {
      return await IdbCaptureStore.open(factory);
    } catch {
      // Private mode, a disabled or broken IndexedDB: captures stay in memory instead.
    }
  }
  return new MemoryCaptureStore();
}

/** The page's IndexedDB factory, or `null` where there is none (or reading it throws). */
export const defaultFactory = (): IDBFactory | null => {
  try {
    return typeof indexedDB === 'undefined' ? null : indexedDB;
  } catch {
    return null;
  }
};

/**
 * Deletes every stored capture of a verification, in memory and in IndexedDB (from `factory`,
 * none when `null`); a database that cannot be opened holds nothing to delete.
 */
export async function clearStoredCaptures(verificationId: string, factory: IDBFactory | null): Promise<void> {
  await new MemoryCaptureStore().clear(verificationId);
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
