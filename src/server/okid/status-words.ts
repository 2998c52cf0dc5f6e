/**
 * okID's status words, in one table. okID's documents use several words for one state (v2
 * `verified`, v1 and the QR-code document `completed`; `canceled` and `cancelled`), and say
 * nothing about case, so a word is read case-insensitively, with spaces and dashes read as `_`.
 * A word not in the table is never final and never an error: the snapshot stays `in_progress`
 * and keeps okID's word in `vendorStatus`. Operators extend the table with `statusWords`.
 *
 * @module
 */
import type { Outcome, Status } from '../../core/protocol.js';

/** What one okID word means: our status, and for `completed` the outcome when the word says it. */
export interface StatusMeaning {
  status: Status;
  outcome?: Outcome;
}

/**
 * The documented table. Keys are normalized words (see {@link normalizeWord}).
 *
 * | okID says | snapshot |
 * | --- | --- |
 * | generated, created, pending, new | created |
 * | started, opened | opened |
 * | in_progress | in_progress |
 * | processing, submitted | processing |
 * | verified, approved | completed, outcome verified |
 * | completed, complete | completed (outcome from okID's `outcome`, else verified) |
 * | manual_review | completed, outcome manual_review |
 * | rejected, failed, declined | failed |
 * | expired | expired |
 * | canceled, cancelled | canceled |
 */
export const STATUS_WORDS: Readonly<Record<string, StatusMeaning>> = Object.freeze({
  generated: { status: 'created' },
  created: { status: 'created' },
  pending: { status: 'created' },
  new: { status: 'created' },
  started: { status: 'opened' },
  opened: { status: 'opened' },
  in_progress: { status: 'in_progress' },
  processing: { status: 'processing' },
  submitted: { status: 'processing' },
  verified: { status: 'completed', outcome: 'verified' },
  approved: { status: 'completed', outcome: 'verified' },
  completed: { status: 'completed' },
  complete: { status: 'completed' },
  manual_review: { status: 'completed', outcome: 'manual_review' },
  rejected: { status: 'failed' },
  failed: { status: 'failed' },
  declined: { status: 'failed' },
  expired: { status: 'expired' },
  canceled: { status: 'canceled' },
  cancelled: { status: 'canceled' },
});

/** A word as the table keys it: trimmed, lower case, spaces and dashes as `_`. */
export const normalizeWord = (word: string): string => word.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** A status word worth keeping in `vendorStatus`: short, plain characters (never free text). */
export const isPlainWord = (word: string): boolean => /^[A-Za-z][A-Za-z0-9_ .:-]{0,63}$/.test(word);

/** The table with the operator's `statusWords` added. */
export type StatusWords = ReadonlyMap<string, StatusMeaning>;

/**
 * The table plus `extra` (`{ awaiting_review: 'manual_review' }`): each key an okID word, each
 * value a word the table already knows. Throws a `TypeError` naming the bad entry.
 */
export function statusWordsWith(extra: unknown, where = 'createOkidProxy'): StatusWords {
  const words = new Map<string, StatusMeaning>(Object.entries(STATUS_WORDS));
  if (extra === undefined) return words;
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw new TypeError(`${where}: statusWords must be an object mapping okID words to known ones, like { awaiting_review: 'manual_review' }.`);
  }
  const known = Object.keys(STATUS_WORDS).join(', ');
  for (const [word, meaning] of Object.entries(extra as Record<string, unknown>)) {
    if (!isPlainWord(word)) throw new TypeError(`${where}: statusWords key ${JSON.stringify(word.slice(0, 40))} is not a status word.`);
    const target = typeof meaning === 'string' ? STATUS_WORDS[normalizeWord(meaning)] : undefined;
    if (target === undefined) {
      throw new TypeError(`${where}: statusWords.${word} must be one of the known words (${known}).`);
    }
    words.set(normalizeWord(word), target);
  }
  return words;
}

/** The meaning of okID's `word`, or `undefined` when the table does not know it. */
export const meaningOf = (words: StatusWords, word: string): StatusMeaning | undefined => words.get(normalizeWord(word));
