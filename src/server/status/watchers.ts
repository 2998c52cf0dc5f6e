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
import type { StatusSnapshot } from '../../core/protocol.js';
import type { StatusWatchersOptions, WatchListener, WatchSubscription } from './watch-types.js';
import { Watch } from './watch.js';

export type { SnapshotReader, StatusWatchersOptions, WatchListener, WatchSubscription } from './watch-types.js';

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
