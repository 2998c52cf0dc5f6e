/**
 * OOTO-AI's Get Status answer as our snapshot, in one table. Its document lists the statuses
 * CREATED, CAPTCHA_OK, IN_PROGRESS, DONE, FAILED, EXPIRED, CANCELED and `nextStep` LIVENESS,
 * DEEPFAKE, ENROLL, SEARCH (null when finished). Words are read case-insensitively; an unknown
 * status word is `in_progress` (never final) with the word kept in `vendorStatus`, and logged once.
 * `result` (scores, demography, landmarks) is personal data: it is never read.
 */
import type { Progress, Status, StatusSnapshot } from '../../core/protocol.js';
import { isRecord, statusWordOf, text, time } from '../providers/vendor-text.js';

/** OOTO's status words and what each means here. */
export const OOTO_STATUS_WORDS: Readonly<Record<string, Status>> = {
  CREATED: 'created',
  CAPTCHA_OK: 'opened',
  IN_PROGRESS: 'in_progress',
  DONE: 'completed',
  FAILED: 'failed',
  EXPIRED: 'expired',
  CANCELED: 'canceled',
  // The British spelling, should OOTO ever write it so.
  CANCELLED: 'canceled',
};

/** The steps that run on OOTO's side, with nothing left for the person to do. */
const SERVER_STEPS = new Set(['ENROLL', 'SEARCH']);

/** What OOTO said, as read; `undefined` when the answer carries no status word at all. */
export interface OotoReading {
  snapshot: StatusSnapshot;
  /** The status word, when the table did not know it (to log once). */
  unknownWord?: string;
}

/**
 * Reads one Get Status answer (already parsed JSON) for the session `verificationId`. `now` is the
 * snapshot's time: OOTO sends none (the proxy orders these snapshots by status and progress).
 */
export function readOotoStatus(body: unknown, verificationId: string, now: string): OotoReading | undefined {
  if (!isRecord(body)) return undefined;
  const raw = text(body.status)?.trim();
  if (raw === undefined || raw === '') return undefined;
  // The word as the snapshot keeps it: printable, at most 64 characters (else left out).
  const word = statusWordOf(raw);
  const upper = raw.toUpperCase();
  const known = Object.hasOwn(OOTO_STATUS_WORDS, upper) ? OOTO_STATUS_WORDS[upper] : undefined;
  const nextStep = text(body.nextStep)?.trim().toUpperCase();
  const scopes = Array.isArray(body.scopes) ? body.scopes.flatMap((scope) => (typeof scope === 'string' ? [scope.toLowerCase()] : [])) : [];
  let status: Status = known ?? 'in_progress';
  // Only OOTO's own work left (enrol, search) or nothing named: processing, not the person's turn.
  if (status === 'in_progress' && known !== undefined && (nextStep === undefined || SERVER_STEPS.has(nextStep))) status = 'processing';
  const snapshot: StatusSnapshot = {
    verificationId,
    status,
    ...(word === undefined ? {} : { vendorStatus: word }),
    progress: progressOf(status, nextStep, scopes),
    updatedAt: now,
    expiresAt: time(body.expiresAt) ?? '',
  };
  return known === undefined ? { snapshot, unknownWord: (word ?? raw.replace(/[^\x20-\x7e]/g, '?')).slice(0, 64) } : { snapshot };
}

/** OOTO's steps in the order its flow runs them. */
const STEP_ORDER = ['LIVENESS', 'DEEPFAKE', 'ENROLL', 'SEARCH'];

/**
 * Progress as our steps: `terms` is the captcha (passed from CAPTCHA_OK on), `liveness` the first
 * face step the scopes have (LIVENESS, else DEEPFAKE), completed once `nextStep` has moved past it.
 * Scopes without a face step have no `liveness`. An unknown `nextStep` moves nothing.
 */
function progressOf(status: Status, nextStep: string | undefined, scopes: readonly string[]): Progress {
  const progress: Progress = { terms: status === 'created' ? 'pending' : 'completed' };
  const face = scopes.includes('liveness') ? 'LIVENESS' : scopes.includes('deepfake') ? 'DEEPFAKE' : undefined;
  if (face === undefined) return progress;
  const next = nextStep === undefined ? -1 : STEP_ORDER.indexOf(nextStep);
  const pastFace = status === 'completed' || status === 'processing' || (status === 'in_progress' && next > STEP_ORDER.indexOf(face));
  progress.liveness = pastFace ? 'completed' : 'pending';
  return progress;
}
