/**
 * The Redis hub's subscriber side: one pub/sub channel per verification, subscribed only while
 * someone on this instance watches it, and every message checked as a snapshot before any
 * listener hears it.
 */
import { StatusSnapshotSchema } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import type { HubListener } from './hub.js';
import type { RedisClientLike } from './redis-client-like.js';
import { withSynthesizedTime } from './hub.js';

/** A pub/sub message as a snapshot, or undefined: only a valid snapshot reaches a browser. */
function parseMessage(message: string): StatusSnapshot | undefined {
  try {
    // Whatever else can write to this Redis, only a valid snapshot reaches a browser.
    const raw = JSON.parse(message) as unknown;
    const parsed = StatusSnapshotSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    return (raw as { timeSynthesized?: unknown }).timeSynthesized === true ? withSynthesizedTime(parsed.data) : parsed.data;
  } catch {
    return undefined;
  }
}

/** What {@link RedisChannels} needs from its hub. */
export interface RedisChannelsOptions {
  channelPrefix: string;
  /** Fails a Redis call that takes longer than the hub's command timeout. */
  timed: <T>(promise: Promise<T>, what: string) => Promise<T>;
  onError: (error: Error) => void;
  /** True once the hub is closed: nothing is unsubscribed on a closed connection. */
  closed: () => boolean;
}

/** The listeners of one hub by verification id, and the SUBSCRIBE of each channel in use. */
export class RedisChannels {
  readonly #listeners = new Map<string, Set<HubListener>>();
  /** The SUBSCRIBE of each channel in use; a second watcher waits on the first one's. */
  readonly #subscriptions = new Map<string, Promise<unknown>>();

  constructor(readonly options: RedisChannelsOptions) {}

  /** A message on the subscriber connection. */
  onMessage(channel: string, message: string): void {
    const { channelPrefix } = this.options;
    if (!channel.startsWith(channelPrefix)) return;
    const set = this.#listeners.get(channel.slice(channelPrefix.length));
    if (!set) return;
    const snapshot = parseMessage(message);
    if (!snapshot) return;
    for (const listener of [...set]) {
      try {
        listener(snapshot);
      } catch {
        // One broken subscriber must not keep the snapshot from the others.
      }
    }
  }

  /** Adds `listener`, subscribing the channel if it is the first; resolves with its unsubscribe. */
  async subscribe(subscriber: RedisClientLike, verificationId: string, listener: HubListener): Promise<() => void> {
    const { channelPrefix, timed } = this.options;
    const channel = channelPrefix + verificationId;
    let set = this.#listeners.get(verificationId);
    if (!set) {
      this.#listeners.set(verificationId, (set = new Set()));
      this.#subscriptions.set(channel, subscriber.subscribe(channel));
    }
    set.add(listener);
    const mine = set;
    try {
      await timed(this.#subscriptions.get(channel)!, 'SUBSCRIBE');
    } catch (error) {
      mine.delete(listener);
      // Forget the failed SUBSCRIBE, so the next watcher tries again instead of awaiting it.
      if (mine.size === 0 && this.#listeners.get(verificationId) === mine) {
        this.#listeners.delete(verificationId);
        this.#subscriptions.delete(channel);
        // A SUBSCRIBE that timed out may still be applied when Redis answers: undone after it
        // (one connection runs its commands in order).
        if (!this.options.closed()) subscriber.unsubscribe(channel).catch(() => undefined);
      }
      throw error;
    }
    return () => {
      mine.delete(listener);
      if (mine.size > 0 || this.#listeners.get(verificationId) !== mine) return;
      this.#listeners.delete(verificationId);
      this.#subscriptions.delete(channel);
      // ioredis sends commands in order, so a later SUBSCRIBE of the same channel still wins.
      if (!this.options.closed()) subscriber.unsubscribe(channel).catch(this.options.onError);
    };
  }

  clear(): void {
    this.#listeners.clear();
    this.#subscriptions.clear();
  }
}
