/**
 * What this phone remembers of a verification across reloads: the document type chosen and the
 * capture kinds confirmed (no images: those wait in IndexedDB, see upload/capture-store.ts).
 */
import type { DocumentType } from '../../core/capture-api.js';
import { progressStorageKey } from './forget.js';
import type { LocalState } from './resume.js';

interface Stored {
  documentType?: DocumentType;
  confirmed: string[];
}

/** This phone's progress in one verification, in memory and in `localStorage`. */
export class LocalProgress {
  /** The truth while the page lives; storage only carries it across reloads (and may be blocked). */
  #memory?: Stored;

  readonly #id: string;

  constructor(id: string) {
    this.#id = id;
  }

  #read(): Stored {
    if (!this.#memory) {
      try {
        this.#memory = JSON.parse(localStorage.getItem(progressStorageKey(this.#id)) ?? '') as Stored;
      } catch {
        this.#memory = { confirmed: [] };
      }
    }
    return this.#memory;
  }

  #write(value: Stored): void {
    this.#memory = value;
    try {
      localStorage.setItem(progressStorageKey(this.#id), JSON.stringify(value));
    } catch {
      // Storage full or blocked: the flow still works from memory; a reload starts the step again.
    }
  }

  /** The document type chosen; choosing another forgets every confirmed capture. */
  get documentType(): DocumentType | undefined {
    return this.#read().documentType;
  }

  set documentType(type: DocumentType | undefined) {
    this.#write({ ...this.#read(), documentType: type, confirmed: [] });
  }

  /** What `resumePoint` needs. */
  get state(): LocalState {
    const { documentType, confirmed } = this.#read();
    return { documentType, confirmed: new Set(confirmed) };
  }

  /** A capture of `kind` is stored for upload. */
  confirm(kind: string): void {
    const value = this.#read();
    if (!value.confirmed.includes(kind)) this.#write({ ...value, confirmed: [...value.confirmed, kind] });
  }

  /** Forgets the confirmed captures `kinds` picks (they are taken again). */
  forget(kinds: (kind: string) => boolean): void {
    const value = this.#read();
    this.#write({ ...value, confirmed: value.confirmed.filter((kind) => !kinds(kind)) });
  }

  /** Forgets everything (the verification is over). */
  clear(): void {
    this.#memory = { confirmed: [] };
    try {
      localStorage.removeItem(progressStorageKey(this.#id));
    } catch {
      // nothing to clear
    }
  }
}
