/**
 * What a phone keeps of one verification, and how to delete all of it: the captures waiting in
 * IndexedDB (see upload/upload-queue.ts), the progress this phone confirmed, and the device token that
 * lets a reload resume. A person who stops on the phone leaves nothing behind.
 */
import { defaultStorage, deviceStorageKey } from '../capture-client.js';
import { UploadQueue } from '../upload/upload-queue.js';
import { formDraftKey } from './form-draft.js';

/** Storage key of what this phone confirmed of a verification (document type, captures taken). */
export const progressStorageKey = (verificationId: string): string => `okid:progress:${verificationId}`;

/** Options of {@link forgetVerification}. */
export interface ForgetOptions {
  /** Where the progress and the device token live; default `localStorage` when the page may use it. */
  storage?: Storage | null;
  /** The IndexedDB factory holding the captures; default `globalThis.indexedDB`, `null` for none. */
  indexedDB?: IDBFactory | null;
}

/**
 * Deletes everything this phone kept of `verificationId`: its captures (IndexedDB and the
 * in-memory fallback), its progress, its unsent form values and its device token. Captures are deleted first, so a
 * failure there (a broken database) rejects before the keys that would retry it are gone; the
 * storage keys are always removed.
 */
export async function forgetVerification(verificationId: string, options: ForgetOptions = {}): Promise<void> {
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  try {
    await UploadQueue.clear(verificationId, options.indexedDB === undefined ? {} : { indexedDB: options.indexedDB });
  } finally {
    for (const key of [progressStorageKey(verificationId), deviceStorageKey(verificationId), formDraftKey(verificationId)]) {
      try {
        storage?.removeItem(key);
      } catch {
        // Storage blocked by the user: nothing could have been kept there.
      }
    }
  }
}
