/**
 * The proxy's view of its push hub: every call gets a deadline, so a hub that hangs (a frozen
 * Redis, a half-open connection) fails like one that errors, and the proxy knows whether the hub
 * is answering. While it is not, each instance polls okID itself for the verifications its own
 * streams watch (see `status/watchers.ts`) and the webhook route answers 503 so okID retries; when the hub
 * answers again, the watches go back to the shared path. What goes wrong is logged at most once
 * per kind per minute, with a count, so a Redis outage does not flood the operator's logs.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import type { HubListener, OkidHub } from './hub.js';
import type { RateLimitedLog } from '../common/log.js';
import { unrefTimer } from '../common/timers.js';
import { errorMessage } from '../../core/error-message.js';

/** How long one hub call may take before the proxy stops waiting for it, in milliseconds. */
export const HUB_DEADLINE_MS = 2000;

/** A hub call that took longer than its deadline. */
export class HubTimeoutError extends Error {
  override readonly name = 'HubTimeoutError';
}

/**
 * Rejects with {@link HubTimeoutError} when `promise` has not settled after `ms`; `onLate` gets
 * the value should it arrive anyway (to undo a subscription nobody waits for any more).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = unrefTimer(
      setTimeout(() => {
        late = true;
        reject(new HubTimeoutError(`${what} did not answer within ${ms} ms`));
      }, ms),
    );
    promise.then(
      (value) => {
        if (late) onLate?.(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        if (late) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Settings of {@link GuardedHub}. */
export interface GuardedHubOptions {
  log: RateLimitedLog;
  /** Deadline of each call, in milliseconds. Default {@link HUB_DEADLINE_MS}. */
  deadlineMs?: number;
}

/** A hub whose calls all have a deadline, and which knows whether its hub answers. */
export class GuardedHub implements OkidHub {
  readonly #inner: OkidHub;
  readonly #log: RateLimitedLog;
  readonly #deadlineMs: number;
  #healthy = true;
  readonly #onRecover = new Set<() => void>();

  constructor(inner: OkidHub, options: GuardedHubOptions) {
    this.#inner = inner;
    this.#log = options.log;
    this.#deadlineMs = options.deadlineMs ?? HUB_DEADLINE_MS;
  }

  /** False from a call that failed or timed out until the next call that succeeds. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Calls `listener` each time the hub answers again after failing; returns how to stop. */
  onRecover(listener: () => void): () => void {
    this.#onRecover.add(listener);
    return () => this.#onRecover.delete(listener);
  }

  async #call<T>(kind: string, run: () => Promise<T>, onLate?: (value: T) => void): Promise<T> {
    try {
      // A synchronous throw is a failure like any other.
      const value = await withDeadline(Promise.resolve().then(run), this.#deadlineMs, `the push hub's ${kind}`, onLate);
      this.#succeeded();
      return value;
    } catch (error) {
      this.#failed(kind, error);
      throw error;
    }
  }

  #succeeded(): void {
    if (this.#healthy) return;
    this.#healthy = true;
    this.#log.log('hub-recovered', 'okid-verify: the push hub answers again; back to the shared path.');
    for (const listener of [...this.#onRecover]) listener();
  }

  #failed(kind: string, error: unknown): void {
    this.#healthy = false;
    const why = errorMessage(error);
    this.#log.log(`hub-${kind}`, `okid-verify: push hub ${kind} failed (${why}); this instance polls okID itself meanwhile.`);
  }

  publish(snapshot: StatusSnapshot): Promise<void> {
    return this.#call('publish', () => this.#inner.publish(snapshot));
  }

  subscribe(verificationId: string, listener: HubListener): Promise<() => void> {
    // A subscription that arrives after its deadline is ended at once: nobody waits for it.
    return this.#call('subscribe', () => this.#inner.subscribe(verificationId, listener), (unsubscribe) => unsubscribe());
  }

  markSeen(key: string, ttlMs: number): Promise<boolean> {
    return this.#call('markSeen', () => this.#inner.markSeen(key, ttlMs));
  }

  forget(key: string): Promise<void> {
    return this.#call('forget', () => this.#inner.forget(key));
  }

  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#call('lease', () => this.#inner.acquireLease(name, owner, ttlMs));
  }

  releaseLease(name: string, owner: string): Promise<void> {
    return this.#call('lease', () => this.#inner.releaseLease(name, owner));
  }

  /** True when the hub keeps values (see {@link OkidHub.remember}). */
  get keepsValues(): boolean {
    return typeof this.#inner.remember === 'function' && typeof this.#inner.recall === 'function';
  }

  /** Keeps a value, where the hub can (see {@link OkidHub.remember}); nothing otherwise. */
  async remember(key: string, value: string, ttlMs: number): Promise<void> {
    const inner = this.#inner;
    if (typeof inner.remember !== 'function') return;
    await this.#call('remember', () => inner.remember!(key, value, ttlMs));
  }

  /** A value kept by {@link remember}; `undefined` when there is none or the hub cannot keep values. */
  async recall(key: string): Promise<string | undefined> {
    const inner = this.#inner;
    if (typeof inner.recall !== 'function') return undefined;
    return this.#call('recall', () => inner.recall!(key));
  }

  /** Never called by the proxy: the hub belongs to whoever created it. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}
