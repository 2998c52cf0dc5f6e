/**
 * The form step's values on this phone: kept (in `localStorage`, so a reload or a killed tab
 * resumes) only until the capture API has them, then deleted. Personal data: they are never put
 * anywhere else on the phone, never in an event, never logged.
 */
import { defaultStorage } from '../capture-client.js';

/** Storage key of a verification's unsent form values. */
export const formDraftKey = (verificationId: string): string => `okid:form:${verificationId}`;

/** The unsent form values of one verification. */
export class FormDraft {
  readonly #verificationId: string;
  readonly #storage: Storage | undefined;

  constructor(verificationId: string, storage: Storage | undefined = defaultStorage()) {
    this.#verificationId = verificationId;
    this.#storage = storage;
  }

  /** The values kept from an earlier visit (strings only), or none. */
  read(): Record<string, string> {
    try {
      const parsed: unknown = JSON.parse(this.#storage?.getItem(formDraftKey(this.#verificationId)) ?? '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  /** Keeps `values` until the server has them; nothing to keep deletes the draft. */
  write(values: Record<string, string>): void {
    const kept = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
    try {
      if (Object.keys(kept).length === 0) this.clear();
      else this.#storage?.setItem(formDraftKey(this.#verificationId), JSON.stringify(kept));
    } catch {
      // Storage full or blocked: the values live in memory until sent; a reload asks again.
    }
  }

  /** The server has the values (or the verification ended): none stay on this phone. */
  clear(): void {
    try {
      this.#storage?.removeItem(formDraftKey(this.#verificationId));
    } catch {
      // Storage blocked: nothing could have been kept.
    }
  }
}
