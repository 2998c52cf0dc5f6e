/**
 * One watch per verification per proxy instance, shared by every browser watching it: however
 * many event streams are open on one verification, the instance reads okID once when the first
 * one arrives and polls it once per interval while any remain, and stops on the last one.
 * Through the hub's lease, only one instance of a fleet polls a verification at a time; the
 * others hear its results (and the webhooks) through the hub. When the hub fails or hangs, each
 * instance polls okID itself for what its own streams watch, and goes back to the shared path
 * when the hub answers again: the snapshot ordering keeps every browser from seeing a duplicate
 * or a step back while both paths deliver.
 */
import type { StatusSnapshot } from '../core/protocol.js';
import { ClientGoneError, OkidProxyError } from './errors.js';
import { HUB_DEADLINE_MS } from './hub-guard.js';
import type { GuardedHub } from './hub-guard.js';
import { isFinal, isNewer, versionOf } from './snapshot-version.js';
import type { SnapshotVersion } from './snapshot-version.js';
import type { OkidProxyLogger } from './upstream.js';
import type { SnapshotRead } from './shared-reads.js';
import { unrefTimer } from './timers.js';
import type { TimerHandle } from './timers.js';

/**
 * Reads the current snapshot of a verification from okID, with the other id okID gives it, if
 * any (the `ver_…` record of a v1 `tok_…` token), under which its webhooks are published.
 */
export type SnapshotReader = (verificationId: string, signal: AbortSignal, options?: { reuse?: boolean }) => Promise<SnapshotRead>;

/** Settings of {@link StatusWatchers}. */
export interface StatusWatchersOptions {
  /** The hub, with a deadline on every call (see `hub-guard.ts`). */
  hub: GuardedHub;
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
  /**
   * True while news can still reach this subscriber: the hub answers and carries this
   * verification, or okID answered a poll recently. A stream whose watch is not alive is ended
   * (with `retry:`) rather than kept open on heartbeats that hide that nothing can arrive.
   */
  alive(): boolean;
  /** Ends this subscription; the last one to leave stops the watch. Idempotent. */
  close(): void;
}

/** Longest wait okID can ask for with a 429's `Retry-After` before the next poll. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * How long a new watch waits for its hub subscription before reading okID anyway, so a new
 * stream gets its first snapshot within a second whatever the hub does. Subscribed in time, no
 * change between the read and the subscription can be missed; subscribed later, the watch polls
 * at once to cover that gap.
 */
const SUBSCRIBE_HEAD_START_MS = 250;

/** How long a poll waits for the hub's lease answer before reading okID anyway. */
const leasePatienceMs = (pollIntervalMs: number): number => Math.min(HUB_DEADLINE_MS, Math.max(250, pollIntervalMs / 4));

/** Resolves like `promise`, or with `fallback` after `ms` if it has not settled by then. */
function firstOf<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = unrefTimer(setTimeout(() => resolve(fallback), ms));
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

class Watch {
  readonly listeners = new Set<WatchListener>();
  latest: StatusSnapshot | undefined;
  version: SnapshotVersion | undefined;
  readonly ready: Promise<StatusSnapshot>;
  readonly #abort = new AbortController();
  #timer: TimerHandle | undefined;
  /** The hub subscription under this id, once active. */
  #unsubscribe: (() => void) | undefined;
  #subscribing = false;
  /** The other id okID gives this verification, once heard under it too. */
  #alias: string | undefined;
  #unsubscribeAlias: (() => void) | undefined;
  #subscribingAlias = false;
  #stopped = false;
  #polling = false;
  /** When this watch last had a sign that news can reach it: okID or the hub answered. */
  #lastAliveAt = Date.now();

  constructor(
    readonly id: string,
    readonly options: StatusWatchersOptions,
    readonly onDispose: (watch: Watch) => void,
  ) {
    this.ready = this.#start();
    // Rejections are handled by each subscriber; this only keeps Node from reporting them twice.
    this.ready.catch(() => undefined);
  }

  /** True while the hub answers and carries this verification (and its alias, if any). */
  get #onSharedPath(): boolean {
    return this.options.hub.healthy && this.#unsubscribe !== undefined && (this.#alias === undefined || this.#unsubscribeAlias !== undefined);
  }

  /**
   * See {@link WatchSubscription.alive}. Every poll either hears the hub (its lease call) or reads
   * okID, so a watch that heard neither for three intervals (plus a hub deadline) has lost both.
   */
  alive(): boolean {
    if (this.#stopped) return false;
    if (this.latest && isFinal(this.latest)) return true;
    return Date.now() - this.#lastAliveAt <= 3 * this.options.pollIntervalMs + HUB_DEADLINE_MS;
  }

  #heard(): void {
    this.#lastAliveAt = Date.now();
  }

  async #start(): Promise<StatusSnapshot> {
    const subscribed = this.#subscribe();
    // A short head start: subscribed before reading okID, a change between the read and the
    // subscription cannot be lost. A hub that is slower than that does not hold the browser up.
    let inTime = false;
    await Promise.race([
      subscribed.then(() => {
        inTime = true;
      }),
      new Promise<void>((resolve) => unrefTimer(setTimeout(resolve, SUBSCRIBE_HEAD_START_MS))),
    ]);
    const { snapshot, alias } = await this.options.read(this.id, this.#abort.signal);
    if (this.#stopped) throw new ClientGoneError('Every watcher left before okID answered.');
    this.#heard();
    // Before the first snapshot goes out, so a webhook under the other id that follows is heard
    // (given the same head start).
    await Promise.race([this.#follow(alias), new Promise<void>((resolve) => unrefTimer(setTimeout(resolve, SUBSCRIBE_HEAD_START_MS)))]);
    this.apply(snapshot);
    this.#schedule(this.options.pollIntervalMs);
    if (!inTime) {
      // Subscribed late (or not at all): what was published before it is read from okID.
      void subscribed.then(() => {
        if (this.#unsubscribe) this.#schedule(0);
      });
    }
    return this.latest!;
  }

  /** Subscribes to the hub under this id; never rejects (the watch polls without it). */
  async #subscribe(): Promise<void> {
    if (this.#unsubscribe || this.#subscribing || this.#stopped) return;
    this.#subscribing = true;
    try {
      const unsubscribe = await this.options.hub.subscribe(this.id, (snapshot) => this.#fromHub(snapshot));
      if (this.#stopped) unsubscribe();
      else this.#unsubscribe = unsubscribe;
    } catch {
      // Logged by the hub guard; the watch polls okID itself until the hub answers.
    } finally {
      this.#subscribing = false;
    }
  }

  /** The hub answers again: take up the subscriptions that failed while it did not. */
  recover(): void {
    if (this.#stopped) return;
    const missing = !this.#unsubscribe || (this.#alias !== undefined && !this.#unsubscribeAlias);
    void this.#subscribe();
    if (this.#alias !== undefined) void this.#subscribeAlias(this.#alias);
    // What was published while the subscription was missing is read from okID, once; spread
    // over a second, so a thousand watches started during an outage do not all ask at once.
    if (missing && !this.#polling) this.#schedule(Math.random() * Math.min(1000, this.options.pollIntervalMs));
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
    await this.#subscribeAlias(alias);
  }

  async #subscribeAlias(alias: string): Promise<void> {
    if (this.#unsubscribeAlias || this.#subscribingAlias || this.#stopped) return;
    this.#subscribingAlias = true;
    try {
      const unsubscribe = await this.options.hub.subscribe(alias, (snapshot) => this.#fromHub({ ...snapshot, verificationId: this.id }));
      if (this.#stopped) unsubscribe();
      else this.#unsubscribeAlias = unsubscribe;
    } catch {
      // Logged by the hub guard; retried when the hub answers again.
    } finally {
      this.#subscribingAlias = false;
    }
  }

  /** A snapshot published under this id or its alias, through the hub (or delivered locally). */
  fromHub(snapshot: StatusSnapshot): void {
    this.#fromHub(snapshot);
  }

  #fromHub(snapshot: StatusSnapshot): void {
    this.#heard();
    // News from a webhook or another instance: the next poll can wait a full interval again,
    // so okID is only polled where no push came.
    if (this.apply(snapshot) && !isFinal(snapshot) && this.#timer) this.#schedule(this.options.pollIntervalMs);
  }

  /** True when this watch also answers to `alias`. */
  answersTo(alias: string): boolean {
    return this.#alias === alias;
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
    const { hub, read, pollIntervalMs, owner } = this.options;
    this.#timer = undefined;
    this.#polling = true;
    let polled = false;
    try {
      // A subscription lost while the hub failed is taken up again as soon as it answers.
      if (hub.healthy && !this.#unsubscribe) void this.#subscribe();
      let held: boolean;
      const lease = hub.acquireLease(`poll:${this.id}`, owner, pollIntervalMs * 3);
      if (this.#onSharedPath) {
        // With the hub down (the call fails, or does not answer within a short patience, far
        // longer than a healthy hub takes), every instance polls for itself rather than nobody
        // polling, and the verification's news is not held up by the hub's full deadline.
        held = await firstOf(
          lease.then(
            (answer) => (this.#heard(), answer),
            () => true,
          ),
          leasePatienceMs(pollIntervalMs),
          true,
        );
      } else {
        // Off the shared path, this instance hears nobody else's polls: it reads okID itself,
        // now, and the lease only tells whether the hub answers again.
        lease.then(
          () => this.#heard(),
          () => undefined,
        );
        held = true;
      }
      if (this.#stopped) return;
      if (held) {
        polled = true;
        // Joins a read in flight but never reuses an older answer: a poll is what finds news.
        const { snapshot, alias } = await read(this.id, this.#abort.signal, { reuse: false });
        this.#heard();
        await this.#follow(alias);
        // Not awaited: a hub that hangs must not delay the next poll. Failures are logged by the guard.
        if (this.apply(snapshot)) hub.publish(snapshot).catch(() => undefined);
      }
      this.#schedule(pollIntervalMs);
    } catch (error) {
      if (this.#stopped || error instanceof ClientGoneError) return;
      if (polled && error instanceof OkidProxyError && (error.status === 404 || error.status === 403)) {
        // The verification is gone or no longer ours: streams close, and a browser reconnecting
        // gets the error as an HTTP answer.
        this.stop(true);
        return;
      }
      // The same pace as when okID answers: one read per verification per interval is the promise
      // either way, and it is what lets a desktop see the result within two intervals of okID
      // being back. Only okID's own Retry-After (a 429) slows it down.
      this.#schedule(Math.max(pollIntervalMs, Math.min(MAX_RETRY_AFTER_MS, retryAfterMs(error) ?? 0)));
    } finally {
      this.#polling = false;
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
  readonly #stopRecovering: () => void;

  constructor(options: StatusWatchersOptions) {
    this.#options = options;
    this.#stopRecovering = options.hub.onRecover(() => {
      for (const watch of this.#watches.values()) watch.recover();
    });
  }

  /** Number of verifications watched right now (for tests and metrics). */
  get size(): number {
    return this.#watches.size;
  }

  /** The newest snapshot of a verification this instance watches, if it has one. */
  latest(verificationId: string): StatusSnapshot | undefined {
    return this.#watches.get(verificationId)?.latest;
  }

  /**
   * Gives a snapshot straight to this instance's watch of that verification (or of the `tok_…`
   * token whose record it names), without the hub: a webhook that could not go through the hub
   * still reaches the browsers held here.
   */
  deliver(snapshot: StatusSnapshot): void {
    const id = snapshot.verificationId;
    this.#watches.get(id)?.fromHub(snapshot);
    for (const watch of this.#watches.values()) if (watch.answersTo(id)) watch.fromHub({ ...snapshot, verificationId: watch.id });
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
      alive: () => joined.alive(),
      close: () => {
        if (!joined.listeners.delete(listener)) return;
        if (joined.listeners.size === 0) joined.stop(false);
      },
    };
  }

  /** Stops every watch and ends every subscriber (proxy shutdown). */
  close(): void {
    this.#stopRecovering();
    for (const watch of [...this.#watches.values()]) watch.stop(true);
  }
}

/** okID's `Retry-After` of a refused read (seconds, as the proxy passes it on), in milliseconds. */
function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof OkidProxyError) || error.retryAfter === undefined) return undefined;
  const seconds = Number(error.retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
