/**
 * A hub shared by several proxy instances through Redis: snapshots travel over pub/sub (one
 * channel per verification, subscribed only while someone on this instance watches it), seen
 * webhook events and poll leases are keys with an expiry, so two instances never process one
 * event or poll one verification twice.
 *
 * Speaks to Redis through `ioredis` (an optional peer dependency, loaded only when this hub is
 * created from a URL), or through a client the operator already has.
 */
import type { OkidHub } from './hub.js';
import { RedisChannels } from './redis-channels.js';
import type { RedisClientLike } from './redis-client-like.js';
import { isTimeSynthesized } from './hub.js';
import { withDeadline } from './guarded-hub.js';
import { errorMessage } from '../../core/error-message.js';
import { ACQUIRE_LEASE, COUNT, RECALL, REMEMBER, HOLD_SLOTS, RELEASE_LEASE, RELEASE_SLOTS, countAnswer, slotsAnswer } from './redis-scripts.js';

export type { RedisClientLike } from './redis-client-like.js';

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
  const { timeoutMs, prefix, channelPrefix, onError } = checkRedisHubOptions(options);
  /** Fails a Redis call that takes longer than `timeoutMs`: Redis frozen or a link half-open. */
  const timed = <T>(promise: Promise<T>, what: string, onLate?: (value: T) => void): Promise<T> =>
    withDeadline(promise, timeoutMs, `Redis ${what}`, onLate);
  let closed = false;
  const channels = new RedisChannels({ channelPrefix, timed, onError, closed: () => closed });
  const connections = openConnections(options, onError, timeoutMs, channels);
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
      return channels.subscribe(subscriber, verificationId, listener);
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
      return countAnswer(answer);
    },
    async holdSlots(key, members, max, ttlMs) {
      if (members.length === 0) return 0;
      const limit = Number.isFinite(max) ? Math.max(0, Math.floor(max)) : Number.MAX_SAFE_INTEGER;
      const args = [limit, Math.max(1, Math.ceil(ttlMs)), ...members];
      return slotsAnswer(await timed((await commands()).eval(HOLD_SLOTS, 1, `${prefix}slots:${key}`, ...args), 'EVAL'));
    },
    async releaseSlots(key, members) {
      if (members.length === 0) return;
      await timed((await commands()).eval(RELEASE_SLOTS, 1, `${prefix}slots:${key}`, ...members), 'EVAL');
    },
    async remember(key, value, ttlMs) {
      await timed((await commands()).eval(REMEMBER, 1, `${prefix}value:${key}`, value, Math.max(1, Math.ceil(ttlMs))), 'EVAL');
    },
    async recall(key) {
      const value = await timed((await commands()).eval(RECALL, 1, `${prefix}value:${key}`), 'EVAL');
      return typeof value === 'string' ? value : undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      const conns = await connections.catch(() => undefined);
      await conns?.close();
    },
  };
}

/** Checks the options (a `TypeError` naming the bad one) and fills the defaults. */
function checkRedisHubOptions(options: RedisHubOptions): { timeoutMs: number; prefix: string; channelPrefix: string; onError: (error: Error) => void } {
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
  const prefix = options.keyPrefix ?? 'okid:';
  const channelPrefix = `${prefix}status:`;
  const onError = options.onError ?? ((error: Error) => console.warn(`okid-verify: Redis hub: ${error.message}`));
  return { timeoutMs, prefix, channelPrefix, onError };
}

/** Connects, and hands the subscriber's messages to `channels`. */
function openConnections(options: RedisHubOptions, onError: (error: Error) => void, timeoutMs: number, channels: RedisChannels): Promise<Connections> {
  const connections = connect(options, onError, timeoutMs).then((conns) => {
    conns.subscriber.on('message', (channel, message) => channels.onMessage(channel, message));
    return conns;
  });
  // Nobody may be awaiting yet; the failure surfaces on the first call instead of as an
  // unhandled rejection.
  connections.catch(() => undefined);
  return connections;
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
