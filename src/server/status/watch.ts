/**
 * The watch of one verification on one proxy instance (see `watchers.ts` for the whole picture):
 * its first read, its hub subscriptions (under its id and okID's other id for it), the polls
 * under the hub's lease, and the listeners it tells of each newer snapshot.
 */
import type { StatusSnapshot } from '../../core/protocol.js';
import { ClientGoneError, OkidProxyError } from '../common/errors.js';
import { HUB_DEADLINE_MS } from '../hub/guarded-hub.js';
import { isFinal, isNewer, versionOf } from './snapshot-version.js';
import type { SnapshotVersion } from './snapshot-version.js';
import { firstOf, headStart, leasePatienceMs, pollDelayAfterError } from './poll-timing.js';
import type { StatusWatchersOptions, WatchListener } from './watch-types.js';
import { unrefTimer } from '../common/timers.js';
import type { TimerHandle } from '../common/timers.js';

export class Watch {
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
      headStart(),
    ]);
    const { snapshot, alias } = await this.options.read(this.id, this.#abort.signal);
    if (this.#stopped) throw new ClientGoneError('Every watcher left before okID answered.');
    this.#heard();
    // Before the first snapshot goes out, so a webhook under the other id that follows is heard
    // (given the same head start).
    await Promise.race([this.#follow(alias), headStart()]);
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

  /** Asks the hub whether this instance polls now; true when it should read okID itself. */
  async #takeLease(): Promise<boolean> {
    const { hub, pollIntervalMs, owner } = this.options;
    const lease = hub.acquireLease(`poll:${this.id}`, owner, pollIntervalMs * 3);
    if (this.#onSharedPath) {
      // With the hub down (the call fails, or does not answer within a short patience, far
      // longer than a healthy hub takes), every instance polls for itself rather than nobody
      // polling, and the verification's news is not held up by the hub's full deadline.
      return firstOf(
        lease.then(
          (answer) => (this.#heard(), answer),
          () => true,
        ),
        leasePatienceMs(pollIntervalMs),
        true,
      );
    }
    // Off the shared path, this instance hears nobody else's polls: it reads okID itself, now,
    // and the lease only tells whether the hub answers again.
    lease.then(
      () => this.#heard(),
      () => undefined,
    );
    return true;
  }

  async #poll(): Promise<void> {
    const { hub, read, pollIntervalMs } = this.options;
    this.#timer = undefined;
    this.#polling = true;
    let polled = false;
    try {
      // A subscription lost while the hub failed is taken up again as soon as it answers.
      if (hub.healthy && !this.#unsubscribe) void this.#subscribe();
      const held = await this.#takeLease();
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
      // The same pace as when okID answers; only okID's own Retry-After slows it down.
      this.#schedule(pollDelayAfterError(error, pollIntervalMs));
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
