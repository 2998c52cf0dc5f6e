/**
 * The default, in-process hub: subscribers in a map, seen keys in a bounded TTL set (one
 * insertion-ordered map per TTL, so expired keys are freed whatever their neighbours' TTLs).
 * Enough for one proxy instance (or several proxies in one process sharing it). The tables
 * themselves are in `memory-stores.ts`.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import type { HubListener, OkidHub } from './hub.js';
import { LocalWindows } from './local-windows.js';
import { LocalLeases, LocalListeners, LocalSlots, SeenKeys } from './memory-stores.js';

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

  const listeners = new LocalListeners();
  const seen = new SeenKeys(maxSeenKeys);
  const leases = new LocalLeases();
  const slots = new LocalSlots();
  // Counters of the proxy's limits: fixed windows, bounded (see limits.ts).
  const windows = new LocalWindows();
  // Values kept by remember(): bounded like the seen keys, the oldest dropped first.
  const values = new Map<string, { value: string; expiresAt: number }>();

  return {
    async publish(snapshot: StatusSnapshot) {
      listeners.publish(snapshot);
    },
    async subscribe(verificationId: string, listener: HubListener) {
      return listeners.subscribe(verificationId, listener);
    },
    async markSeen(key: string, ttlMs: number) {
      return seen.mark(key, ttlMs);
    },
    async forget(key: string) {
      seen.remove(key);
    },
    async acquireLease(name: string, owner: string, ttlMs: number) {
      return leases.acquire(name, owner, ttlMs);
    },
    async releaseLease(name: string, owner: string) {
      leases.release(name, owner);
    },
    async count(key: string, windowMs: number) {
      return windows.count(key, windowMs);
    },
    async holdSlots(key: string, members: string[], max: number, ttlMs: number) {
      return slots.hold(key, members, max, ttlMs);
    },
    async releaseSlots(key: string, members: string[]) {
      slots.release(key, members);
    },
    async remember(key: string, value: string, ttlMs: number) {
      values.delete(key);
      values.set(key, { value, expiresAt: Date.now() + ttlMs });
      for (const [oldest, entry] of values) {
        if (values.size <= maxSeenKeys && entry.expiresAt > Date.now()) break;
        values.delete(oldest);
      }
    },
    async recall(key: string) {
      const entry = values.get(key);
      if (entry === undefined || entry.expiresAt <= Date.now()) return undefined;
      return entry.value;
    },
    async close() {
      values.clear();
      listeners.clear();
      seen.clear();
      leases.clear();
      slots.clear();
    },
  };
}
