/**
 * One watch per verification per proxy instance, shared by every browser watching it: however
 * many event streams are open on one verification, the instance reads okID once when the first
 * one arrives and polls it once per interval while any remain, and stops on the last one.
 * Through the hub's lease, only one instance of a fleet polls a verification at a time; the
 * others hear its results (and the webhooks) through the hub.
 */
import type { StatusSnapshot } from '../core/protocol.js';
import { ClientGoneError, OkidProxyError } from './errors.js';
import type { OkidHub } from './hub.js';
import { isFinal, isNewer, versionOf } from './snapshot-version.js';
import type { SnapshotVersion } from './snapshot-version.js';
import type { OkidProxyLogger } from './upstream.js';
import type { SnapshotRead } from './routes.js';
import { unrefTimer } from './timers.js';
import type { TimerHandle } from './timers.js';

/**
 * Reads the current snapshot of a verification from okID, with the other id okID gives it, if
 * any (the `ver_…` record of a v1 `tok_…` token), under which its webhooks are published.
 */
export type SnapshotReader = (verificationId: string, signal: AbortSignal, options?: { reuse?: boolean }) => Promise<SnapshotRead>;

/** Settings of {@link StatusWatchers}. */
export interface StatusWatchersOptions {
  hub: OkidHub;
  read: SnapshotReader;
  /** Milliseconds between two polls of one verification. */
  pollIntervalMs: number;
  logger: OkidProxyLogger;
  /** Identifies this proxy instance in poll leases. */
  owner: string;
  /** Told of every snapshot a watch takes (the shared reads keep the newest for status GETs). */
  onSnapshot?: (snapshot: StatusSnapshot) => void;
}

/** What a subscriber is told. */
export interface WatchListener {
  /** A snapshot newer than any before it. */
  snapshot(snapshot: StatusSnapshot): void;
  /** The watch ended without a final state (okID now says 404/403, or the proxy closed). */
  end(): void;
}

/** One subscriber's handle on a watch. */
export interface WatchSubscription {
  /** Resolves with the first snapshot (or rejects with the okID error that prevented it). */
  ready: Promise<StatusSnapshot>;
  /** The newest snapshot known, once `ready` resolved. */
  latest(): StatusSnapshot | undefined;
  /** Ends this subscription; the last one to leave stops the watch. Idempotent. */
  close(): void;
}

/** Longest pause between polls after repeated upstream failures. */
const MAX_BACKOFF_MS = 30_000;

class Watch {
  readonly listeners = new Set<WatchListener>();
  latest: StatusSnapshot | undefined;
  version: SnapshotVersion | undefined;
  readonly ready: Promise<StatusSnapshot>;
  readonly #abort = new AbortController();
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The other id okID gives this verification, once heard under it too. */
  #alias: string | undefined;
  #unsubscribeAlias: (() => void) | undefined;
  #stopped = false;
  #failures = 0;

  constructor(
    readonly id: string,
    readonly options: StatusWatchersOptions,
    readonly onDispose: (watch: Watch) => void,
  ) {
    this.ready = this.#start();
    // Rejections are handled by each subscriber; this only keeps Node from reporting them twice.
    this.ready.catch(() => undefined);
  }

  async #start(): Promise<StatusSnapshot> {
    const { hub, read, logger } = this.options;
    try {
      // Subscribed before reading okID, so a change between the read and the subscription is
      // not lost.
      const unsubscribe = await hub.subscribe(this.id, (snapshot) => this.#fromHub(snapshot));
      if (this.#stopped) unsubscribe();
      else this.#unsubscribe = unsubscribe;
    } catch (error) {
      // Without the hub this instance still polls; browsers get updates, only later.
      logger.warn(`okid-verify: could not subscribe to the push hub: ${describe(error)}`);
    }
    const { snapshot, alias } = await read(this.id, this.#abort.signal);
    if (this.#stopped) throw new ClientGoneError('Every watcher left before okID answered.');
    // Before the first snapshot goes out, so a webhook under the other id that follows is heard.
    await this.#follow(alias);
    this.apply(snapshot);
    this.#schedule(this.options.pollIntervalMs);
    return this.latest!;
  }

  /** Takes a snapshot if it is newer; tells the listeners; true when it was taken. */
  apply(incoming: StatusSnapshot): boolean {
    if (this.#stopped) return false;
    // A webhook may leave out the expiry; the browser still needs it for its countdown.
    const snapshot = incoming.expiresAt === '' && this.latest ? { ...incoming, expiresAt: this.latest.expiresAt } : incoming;
    const version = versionOf(snapshot);
    if (!isNewer(version, this.version)) return false;
    this.latest = snapshot;
    this.version = version;
    this.options.onSnapshot?.(snapshot);
    if (isFinal(snapshot)) this.#cancelPoll();
    for (const listener of [...this.listeners]) listener.snapshot(snapshot);
    return true;
  }

  /**
   * Also listens under `alias`, the `ver_…` id okID's v1 webhooks give the record of this `tok_…`
   * token, and takes what is published there as this id's. Through the hub, so a webhook
   * received by any instance reaches this one.
   */
  async #follow(alias: string | undefined): Promise<void> {
    if (alias === undefined || alias === this.id || this.#alias !== undefined || this.#stopped) return;
    this.#alias = alias;
    try {
      const unsubscribe = await this.options.hub.subscribe(alias, (snapshot) => this.#fromHub({ ...snapshot, verificationId: this.id }));
      if (this.#stopped) unsubscribe();
      else this.#unsubscribeAlias = unsubscribe;
    } catch (error) {
      this.#alias = undefined;
      this.options.logger.warn(`okid-verify: could not subscribe to the push hub: ${describe(error)}`);
    }
  }

  #fromHub(snapshot: StatusSnapshot): void {
    // News from a webhook or another instance: the next poll can wait a full interval again,
    // so okID is only polled where no push came.
    if (this.apply(snapshot) && !isFinal(snapshot) && this.#timer) this.#schedule(this.options.pollIntervalMs);
  }

  #schedule(delayMs: number): void {
    this.#cancelPoll();
    if (this.#stopped || (this.latest && isFinal(this.latest))) return;
    // Open streams keep the process alive; a pending poll alone should not (where the runtime
    // can tell: Deno and workers return a number without `unref()`).
    this.#timer = unrefTimer(setTimeout(() => void this.#poll(), delayMs));
  }

  #cancelPoll(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    const { hub, read, logger, pollIntervalMs, owner } = this.options;
    this.#timer = undefined;
    let polled = false;
    try {
      const held = await hub.acquireLease(`poll:${this.id}`, owner, pollIntervalMs * 3).catch((error: unknown) => {
        // With the hub down, every instance polls for itself rather than nobody polling.
        logger.warn(`okid-verify: push hub lease failed, polling anyway: ${describe(error)}`);
        return true;
      });
      if (this.#stopped) return;
      if (held) {
        polled = true;
        // Joins a read in flight but never reuses an older answer: a poll is what finds news.
        const { snapshot, alias } = await read(this.id, this.#abort.signal, { reuse: false });
        await this.#follow(alias);
        if (this.apply(snapshot)) {
          await hub.publish(snapshot).catch((error: unknown) => logger.warn(`okid-verify: push hub publish failed: ${describe(error)}`));
        }
      }
      this.#failures = 0;
      this.#schedule(pollIntervalMs);
    } catch (error) {
      if (this.#stopped || error instanceof ClientGoneError) return;
      if (polled && error instanceof OkidProxyError && (error.status === 404 || error.status === 403)) {
        // The verification is gone or no longer ours: streams close, and a browser reconnecting
        // gets the error as an HTTP answer.
        this.stop(true);
        return;
      }
      this.#failures += 1;
      this.#schedule(Math.min(MAX_BACKOFF_MS, pollIntervalMs * 2 ** this.#failures));
    }
  }

  /** Stops polling, leaves the hub, gives the lease up; with `notify`, ends every listener. */
  stop(notify: boolean): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cancelPoll();
    this.#abort.abort();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unsubscribeAlias?.();
    this.#unsubscribeAlias = undefined;
    this.options.hub.releaseLease(`poll:${this.id}`, this.options.owner).catch(() => undefined);
    this.onDispose(this);
    const listeners = [...this.listeners];
    this.listeners.clear();
    if (notify) for (const listener of listeners) listener.end();
  }
}

/** The watches of one proxy instance, keyed by verification id. */
export class StatusWatchers {
  readonly #watches = new Map<string, Watch>();
  readonly #options: StatusWatchersOptions;

  constructor(options: StatusWatchersOptions) {
    this.#options = options;
  }

  /** Number of verifications watched right now (for tests and metrics). */
  get size(): number {
    return this.#watches.size;
  }

  /** The newest snapshot of a verification this instance watches, if it has one. */
  latest(verificationId: string): StatusSnapshot | undefined {
    return this.#watches.get(verificationId)?.latest;
  }

  /** Joins (or starts) the watch of `verificationId`. */
  subscribe(verificationId: string, listener: WatchListener): WatchSubscription {
    let watch = this.#watches.get(verificationId);
    if (!watch) {
      watch = new Watch(verificationId, this.#options, (disposed) => {
        if (this.#watches.get(verificationId) === disposed) this.#watches.delete(verificationId);
      });
      this.#watches.set(verificationId, watch);
      const started = watch;
      // A first read that failed must not be reused by the next browser: it tries afresh.
      started.ready.catch(() => started.stop(false));
    }
    const joined = watch;
    joined.listeners.add(listener);
    return {
      ready: joined.ready,
      latest: () => joined.latest,
      close: () => {
        if (!joined.listeners.delete(listener)) return;
        if (joined.listeners.size === 0) joined.stop(false);
      },
    };
  }

  /** Stops every watch and ends every subscriber (proxy shutdown). */
  close(): void {
    for (const watch of [...this.#watches.values()]) watch.stop(true);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
