/**
 * The default, in-process hub: subscribers in a map, seen keys in a bounded TTL set. Enough
 * for one proxy instance (or several proxies in one process sharing it).
 */
import type { StatusSnapshot } from '../core/protocol.js';
import type { HubListener, OkidHub } from './hub.js';

/** Options of {@link createMemoryHub}. */
export interface MemoryHubOptions {
  /**
   * Most keys {@link OkidHub.markSeen} remembers at once; the oldest are forgotten first, so a
   * flood of webhook event ids cannot grow memory without bound. Default 100000 (~10 MB).
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
  // A Map iterates in insertion order, which makes it an LRU-by-insertion with O(1) eviction.
  const seen = new Map<string, number>();
  const leases = new Map<string, { owner: string; expiresAt: number }>();

  const sweepSeen = (now: number): void => {
    for (const [key, expiresAt] of seen) {
      // Entries are mostly in expiry order (one TTL per caller), so stop at the first live one.
      if (expiresAt > now && seen.size <= maxSeenKeys) break;
      seen.delete(key);
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
      const expiresAt = seen.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      seen.delete(key);
      seen.set(key, now + ttlMs);
      sweepSeen(now);
      return true;
    },
    async forget(key: string) {
      seen.delete(key);
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
    async close() {
      listeners.clear();
      seen.clear();
      leases.clear();
    },
  };
}
