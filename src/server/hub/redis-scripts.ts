/** The Lua scripts of the Redis hub (`redis-hub.ts`): each runs as one atomic step in Redis. */

/** Renews the lease when `owner` holds it, takes it when it is free; 1 when `owner` holds it after. */
export const ACQUIRE_LEASE = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deletes the lease only when `owner` still holds it (it may have expired and moved on). */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Adds one to a windowed counter in one step: the first count of a window sets its expiry, so
 * the counter and its window can never be left without one (a crash between INCR and PEXPIRE
 * would otherwise count forever). Returns the count and the milliseconds left.
 */
export const COUNT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/**
 * Holds places in a sorted set scored by expiry (Redis' own clock, so instances' clocks do not
 * matter): expired places go first, then each member keeps or takes a place while fewer than
 * `max` are held. The set itself expires with its last place. Returns how many members hold one.
 */
export const HOLD_SLOTS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) or redis.call('ZCARD', KEYS[1]) < max then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
    held = held + 1
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ttl) end
return held`;

/** Gives places of {@link HOLD_SLOTS} back. */
export const RELEASE_SLOTS = `return redis.call('ZREM', KEYS[1], unpack(ARGV))`;

/** {@link COUNT}'s answer, checked: the count so far and milliseconds until its window resets. */
export function countAnswer(answer: unknown): { count: number; resetMs: number } {
  const [count, resetMs] = Array.isArray(answer) ? answer.map(Number) : [];
  if (!Number.isFinite(count) || !Number.isFinite(resetMs)) throw new Error('okid-verify: Redis answered a count with something else.');
  return { count: count!, resetMs: Math.max(0, resetMs!) };
}

/** {@link HOLD_SLOTS}'s answer, checked: how many of the members hold a place. */
export function slotsAnswer(answer: unknown): number {
  const held = Number(answer);
  if (!Number.isInteger(held)) throw new Error('okid-verify: Redis answered a stream count with something else.');
  return held;
}

/** Keeps a value (KEYS[1] = ARGV[1]) for ARGV[2] milliseconds. */
export const REMEMBER = "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";

/** The value of KEYS[1], or nil. */
export const RECALL = "return redis.call('GET', KEYS[1])";
