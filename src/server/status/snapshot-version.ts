/**
 * Ordering of status snapshots. Snapshots reach an instance from webhooks, from its own polls
 * and from other instances, in any order; a browser must only ever see a verification move
 * forward. A snapshot's version is also its SSE event id, so a reconnecting `EventSource`
 * (which sends the last id as `Last-Event-ID`) tells the proxy what it has already seen.
 */
import { createHash } from 'node:crypto';
import { PROGRESS_STEPS, isFinalStatus } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { STATUS_RANK } from '../../core/snapshot-order.js';
import { isTimeSynthesized } from '../hub/hub.js';

/** Position of each status in the flow, shared with the browser's own ordering. */
const RANK = STATUS_RANK;

/** What orders two snapshots of one verification, plus a digest that tells equal ones apart. */
export interface SnapshotVersion {
  /** `updatedAt` in epoch milliseconds (0 when unparsable). */
  time: number;
  /** True when `time` is not the status's own time (see `TIME_SYNTHESIZED` in `hub/hub.ts`). */
  synthesized: boolean;
  /** Position of the status in the flow; every final status is 4. */
  rank: number;
  /** Steps completed. */
  steps: number;
  /** First characters of the SHA-256 of the snapshot's JSON. */
  digest: string;
}

/** The version of a snapshot. */
export function versionOf(snapshot: StatusSnapshot): SnapshotVersion {
  const time = Date.parse(snapshot.updatedAt);
  const steps = PROGRESS_STEPS.filter((step) => snapshot.progress[step] === 'completed').length;
  const digest = createHash('sha256').update(JSON.stringify(snapshot)).digest('base64url').slice(0, 12);
  return { time: Number.isFinite(time) ? time : 0, synthesized: isTimeSynthesized(snapshot), rank: RANK[snapshot.status], steps, digest };
}

/**
 * The SSE event id of a version: `{time}-{rank}-{steps}-{digest}`, with `s` after the time when
 * it was synthesized.
 */
export const eventIdOf = (version: SnapshotVersion): string =>
  `${version.time}${version.synthesized ? 's' : ''}-${version.rank}-${version.steps}-${version.digest}`;

/** Parses an SSE event id back into a version; `undefined` for anything we did not write. */
export function parseEventId(id: string | null | undefined): SnapshotVersion | undefined {
  const match = /^(\d{1,16})(s?)-([0-4])-([0-4])-([A-Za-z0-9_-]{12})$/.exec(id?.trim() ?? '');
  if (!match) return undefined;
  return { time: Number(match[1]), synthesized: match[2] === 's', rank: Number(match[3]), steps: Number(match[4]), digest: match[5]! };
}

/**
 * True when a snapshot with version `next` should replace one with version `current`. A final
 * state is never replaced (okID does not leave one); otherwise the later `updatedAt` wins, then
 * the further status, then more completed steps. When either time was synthesized, it says
 * nothing about the order: the further status wins, then more completed steps, and at the same
 * place in the flow the current one stays. Equal keys with another digest do not replace, so
 * two sources that disagree on an irrelevant detail cannot make a browser flap.
 */
export function isNewer(next: SnapshotVersion, current: SnapshotVersion | undefined): boolean {
  if (current === undefined) return true;
  if (current.rank === RANK.completed) return false;
  if (next.rank === RANK.completed) return true;
  if (next.synthesized || current.synthesized) {
    if (next.rank !== current.rank) return next.rank > current.rank;
    return next.steps > current.steps;
  }
  if (next.time !== current.time) return next.time > current.time;
  if (next.rank !== current.rank) return next.rank > current.rank;
  return next.steps > current.steps;
}

/** True for a final snapshot (completed, failed, expired, canceled). */
export const isFinal = (snapshot: StatusSnapshot): boolean => isFinalStatus(snapshot.status);
