/**
 * Open event streams per client across instances: each stream holds a place in the hub's set
 * for its client (`OkidHub.holdSlots`), which admits at most `streamsPerClient` live places.
 * A place lives `SLOT_TTL_MS` unless its instance renews it, which it does for all its streams
 * every third of that: a crashed instance's streams stop counting within a minute, so it never
 * locks a client out for long. A hub that fails or is slow never blocks a stream: the instance
 * then holds the client to the limit alone (`Limiter` counts its own streams first) and says so
 * in a rate-limited log line.
 */
import { randomUUID } from 'node:crypto';
import type { OkidHub } from '../hub/hub.js';
import type { RateLimitedLog } from '../common/log.js';
import { withDeadline } from '../hub/guarded-hub.js';
import { unrefTimer } from '../common/timers.js';
import type { TimerHandle } from '../common/timers.js';
import { errorMessage } from '../../core/error-message.js';

/** How long a place lives without renewal, in milliseconds. */
export const SLOT_TTL_MS = 60_000;
/** Deadline of one hub call: opening a stream must not wait long on a slow hub. */
const SLOT_DEADLINE_MS = 500;
/** How long a failing hub is left alone before it is asked again, in milliseconds. */
const HUB_RETRY_MS = 5_000;

/** What {@link StreamSlots} needs. */
export interface StreamSlotsOptions {
  /** The operator's hub (not the guarded one: a failed call must not mark the push path down). */
  hub: OkidHub;
  log: RateLimitedLog;
  now?: () => number;
  /** Milliseconds a place lives without renewal. Default {@link SLOT_TTL_MS}; tests shorten it. */
  ttlMs?: number;
}

/** Places of this instance's streams in the hub, by client. */
export class StreamSlots {
  readonly #hub: OkidHub;
  readonly #log: RateLimitedLog;
  readonly #now: () => number;
  readonly #ttlMs: number;
  /** This instance's name in the members it adds, so two instances never share a member. */
  readonly #instance = randomUUID();
  #sequence = 0;
  /** client → its streams' members here, and the limit they were admitted under. */
  readonly #held = new Map<string, { members: Set<string>; max: number }>();
  #renewTimer: TimerHandle | undefined;
  #hubDownUntil = 0;

  constructor(options: StreamSlotsOptions) {
    this.#hub = options.hub;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? SLOT_TTL_MS;
  }

  /** Whether the hub can hold places across instances at all. */
  get shared(): boolean {
    return typeof this.#hub.holdSlots === 'function';
  }

  /**
   * Takes a place for one more stream of `client` among at most `max`. Resolves how to give it
   * back, or `undefined` when every place is taken on some instance. When the hub cannot answer,
   * the stream is admitted (this instance's own count applies) without a shared place.
   */
  async take(client: string, max: number): Promise<(() => void) | undefined> {
    const hub = this.#hub;
    if (typeof hub.holdSlots !== 'function' || this.#now() < this.#hubDownUntil) return () => undefined;
    const member = `${this.#instance}:${++this.#sequence}`;
    let held: number;
    try {
      // A place the hub grants after the deadline is given back: this stream was admitted without it.
      held = await this.#call(
        () => hub.holdSlots!(keyOf(client), [member], max, this.#ttlMs),
        (late) => late > 0 && hub.releaseSlots?.(keyOf(client), [member]).catch(() => undefined),
      );
    } catch {
      return () => undefined;
    }
    if (held < 1) return undefined;
    let entry = this.#held.get(client);
    if (!entry) this.#held.set(client, (entry = { members: new Set(), max }));
    entry.members.add(member);
    this.#scheduleRenewal();
    return () => this.#give(client, member);
  }

  #give(client: string, member: string): void {
    const entry = this.#held.get(client);
    if (!entry?.members.delete(member)) return;
    if (entry.members.size === 0) this.#held.delete(client);
    if (this.#held.size === 0) this.#stopRenewal();
    const hub = this.#hub;
    if (typeof hub.releaseSlots === 'function' && this.#now() >= this.#hubDownUntil) {
      // Not awaited: a place the hub does not hear about expires with its TTL.
      this.#call(() => hub.releaseSlots!(keyOf(client), [member])).catch(() => undefined);
    }
  }

  /** Renews every place of this instance, a client per call, before they expire. */
  #scheduleRenewal(): void {
    if (this.#renewTimer) return;
    this.#renewTimer = unrefTimer(
      setTimeout(() => {
        this.#renewTimer = undefined;
        if (this.#held.size === 0) return;
        for (const [client, { members, max }] of this.#held) {
          this.#call(() => this.#hub.holdSlots!(keyOf(client), [...members], max, this.#ttlMs)).catch(() => undefined);
        }
        this.#scheduleRenewal();
      }, this.#ttlMs / 3),
    );
  }

  #stopRenewal(): void {
    if (this.#renewTimer) clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
  }

  /** One hub call with a deadline; a failure leaves the hub alone for a while and is logged. */
  async #call<T>(call: () => Promise<T>, onLate?: (value: T) => void): Promise<T> {
    try {
      return await withDeadline(Promise.resolve().then(call), SLOT_DEADLINE_MS, 'the push hub stream count', onLate);
    } catch (error) {
      this.#hubDownUntil = this.#now() + HUB_RETRY_MS;
      this.#log.log(
        'limits-hub-streams',
        `okid-verify: the push hub could not count event streams (${errorMessage(error)}); this instance applies limits.streamsPerClient alone meanwhile.`,
      );
      throw error;
    }
  }
}

const keyOf = (client: string): string => `streams:${client}`;
