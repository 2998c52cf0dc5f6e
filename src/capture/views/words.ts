/**
 * The words the capture views show: English, the element's translation, the operator's
 * overrides, merged once per change of either.
 */
import { captureEn } from '../../i18n/en-capture.js';
import type { CaptureStrings } from '../../i18n/en-capture.js';
import { mergeStrings } from '../../i18n/types.js';
import type { Translation } from '../../i18n/types.js';

/** The capture flow's words in the page's language. */
export type CaptureWords = Translation<CaptureStrings>;

/** Where the words come from: the element's current translation and overrides. */
export type WordSource = () => { translation?: object; overrides?: object } | undefined;

/** Merges the words again only when the translation or the overrides object changed. */
export class WordCache {
  #cached?: { translation?: object; overrides?: object; merged: CaptureWords };

  readonly #source: WordSource;

  constructor(source: WordSource) {
    this.#source = source;
  }

  /** The current words. */
  get(): CaptureWords {
    const words = this.#source();
    const cached = this.#cached;
    if (cached && cached.translation === words?.translation && cached.overrides === words?.overrides) return cached.merged;
    const merged = mergeStrings(captureEn as CaptureWords, words?.translation, words?.overrides);
    this.#cached = { translation: words?.translation, overrides: words?.overrides, merged };
    return merged;
  }
}
