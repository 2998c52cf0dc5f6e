/**
 * The Redis client shape the hub speaks to, on its own so that the hub and its channels share
 * it without importing each other.
 */
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
