/**
 * The in-memory hub's tables, each bounded or swept as it is used: the seen keys (one
 * insertion-ordered map per TTL), the poll leases, the stream slots and the subscribers.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import type { HubListener } from './hub.js';

/**
 * Seen keys with their expiry, at most `maxKeys` at once. One bucket per TTL: within a bucket a
 * Map's insertion order is expiry order, so each bucket is swept from its front. Mixed in one
 * Map, a 24 h event id would sit in front of the short-lived delivery keys inserted after it,
 * and the sweep would stop there.
 */
export class SeenKeys {
  readonly #buckets = new Map<number, Map<string, number>>();
  /** Which bucket holds a key. */
  readonly #bucketOf = new Map<string, Map<string, number>>();

  constructor(readonly maxKeys: number) {}

  /** Remembers `key` for `ttlMs`; false when it is already remembered and not yet expired. */
  mark(key: string, ttlMs: number): boolean {
    const now = Date.now();
    const expiresAt = this.#bucketOf.get(key)?.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.remove(key);
    let bucket = this.#buckets.get(ttlMs);
    if (!bucket) this.#buckets.set(ttlMs, (bucket = new Map()));
    bucket.set(key, now + ttlMs);
    this.#bucketOf.set(key, bucket);
    this.#sweep(now);
    return true;
  }

  remove(key: string): void {
    const bucket = this.#bucketOf.get(key);
    if (!bucket) return;
    bucket.delete(key);
    this.#bucketOf.delete(key);
  }

  clear(): void {
    this.#buckets.clear();
    this.#bucketOf.clear();
  }

  #sweep(now: number): void {
    for (const [ttl, bucket] of this.#buckets) {
      for (const [key, expiresAt] of bucket) {
        if (expiresAt > now) break;
        bucket.delete(key);
        this.#bucketOf.delete(key);
      }
      if (bucket.size === 0) this.#buckets.delete(ttl);
    }
    // Still over the cap: every key is live. Drop the ones closest to expiring (the front of
    // some bucket), so long-lived event ids outlast short-lived delivery keys.
    while (this.#bucketOf.size > this.maxKeys) {
      let soonest: { key: string; expiresAt: number } | undefined;
      for (const bucket of this.#buckets.values()) {
        const first = bucket.entries().next();
        if (first.done) continue;
        const [key, expiresAt] = first.value;
        if (!soonest || expiresAt < soonest.expiresAt) soonest = { key, expiresAt };
      }
      if (!soonest) break;
      this.remove(soonest.key);
    }
  }
}

/** Named leases: one owner each until it expires or its owner releases it. */
export class LocalLeases {
  readonly #leases = new Map<string, { owner: string; expiresAt: number }>();

  acquire(name: string, owner: string, ttlMs: number): boolean {
    const now = Date.now();
    const lease = this.#leases.get(name);
    if (lease && lease.owner !== owner && lease.expiresAt > now) return false;
    this.#leases.set(name, { owner, expiresAt: now + ttlMs });
    return true;
  }

  release(name: string, owner: string): void {
    if (this.#leases.get(name)?.owner === owner) this.#leases.delete(name);
  }

  clear(): void {
    this.#leases.clear();
  }
}

/** Sets of held places (`OkidHub.holdSlots`): key → member → when its place expires. */
export class LocalSlots {
  readonly #slots = new Map<string, Map<string, number>>();

  hold(key: string, members: string[], max: number, ttlMs: number): number {
    const now = Date.now();
    let set = this.#slots.get(key);
    if (!set) this.#slots.set(key, (set = new Map()));
    for (const [member, expiresAt] of set) if (expiresAt <= now) set.delete(member);
    let held = 0;
    for (const member of members) {
      if (!set.has(member) && set.size >= max) continue;
      set.set(member, now + ttlMs);
      held += 1;
    }
    if (set.size === 0) this.#slots.delete(key);
    return held;
  }

  release(key: string, members: string[]): void {
    const set = this.#slots.get(key);
    for (const member of members) set?.delete(member);
    if (set?.size === 0) this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }
}

/** Subscribers by verification id, told in process. */
export class LocalListeners {
  readonly #listeners = new Map<string, Set<HubListener>>();

  publish(snapshot: StatusSnapshot): void {
    const set = this.#listeners.get(snapshot.verificationId);
    if (!set) return;
    // A copy: a listener may unsubscribe (a stream reaching a final state) while we iterate.
    for (const listener of [...set]) {
      try {
        listener(snapshot);
      } catch {
        // One broken subscriber must not keep the snapshot from the others.
      }
    }
  }

  subscribe(verificationId: string, listener: HubListener): () => void {
    let set = this.#listeners.get(verificationId);
    if (!set) this.#listeners.set(verificationId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(verificationId) === set) this.#listeners.delete(verificationId);
    };
  }

  clear(): void {
    this.#listeners.clear();
  }
}
