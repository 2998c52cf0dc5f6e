/**
 * A hub shared by several proxy instances through Redis: snapshots travel over pub/sub (one
 * channel per verification, subscribed only while someone on this instance watches it), seen
 * webhook events and poll leases are keys with an expiry, so two instances never process one
 * event or poll one verification twice.
 *
 * Speaks to Redis through `ioredis` (an optional peer dependency, loaded only when this hub is
 * created from a URL), or through a client the operator already has.
 */
import { StatusSnapshotSchema } from '../core/protocol.js';
import type { StatusSnapshot } from '../core/protocol.js';
import type { HubListener, OkidHub } from './hub.js';
import { isTimeSynthesized, withSynthesizedTime } from './snapshot-version.js';
import { withDeadline } from './hub-guard.js';
import { errorMessage } from '../core/error-message.js';
import { ACQUIRE_LEASE, COUNT, HOLD_SLOTS, RELEASE_LEASE, RELEASE_SLOTS } from './redis-scripts.js';

/**
 * The part of an `ioredis` client the hub uses. Declared here so that the proxy's types do not
 * depend on `ioredis` being installed.
 */
export interface RedisClientLike {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  duplicate(): RedisClientLike;
  quit(): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Options of {@link createRedisHub}: give `url` or `client`. */
export interface RedisHubOptions {
  /** Redis URL, e.g. `redis://:password@redis.internal:6379/0` or `rediss://…`. Needs `ioredis` installed. */
  url?: string;
  /**
   * An `ioredis` client to use instead of `url`. The hub duplicates it for its subscriber
   * connection, and `close()` leaves the given client open (it is yours).
   */
  client?: RedisClientLike;
  /** Prefix of every key and channel. Default `okid:`; set one per environment sharing a Redis. */
  keyPrefix?: string;
  /** Receives Redis connection errors (the client reconnects by itself). Default: `console.warn`. */
  onError?: (error: Error) => void;
  /**
   * Milliseconds one Redis call may take before it fails. Default 2000. With `url`, it is also
   * the client's `connectTimeout` and `commandTimeout`; with `client`, the hub applies it itself,
   * whatever the client's own settings (even `maxRetriesPerRequest: null`, which otherwise
   * waits for Redis forever).
   */
  commandTimeoutMs?: number;
}

/** Default of {@link RedisHubOptions.commandTimeoutMs}. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;

interface Connections {
  commands: RedisClientLike;
  subscriber: RedisClientLike;
  /** Closes what the hub opened. */
  close(): Promise<void>;
}

/**
 * Creates a hub backed by Redis pub/sub, for several proxy instances behind a load balancer.
 *
 * @example
 * const hub = createRedisHub({ url: process.env.REDIS_URL! });
 * const okid = createOkidProxy({ apiKey, baseUrl, webhookSecret, hub });
 */
export function createRedisHub(options: RedisHubOptions): OkidHub {
  if (typeof options !== 'object' || options === null || (options.url === undefined) === (options.client === undefined)) {
    throw new TypeError('createRedisHub: give exactly one of url (a redis:// URL) or client (an ioredis client).');
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError('createRedisHub: url must start with redis:// or rediss://.');
  }
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('createRedisHub: commandTimeoutMs must be a positive number of milliseconds.');
  }
  /** Fails a Redis call that takes longer than `timeoutMs`: Redis frozen or a link half-open. */
  const timed = <T>(promise: Promise<T>, what: string, onLate?: (value: T) => void): Promise<T> =>
    withDeadline(promise, timeoutMs, `Redis ${what}`, onLate);
  const prefix = options.keyPrefix ?? 'okid:';
  const channelPrefix = `${prefix}status:`;
  const onError = options.onError ?? ((error: Error) => console.warn(`okid-verify: Redis hub: ${error.message}`));

  const listeners = new Map<string, Set<HubListener>>();
  /** The SUBSCRIBE of each channel in use; a second watcher waits on the first one's. */
  const subscriptions = new Map<string, Promise<unknown>>();
  let closed = false;

  const connections = connect(options, onError, timeoutMs).then((conns) => {
    conns.subscriber.on('message', (channel, message) => {
      if (!channel.startsWith(channelPrefix)) return;
      const set = listeners.get(channel.slice(channelPrefix.length));
      if (!set) return;
      let snapshot: StatusSnapshot;
      try {
        // Whatever else can write to this Redis, only a valid snapshot reaches a browser.
        const raw = JSON.parse(message) as unknown;
        const parsed = StatusSnapshotSchema.safeParse(raw);
        if (!parsed.success) return;
        snapshot = (raw as { timeSynthesized?: unknown }).timeSynthesized === true ? withSynthesizedTime(parsed.data) : parsed.data;
      } catch {
        return;
      }
      for (const listener of [...set]) {
        try {
          listener(snapshot);
        } catch {
          // One broken subscriber must not keep the snapshot from the others.
        }
      }
    });
    return conns;
  });
  // Nobody may be awaiting yet; the failure surfaces on the first call instead of as an
  // unhandled rejection.
  connections.catch(() => undefined);

  const commands = async (): Promise<RedisClientLike> => {
    if (closed) throw new Error('okid-verify: the Redis hub is closed.');
    return (await connections).commands;
  };

  return {
    async publish(snapshot) {
      // The synthesized-time mark is a symbol, which JSON leaves out: carried as a field.
      const message = isTimeSynthesized(snapshot) ? { ...snapshot, timeSynthesized: true } : snapshot;
      await timed((await commands()).publish(channelPrefix + snapshot.verificationId, JSON.stringify(message)), 'PUBLISH');
    },
    async subscribe(verificationId, listener) {
      const { subscriber } = await connections;
      const channel = channelPrefix + verificationId;
      let set = listeners.get(verificationId);
      if (!set) {
        listeners.set(verificationId, (set = new Set()));
        subscriptions.set(channel, subscriber.subscribe(channel));
      }
      set.add(listener);
      const mine = set;
      try {
        await timed(subscriptions.get(channel)!, 'SUBSCRIBE');
      } catch (error) {
        mine.delete(listener);
        // Forget the failed SUBSCRIBE, so the next watcher tries again instead of awaiting it.
        if (mine.size === 0 && listeners.get(verificationId) === mine) {
          listeners.delete(verificationId);
          subscriptions.delete(channel);
          // A SUBSCRIBE that timed out may still be applied when Redis answers: undone after it
          // (one connection runs its commands in order).
          if (!closed) subscriber.unsubscribe(channel).catch(() => undefined);
        }
        throw error;
      }
      return () => {
        mine.delete(listener);
        if (mine.size > 0 || listeners.get(verificationId) !== mine) return;
        listeners.delete(verificationId);
        subscriptions.delete(channel);
        // ioredis sends commands in order, so a later SUBSCRIBE of the same channel still wins.
        if (!closed) subscriber.unsubscribe(channel).catch(onError);
      };
    },
    async markSeen(key, ttlMs) {
      const answer = await timed((await commands()).set(`${prefix}seen:${key}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'), 'SET');
      return answer === 'OK';
    },
    async forget(key) {
      await timed((await commands()).del(`${prefix}seen:${key}`), 'DEL');
    },
    async acquireLease(name, owner, ttlMs) {
      const held = await timed((await commands()).eval(ACQUIRE_LEASE, 1, `${prefix}lease:${name}`, owner, Math.max(1, Math.ceil(ttlMs))), 'EVAL');
      return Number(held) === 1;
    },
    async releaseLease(name, owner) {
      await timed((await commands()).eval(RELEASE_LEASE, 1, `${prefix}lease:${name}`, owner), 'EVAL');
    },
    async count(key, windowMs) {
      const answer = await timed((await commands()).eval(COUNT, 1, `${prefix}count:${key}`, Math.max(1, Math.ceil(windowMs))), 'EVAL');
      const [count, resetMs] = Array.isArray(answer) ? answer.map(Number) : [];
      if (!Number.isFinite(count) || !Number.isFinite(resetMs)) throw new Error('okid-verify: Redis answered a count with something else.');
      return { count: count!, resetMs: Math.max(0, resetMs!) };
    },
    async holdSlots(key, members, max, ttlMs) {
      if (members.length === 0) return 0;
      const limit = Number.isFinite(max) ? Math.max(0, Math.floor(max)) : Number.MAX_SAFE_INTEGER;
      const args = [limit, Math.max(1, Math.ceil(ttlMs)), ...members];
      const held = Number(await timed((await commands()).eval(HOLD_SLOTS, 1, `${prefix}slots:${key}`, ...args), 'EVAL'));
      if (!Number.isInteger(held)) throw new Error('okid-verify: Redis answered a stream count with something else.');
      return held;
    },
    async releaseSlots(key, members) {
      if (members.length === 0) return;
      await timed((await commands()).eval(RELEASE_SLOTS, 1, `${prefix}slots:${key}`, ...members), 'EVAL');
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      subscriptions.clear();
      const conns = await connections.catch(() => undefined);
      await conns?.close();
    },
  };
}

async function connect(options: RedisHubOptions, onError: (error: Error) => void, timeoutMs: number): Promise<Connections> {
  if (options.client) {
    const subscriber = options.client.duplicate();
    subscriber.on('error', onError);
    return { commands: options.client, subscriber, close: async () => void (await subscriber.quit().catch(() => undefined)) };
  }
  const RedisClient = await loadIoredis();
  // Deadlines of our own: ioredis' defaults wait 10 s to connect and forever for an answer.
  const settings = { connectTimeout: timeoutMs, commandTimeout: timeoutMs };
  const commands = new RedisClient(options.url!, settings);
  const subscriber = new RedisClient(options.url!, settings);
  commands.on('error', onError);
  subscriber.on('error', onError);
  return {
    commands,
    subscriber,
    close: async () => {
      await Promise.all([commands.quit().catch(() => undefined), subscriber.quit().catch(() => undefined)]);
    },
  };
}

type RedisConstructor = new (url: string, options: { connectTimeout: number; commandTimeout: number }) => RedisClientLike;

async function loadIoredis(): Promise<RedisConstructor> {
  // A variable, so bundlers leave the import to run time: only users of this hub install ioredis.
  const name = 'ioredis';
  try {
    const module = (await import(/* @vite-ignore */ name)) as { Redis?: RedisConstructor; default?: RedisConstructor };
    const Redis = module.Redis ?? module.default;
    if (typeof Redis !== 'function') throw new Error('no Redis export');
    return Redis;
  } catch (error) {
    throw new Error(
      'okid-verify: createRedisHub({ url }) needs the "ioredis" package: npm install ioredis ' +
        `(or pass { client } with a Redis client you already have). Cause: ${errorMessage(error)}`,
    );
  }
}
