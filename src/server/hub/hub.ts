/**
 * The push hub: how a status snapshot learned by one proxy instance (from a webhook, or from
 * polling okID) reaches every browser watching that verification, on every instance. It is the
 * only state the proxy keeps. {@link createMemoryHub} serves one process; `createRedisHub`
 * shares it between instances through Redis pub/sub.
 */
import type { StatusSnapshot } from '../../core/protocol.js';

/** Receives the snapshots published for one verification. */
export type HubListener = (snapshot: StatusSnapshot) => void;

/**
 * What the proxy needs from a hub. Implement it to plug in another broker; every method may be
 * called concurrently by many requests.
 */
export interface OkidHub {
  /** Delivers `snapshot` to every subscriber of `snapshot.verificationId`, on every instance. */
  publish(snapshot: StatusSnapshot): Promise<void>;
  /**
   * Calls `listener` with each snapshot published for `verificationId` from now on. Resolves,
   * once the subscription is active, to a function that ends it.
   */
  subscribe(verificationId: string, listener: HubListener): Promise<() => void>;
  /**
   * Records `key` as seen for `ttlMs` milliseconds. Resolves `true` only for the first caller
   * across all instances: the proxy uses it to process each webhook event once.
   */
  markSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a key recorded by {@link markSeen}, so a delivery that failed half-way can be retried. */
  forget(key: string): Promise<void>;
  /**
   * Takes or renews a lease named `name` for `owner`, for `ttlMs` milliseconds. Resolves
   * `true` when `owner` holds it. The proxy leases "who polls okID for this verification", so
   * many instances watching one verification still poll it once per interval.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up early, when `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  /**
   * Optional: adds one to the counter `key` and resolves to its value and the milliseconds left
   * in its window; the first count starts a window of `windowMs`, after which the counter starts
   * again from zero. Atomic across instances. The proxy keeps its per-client limits (`limits`)
   * here when the hub has it, so they hold across instances; without it, each instance counts.
   */
  count?(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /**
   * Optional: holds places in the set `key` for `members`, for `ttlMs` milliseconds each (calling
   * again renews them). A member already holding a place keeps it; a new one gets a place only
   * while fewer than `max` live places are held. Resolves to how many of `members` hold a place.
   * Atomic across instances. With it (and {@link releaseSlots}), `limits.streamsPerClient` holds
   * across instances; without it, each instance counts its own streams.
   */
  holdSlots?(key: string, members: string[], max: number, ttlMs: number): Promise<number>;
  /** Optional: gives the places of `members` in the set `key` back. */
  releaseSlots?(key: string, members: string[]): Promise<void>;
  /**
   * Optional: keeps `value` under `key` for `ttlMs` milliseconds, across instances. The vendor
   * providers keep here what a vendor will not tell again: which OOTO session a callback path
   * names, and a uqudo session's last status (uqudo does not replay its socket's messages).
   * Without it, each instance knows only what it saw itself.
   */
  remember?(key: string, value: string, ttlMs: number): Promise<void>;
  /** Optional: the value kept under `key` by {@link remember}, or `undefined` once expired. */
  recall?(key: string): Promise<string | undefined>;
  /** Releases connections and timers. The proxy never calls it: whoever created the hub does. */
  close(): Promise<void>;
}

/**
 * Marks a snapshot whose `updatedAt` is not the time of its status: a webhook without
 * `updated_at` (okID's documented payload) gets `completed_at`, `created_at`, the event's time or
 * the proxy's clock instead. The hub carries the mark between instances (the Redis hub as a field of its message). Such a time cannot order it against okID's own times, so
 * {@link isNewer} compares those snapshots by status first. A symbol: `JSON.stringify` leaves it
 * out, so it never reaches a browser; spreads keep it. The Redis hub carries it explicitly.
 */
export const TIME_SYNTHESIZED: unique symbol = Symbol('okid-verify.timeSynthesized');

type MaybeSynthesized = StatusSnapshot & { [TIME_SYNTHESIZED]?: true };

/** A copy of `snapshot` marked as having a synthesized `updatedAt`. */
export const withSynthesizedTime = (snapshot: StatusSnapshot): StatusSnapshot => ({ ...snapshot, [TIME_SYNTHESIZED]: true }) as MaybeSynthesized;

/** True when `snapshot`'s `updatedAt` was synthesized (see {@link TIME_SYNTHESIZED}). */
export const isTimeSynthesized = (snapshot: StatusSnapshot): boolean => (snapshot as MaybeSynthesized)[TIME_SYNTHESIZED] === true;
