/**
 * uqudo's WebSocket messages as our snapshot, in one table. Its document lists the services SCAN
 * (document scanned), READ (document chip read), FACE (facial recognition), BACKGROUND_CHECK and
 * INFO ("the last step … It defines the end of the onboarding process"). INFO is `completed`
 * without an outcome: the result (a JWS) is read by the operator's backend from uqudo's Info API,
 * never by the proxy. An unknown service is `in_progress` (never final), its word kept in
 * `vendorStatus`. Progress only moves forward.
 */
import type { Progress, Status, StatusSnapshot } from '../../core/protocol.js';

/** Which steps a session has, from its `data`. */
export interface UqudoSteps {
  /** A document with `reading.enabled`: SCAN leaves the document step open until READ. */
  reading: boolean;
  /** `facialRecognition.enabled`: a `liveness` step. */
  face: boolean;
}

/** uqudo's service words and what each means here. */
export const UQUDO_SERVICES: Readonly<Record<string, Status>> = {
  SCAN: 'in_progress',
  READ: 'in_progress',
  FACE: 'in_progress',
  BACKGROUND_CHECK: 'processing',
  INFO: 'completed',
};

/** A new session's snapshot (or an expired one's, past uqudo's 30 minutes). */
export function firstSnapshot(verificationId: string, steps: UqudoSteps, createdAt: number, expiresAt: number, now: number): StatusSnapshot {
  const progress: Progress = { document: 'pending' };
  if (steps.face) progress.liveness = 'pending';
  return {
    verificationId,
    status: now >= expiresAt ? 'expired' : 'created',
    progress,
    updatedAt: new Date(now >= expiresAt ? expiresAt : createdAt).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/** The snapshot after `service` arrived on top of `previous`; `unknown` when the word is not in the table. */
export function afterService(previous: StatusSnapshot, service: string, steps: UqudoSteps, now: number): { snapshot: StatusSnapshot; unknown: boolean } {
  const word = service.trim().toUpperCase();
  const known = Object.hasOwn(UQUDO_SERVICES, word) ? UQUDO_SERVICES[word]! : undefined;
  const progress: Progress = { ...previous.progress };
  const done = (step: keyof Progress) => {
    if (progress[step] !== undefined) progress[step] = 'completed';
  };
  if (word === 'SCAN' && !steps.reading) done('document');
  if (word === 'READ' || word === 'FACE' || word === 'BACKGROUND_CHECK' || word === 'INFO') done('document');
  if (word === 'FACE' || word === 'BACKGROUND_CHECK' || word === 'INFO') done('liveness');
  const snapshot: StatusSnapshot = {
    verificationId: previous.verificationId,
    status: known ?? 'in_progress',
    vendorStatus: service.slice(0, 64),
    progress,
    updatedAt: new Date(now).toISOString(),
    expiresAt: previous.expiresAt,
  };
  return { snapshot, unknown: known === undefined };
}

/** A final snapshot of our own making (expired, canceled) on top of `previous`. */
export const endedSnapshot = (previous: StatusSnapshot, status: 'expired' | 'canceled', now: number): StatusSnapshot => ({
  verificationId: previous.verificationId,
  status,
  progress: previous.progress,
  updatedAt: new Date(now).toISOString(),
  expiresAt: previous.expiresAt,
});
