/**
 * Characters that make text read other than it is: bidi embeddings and overrides
 * (U+202A–U+202E) and isolates (U+2066–U+2069), which reorder what follows them, and zero-width
 * characters and marks (U+200B–U+200F), which are invisible. A name or a form value with them
 * can show one thing and be another ("Acme" + U+202E + "…"), so they are refused wherever a
 * person reads text that someone else typed. Pure, no DOM.
 */

const HIDDEN = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/** True when `text` holds a bidi override, embedding or isolate, or a zero-width character. */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN.test(text);
}
