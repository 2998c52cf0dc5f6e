/**
 * Turns okID v1 and v2client verification records into the one status snapshot browsers see.
 * Pure functions, no I/O: the proxy calls them, tests pin them.
 */
import type { Outcome, Progress, StatusSnapshot, Status, V1Verification, V2Details, V2Status } from './protocol.js';
import { PROGRESS_STEPS } from './status.js';

const V2_TO_STATUS: Record<V2Status, { status: Status; outcome?: Outcome }> = {
  generated: { status: 'created' },
  started: { status: 'opened' },
  in_progress: { status: 'in_progress' },
  processing: { status: 'processing' },
  verified: { status: 'completed', outcome: 'verified' },
  manual_review: { status: 'completed', outcome: 'manual_review' },
  rejected: { status: 'failed' },
  expired: { status: 'expired' },
  canceled: { status: 'canceled' },
};

const V1_TO_STATUS: Record<V1Verification['status'], Status> = {
  pending: 'created',
  started: 'opened',
  in_progress: 'in_progress',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  canceled: 'canceled',
};

/** Keeps only the known steps and the two known states; anything else upstream sends is dropped. */
export function normalizeProgress(raw: Record<string, string> | undefined): Progress {
  const progress: Progress = {};
  if (!raw) return progress;
  for (const step of PROGRESS_STEPS) {
    const value = raw[step];
    if (value === 'completed' || value === 'pending') progress[step] = value;
    else if (value !== undefined) progress[step] = 'pending';
  }
  return progress;
}

/** okID v2client verification details → snapshot. */
export function snapshotFromV2(details: V2Details, fallbackExpiresAt = ''): StatusSnapshot {
  const mapped = V2_TO_STATUS[details.status.current];
  const snapshot: StatusSnapshot = {
    verificationId: details.verification_id,
    status: mapped.status,
    progress: normalizeProgress(details.status.progress),
    updatedAt: details.status.updated_at,
    expiresAt: details.expires_at ?? details.expiresAt ?? fallbackExpiresAt,
  };
  if (mapped.outcome) snapshot.outcome = mapped.outcome;
  return snapshot;
}

/** okID v1 verification → snapshot. A v1 `completed` without an outcome counts as `verified`. */
export function snapshotFromV1(record: V1Verification, fallbackExpiresAt = ''): StatusSnapshot {
  const status = V1_TO_STATUS[record.status];
  const snapshot: StatusSnapshot = {
    verificationId: record.id,
    status,
    progress: normalizeProgress(record.progress),
    updatedAt: record.updated_at ?? record.completed_at ?? record.created_at ?? new Date(0).toISOString(),
    expiresAt: record.expires_at ?? fallbackExpiresAt,
  };
  if (status === 'completed') snapshot.outcome = record.outcome ?? 'verified';
  return snapshot;
}
