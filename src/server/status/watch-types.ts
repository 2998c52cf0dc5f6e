/**
 * The shapes shared by the status watches (`watch.ts`) and the registry that hands them out
 * (`watchers.ts`): what reads okID, what a watch is given, and what a subscriber holds.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import type { GuardedHub } from '../hub/guarded-hub.js';
import type { OkidProxyLogger } from '../common/log.js';
import type { SnapshotRead } from './shared-reads.js';

/**
 * Reads the current snapshot of a verification from okID, with the other id okID gives it, if
 * any (the `ver_…` record of a v1 `tok_…` token), under which its webhooks are published.
 */
export type SnapshotReader = (verificationId: string, signal: AbortSignal, options?: { reuse?: boolean }) => Promise<SnapshotRead>;

/** Settings of {@link StatusWatchers}. */
export interface StatusWatchersOptions {
  /** The hub, with a deadline on every call (see `hub/guarded-hub.ts`). */
  hub: GuardedHub;
  read: SnapshotReader;
  /** Milliseconds between two polls of one verification. */
  pollIntervalMs: number;
  logger: OkidProxyLogger;
  /** Identifies this proxy instance in poll leases. */
  owner: string;
  /** Told of every snapshot a watch takes (the shared reads keep the newest for status GETs). */
  onSnapshot?: (snapshot: StatusSnapshot) => void;
}

/** What a subscriber is told. */
export interface WatchListener {
  /** A snapshot newer than any before it. */
  snapshot(snapshot: StatusSnapshot): void;
  /** The watch ended without a final state (okID now says 404/403, or the proxy closed). */
  end(): void;
}

/** One subscriber's handle on a watch. */
export interface WatchSubscription {
  /** Resolves with the first snapshot (or rejects with the okID error that prevented it). */
  ready: Promise<StatusSnapshot>;
  /** The newest snapshot known, once `ready` resolved. */
  latest(): StatusSnapshot | undefined;
  /**
   * True while news can still reach this subscriber: the hub answers and carries this
   * verification, or okID answered a poll recently. A stream whose watch is not alive is ended
   * (with `retry:`) rather than kept open on heartbeats that hide that nothing can arrive.
   */
  alive(): boolean;
  /** Ends this subscription; the last one to leave stops the watch. Idempotent. */
  close(): void;
}
