/**
 * A verification only moves forward: created → opened → in_progress → processing → a final
 * status, with steps completing along the way. Snapshots reach a browser from polls and from the
 * event stream, which may lag behind each other; this tells a stale one from news.
 */
import { PROGRESS_STEPS, isFinalStatus } from './status.js';
import type { Status, StatusSnapshot } from './status.js';

/** Position of each status in the flow; every final status shares the last place. */
export const STATUS_RANK: Record<Status, number> = {
  created: 0,
  opened: 1,
  in_progress: 2,
  processing: 3,
  completed: 4,
  failed: 4,
  expired: 4,
  canceled: 4,
};

const completedSteps = (snapshot: StatusSnapshot): number =>
  PROGRESS_STEPS.filter((step) => snapshot.progress[step] === 'completed').length;

/** True when `next` says less than `current` already did, so showing it would move backwards. */
export function isStale(next: StatusSnapshot, current: StatusSnapshot | undefined): boolean {
  if (!current) return false;
  if (isFinalStatus(current.status)) return true;
  const rank = STATUS_RANK[next.status] - STATUS_RANK[current.status];
  if (rank !== 0) return rank < 0;
  return completedSteps(next) < completedSteps(current);
}
