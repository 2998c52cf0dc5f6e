/**
 * okID's answers about one verification, read tolerantly, in one place: v2 details
 * (`GET /api/get-verification-details/{id}`) and the v1 record (`GET /v1/verification/{id}`)
 * become the status snapshot. What okID's documents show or leave open is accepted: unknown
 * fields are ignored; `null` or missing optional fields read as absent; `status` as an object
 * (`{ current, updated_at, progress }`) or a plain string; `progress` values of any shape reduced
 * to `pending` / `completed` (anything else left out); status words through `status-words.ts`.
 * Only an answer without a status word, or not JSON, is refused (a 502, logged once per kind).
 *
 * @module
 */
import { PROGRESS_STEPS, ProxyErrorCode } from '../../core/protocol.js';
import type { Progress, StatusSnapshot, StepState } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';
import type { OkidProxyLogger } from '../common/log.js';
import { isPlainWord, meaningOf } from './status-words.js';
import type { StatusWords } from './status-words.js';

/** Which API answered. */
export type OkidApi = 'v1' | 'v2';

/** Why an answer could not be read: each kind is logged once per proxy. */
export type UnreadableKind = 'not-json' | 'no-status' | 'other-verification';

/** Stands in for okID's `updated_at` when it sends none: stable, so reads stay equal (ETags). */
const NO_TIME = new Date(0).toISOString();
/** Distinct unknown words remembered for the once-only log; past it they are logged no more. */
const MAX_LOGGED_WORDS = 100;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const time = (value: unknown): string | undefined => {
  const t = text(value);
  return t !== undefined && Number.isFinite(Date.parse(t)) ? t : undefined;
};

const DONE = new Set(['completed', 'complete', 'done', 'verified', 'passed', 'success', 'succeeded', 'accepted', 'true']);
const NOT_YET = new Set(['pending', 'in_progress', 'started', 'not_started', 'waiting', 'todo', 'false', 'processing']);

/** One step's progress, whatever its shape; `undefined` when it says nothing we can show. */
function stepState(value: unknown, depth = 0): StepState | undefined {
  if (typeof value === 'boolean') return value ? 'completed' : 'pending';
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase().replace(/[\s-]+/g, '_');
    return DONE.has(word) ? 'completed' : NOT_YET.has(word) ? 'pending' : undefined;
  }
  if (isRecord(value) && depth === 0) {
    for (const key of ['status', 'state', 'current', 'completed', 'done']) {
      const state = stepState(value[key], 1);
      if (state !== undefined) return state;
    }
  }
  return undefined;
}

/** `progress` of any shape, reduced to the known steps and the two known states. */
export function readProgress(raw: unknown): Progress {
  const progress: Progress = {};
  if (!isRecord(raw)) return progress;
  for (const step of PROGRESS_STEPS) {
    const state = stepState(raw[step]);
    if (state !== undefined) progress[step] = state;
  }
  return progress;
}

/** Reads okID's answers with one status-word table; logs each unreadable kind and unknown word once. */
export class OkidAnswers {
  readonly #words: StatusWords;
  readonly #logger: OkidProxyLogger;
  readonly #logged = new Set<string>();

  constructor(words: StatusWords, logger: OkidProxyLogger) {
    this.#words = words;
    this.#logger = logger;
  }

  /**
   * The snapshot for `id` from okID's answer `body` (the raw text) of `api`. Throws a 502
   * {@link OkidProxyError} when it is not JSON, has no status word, or names another verification.
   */
  read(api: OkidApi, id: string, body: string): { snapshot: StatusSnapshot; recordId?: string } {
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      throw this.#unreadable('not-json', api, 'an answer that is not JSON');
    }
    if (!isRecord(data)) throw this.#unreadable('no-status', api, 'an answer without a status');
    // v2 names it `verification_id`, v1 `id`; either may be absent.
    const recordId = text(api === 'v2' ? (data.verification_id ?? data.id) : (data.id ?? data.verification_id));
    // Another verification's status under this id would be worse than no answer. (A v1 token's
    // record may carry okID's `ver_` id: that is the same verification, see read-snapshot.ts.)
    if (recordId !== undefined && recordId !== id && !(api === 'v1' && recordId.startsWith('ver_'))) {
      throw this.#unreadable('other-verification', api, 'an answer about another verification');
    }
    const status = data.status;
    const inner = isRecord(status) ? status : {};
    const word = text(isRecord(status) ? (status.current ?? status.status ?? status.state) : status);
    if (word === undefined) throw this.#unreadable('no-status', api, 'an answer without a status');

    const meaning = meaningOf(this.#words, word);
    const snapshot: StatusSnapshot = {
      verificationId: id,
      status: meaning?.status ?? 'in_progress',
      progress: readProgress(inner.progress ?? data.progress),
      updatedAt: time(inner.updated_at) ?? time(data.updated_at) ?? time(data.completed_at) ?? time(data.created_at) ?? NO_TIME,
      expiresAt: text(data.expires_at) ?? text(data.expiresAt) ?? '',
    };
    if (snapshot.status === 'completed') {
      const said = inner.outcome ?? data.outcome;
      snapshot.outcome = meaning?.outcome ?? (said === 'verified' || said === 'manual_review' ? said : 'verified');
    }
    if (meaning === undefined) {
      if (isPlainWord(word)) snapshot.vendorStatus = word;
      this.#once(`word:${word.slice(0, 64)}`, () =>
        `okid-verify: okID ${api} answered with the status word ${JSON.stringify(word.slice(0, 64))}, which is not in the table; ` +
          "shown as in progress. If it is final, map it with the statusWords option (e.g. statusWords: { awaiting_review: 'manual_review' }).",
      );
    }
    return recordId === undefined || recordId === id ? { snapshot } : { snapshot, recordId };
  }

  #unreadable(kind: UnreadableKind, api: OkidApi, what: string): OkidProxyError {
    this.#once(`unreadable:${api}:${kind}`, () => `okid-verify: okID ${api} answered a status read with ${what} (502; logged once).`);
    return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  }

  #once(key: string, message: () => string): void {
    if (this.#logged.has(key) || (key.startsWith('word:') && this.#logged.size >= MAX_LOGGED_WORDS)) return;
    this.#logged.add(key);
    this.#logger.warn(message());
  }
}
