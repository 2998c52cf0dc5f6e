/**
 * The default, in-process hub: subscribers in a map, seen keys in a bounded TTL set (one
 * insertion-ordered map per TTL, so expired keys are freed whatever their neighbours' TTLs).
 * Enough for one proxy instance (or several proxies in one process sharing it).
 */
import type { StatusSnapshot } from '../core/protocol.js';
import type { HubListener, OkidHub } from './hub.js';
import { LocalWindows } from './limits.js';

/** Options of {@link createMemoryHub}. */
export interface MemoryHubOptions {
  /**
   * Most keys {@link OkidHub.markSeen} remembers at once. Expired keys are freed first; past the
   * cap, the live keys closest to their expiry are forgotten, so a flood of webhook deliveries
   * cannot grow memory without bound. Default 100000 (~10 MB).
   */
  maxSeenKeys?: number;
}

/** Default bound of the seen-keys set. */
export const DEFAULT_MAX_SEEN_KEYS = 100_000;

/** Creates the in-memory hub (the proxy's default). */
export function createMemoryHub(options: MemoryHubOptions = {}): OkidHub {
  const maxSeenKeys = options.maxSeenKeys ?? DEFAULT_MAX_SEEN_KEYS;
  if (!Number.isInteger(maxSeenKeys) || maxSeenKeys < 1) throw new TypeError('createMemoryHub: maxSeenKeys must be a positive integer.');

  const listeners = new Map<string, Set<HubListener>>();
  // Seen keys, one bucket per TTL: within a bucket a Map's insertion order is expiry order, so
  // each bucket is swept from its front. Mixed in one Map, a 24 h event id would sit in front of
  // the short-lived delivery keys inserted after it, and the sweep would stop there.
  const buckets = new Map<number, Map<string, number>>();
  /** Which bucket holds a key. */
  const bucketOf = new Map<string, Map<string, number>>();
  const leases = new Map<string, { owner: string; expiresAt: number }>();
  /** Sets of {@link OkidHub.holdSlots}: key → member → when its place expires. */
  const slots = new Map<string, Map<string, number>>();
  // Counters of the proxy's limits: fixed windows, bounded (see limits.ts).
  const windows = new LocalWindows();

  const remove = (key: string): void => {
    const bucket = bucketOf.get(key);
    if (!bucket) return;
    bucket.delete(key);
    bucketOf.delete(key);
  };

  const sweepSeen = (now: number): void => {
    for (const [ttl, bucket] of buckets) {
      for (const [key, expiresAt] of bucket) {
        if (expiresAt > now) break;
        bucket.delete(key);
        bucketOf.delete(key);
      }
      if (bucket.size === 0) buckets.delete(ttl);
    }
    // Still over the cap: every key is live. Drop the ones closest to expiring (the front of
    // some bucket), so long-lived event ids outlast short-lived delivery keys.
    while (bucketOf.size > maxSeenKeys) {
      let soonest: { key: string; bucket: Map<string, number>; expiresAt: number } | undefined;
      for (const bucket of buckets.values()) {
        const first = bucket.entries().next();
        if (first.done) continue;
        const [key, expiresAt] = first.value;
        if (!soonest || expiresAt < soonest.expiresAt) soonest = { key, bucket, expiresAt };
      }
      if (!soonest) break;
      remove(soonest.key);
    }
  };

  return {
    async publish(snapshot: StatusSnapshot) {
      const set = listeners.get(snapshot.verificationId);
      if (!set) return;
      // A copy: a listener may unsubscribe (a stream reaching a final state) while we iterate.
      for (const listener of [...set]) {
        try {
          listener(snapshot);
        } catch {
          // One broken subscriber must not keep the snapshot from the others.
        }
      }
    },
    async subscribe(verificationId: string, listener: HubListener) {
      let set = listeners.get(verificationId);
      if (!set) listeners.set(verificationId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(verificationId) === set) listeners.delete(verificationId);
      };
    },
    async markSeen(key: string, ttlMs: number) {
      const now = Date.now();
      const expiresAt = bucketOf.get(key)?.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      remove(key);
      let bucket = buckets.get(ttlMs);
      if (!bucket) buckets.set(ttlMs, (bucket = new Map()));
      bucket.set(key, now + ttlMs);
      bucketOf.set(key, bucket);
      sweepSeen(now);
      return true;
    },
    async forget(key: string) {
      remove(key);
    },
    async acquireLease(name: string, owner: string, ttlMs: number) {
      const now = Date.now();
      const lease = leases.get(name);
      if (lease && lease.owner !== owner && lease.expiresAt > now) return false;
      leases.set(name, { owner, expiresAt: now + ttlMs });
      return true;
    },
    async releaseLease(name: string, owner: string) {
      if (leases.get(name)?.owner === owner) leases.delete(name);
    },
    async count(key: string, windowMs: number) {
      return windows.count(key, windowMs);
    },
    async holdSlots(key: string, members: string[], max: number, ttlMs: number) {
      const now = Date.now();
      let set = slots.get(key);
      if (!set) slots.set(key, (set = new Map()));
      for (const [member, expiresAt] of set) if (expiresAt <= now) set.delete(member);
      let held = 0;
      for (const member of members) {
        if (!set.has(member) && set.size >= max) continue;
        set.set(member, now + ttlMs);
        held += 1;
      }
      if (set.size === 0) slots.delete(key);
      return held;
    },
    async releaseSlots(key: string, members: string[]) {
      const set = slots.get(key);
      for (const member of members) set?.delete(member);
      if (set?.size === 0) slots.delete(key);
    },
    async close() {
      listeners.clear();
      buckets.clear();
      bucketOf.clear();
      leases.clear();
      slots.clear();
    },
  };
}
