/**
 * One okID read per verification at a time, however it is asked. Status GETs, event streams
 * and the pollers behind them all read through {@link SharedReads}: callers asking for the same
 * id while a read is in flight share it (single flight), and its answer is reused for a short
 * while (about a second), so a thousand browsers polling one id cost about one okID read a
 * second instead of a thousand. An unknown id's 404 is remembered briefly too, so a flood of
 * guesses does not become a flood of okID calls.
 */
import { ClientGoneError, OkidProxyError } from '../common/errors.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { isNewer, versionOf } from './snapshot-version.js';
import type { SnapshotRead } from '../okid/read-snapshot.js';

export type { SnapshotRead };

/** Reads one verification from okID. */
export type UpstreamSnapshotReader = (verificationId: string, signal: AbortSignal) => Promise<SnapshotRead>;

/** Settings of {@link SharedReads}. */
export interface SharedReadsOptions {
  read: UpstreamSnapshotReader;
  /** Milliseconds an answer is reused. Default {@link DEFAULT_FRESH_MS}. */
  freshMs?: number;
  /** Milliseconds a 404 is reused. Default {@link DEFAULT_NOT_FOUND_MS}. */
  notFoundMs?: number;
  /**
   * Most ids remembered at once; past it the oldest are forgotten first, so ids made up by a
   * client cannot grow memory without bound. Default 10000.
   */
  maxEntries?: number;
}

/** Default reuse of an answer: short enough that a status GET is never noticeably behind. */
export const DEFAULT_FRESH_MS = 1000;
/** Default reuse of a 404. */
export const DEFAULT_NOT_FOUND_MS = 2000;

interface Remembered {
  until: number;
  read?: SnapshotRead;
  error?: OkidProxyError;
}

interface InFlight {
  promise: Promise<SnapshotRead>;
  abort: AbortController;
  /** Callers still waiting; the last one to leave aborts the read. */
  waiting: number;
}

/** Shared okID reads of one proxy instance. */
export class SharedReads {
  readonly #read: UpstreamSnapshotReader;
  readonly #freshMs: number;
  readonly #notFoundMs: number;
  readonly #maxEntries: number;
  readonly #inFlight = new Map<string, InFlight>();
  // Two maps, one per lifetime: within each, insertion order is expiry order, so expired
  // entries are swept from the front.
  readonly #answers = new Map<string, Remembered>();
  readonly #notFound = new Map<string, Remembered>();
  /** okID reads started (for tests and the benchmarks). */
  upstreamReads = 0;

  constructor(options: SharedReadsOptions) {
    this.#read = options.read;
    this.#freshMs = options.freshMs ?? DEFAULT_FRESH_MS;
    this.#notFoundMs = options.notFoundMs ?? DEFAULT_NOT_FOUND_MS;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * The verification as okID last said, at most `freshMs` old: from memory, from the read in
   * flight, or from a new read. `reuse: false` skips the remembered answer (a poll that must
   * see okID's current state still joins a read in flight). Rejects with
   * {@link ClientGoneError} when `signal` aborts; the shared read goes on for the others.
   */
  read(verificationId: string, signal: AbortSignal, { reuse = true }: { reuse?: boolean } = {}): Promise<SnapshotRead> {
    const now = Date.now();
    if (reuse) {
      const remembered = this.#remembered(verificationId, now);
      if (remembered?.read) return Promise.resolve(remembered.read);
      if (remembered?.error) return Promise.reject(remembered.error);
    }
    if (signal.aborted) return Promise.reject(new ClientGoneError('The client closed the request.'));
    let flight = this.#inFlight.get(verificationId);
    if (!flight) flight = this.#start(verificationId);
    const joined = flight;
    joined.waiting += 1;
    return new Promise<SnapshotRead>((resolve, reject) => {
      let settled = false;
      const leave = (): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        joined.waiting -= 1;
      };
      const onAbort = (): void => {
        leave();
        // Nobody is left to use the answer: stop asking okID.
        if (joined.waiting === 0 && this.#inFlight.get(verificationId) === joined) {
          this.#inFlight.delete(verificationId);
          joined.abort.abort();
        }
        reject(new ClientGoneError('The client closed the request.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (settled) return;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          leave();
          reject(error);
        },
      );
    });
  }

  /** The remembered answer, without reading okID: a snapshot, a remembered 404, or `undefined`. */
  peek(verificationId: string): SnapshotRead | OkidProxyError | undefined {
    const remembered = this.#remembered(verificationId, Date.now());
    return remembered?.read ?? remembered?.error;
  }

  /**
   * Offers a snapshot learned elsewhere (a webhook, another instance, a poll): when it is newer
   * than the remembered answer, it replaces it (the expiry and the alias stay), so a status GET
   * never contradicts what a stream just sent.
   */
  offer(verificationId: string, snapshot: StatusSnapshot): void {
    const entry = this.#answers.get(verificationId);
    if (!entry?.read || entry.until <= Date.now()) return;
    if (!isNewer(versionOf(snapshot), versionOf(entry.read.snapshot))) return;
    entry.read = entry.read.alias === undefined ? { snapshot } : { snapshot, alias: entry.read.alias };
  }

  /** Forgets everything (proxy shutdown); reads in flight are aborted. */
  clear(): void {
    for (const flight of this.#inFlight.values()) flight.abort.abort();
    this.#inFlight.clear();
    this.#answers.clear();
    this.#notFound.clear();
  }

  #remembered(verificationId: string, now: number): Remembered | undefined {
    const answer = this.#answers.get(verificationId) ?? this.#notFound.get(verificationId);
    if (answer && answer.until > now) return answer;
    return undefined;
  }

  #start(verificationId: string): InFlight {
    const abort = new AbortController();
    this.upstreamReads += 1;
    const flight: InFlight = { abort, waiting: 0, promise: this.#read(verificationId, abort.signal) };
    this.#inFlight.set(verificationId, flight);
    flight.promise.then(
      (read) => {
        if (this.#inFlight.get(verificationId) === flight) this.#inFlight.delete(verificationId);
        this.#store(this.#answers, verificationId, { until: Date.now() + this.#freshMs, read });
        this.#notFound.delete(verificationId);
      },
      (error: unknown) => {
        if (this.#inFlight.get(verificationId) === flight) this.#inFlight.delete(verificationId);
        if (error instanceof OkidProxyError && error.status === 404) {
          this.#answers.delete(verificationId);
          this.#store(this.#notFound, verificationId, { until: Date.now() + this.#notFoundMs, error });
        }
      },
    );
    return flight;
  }

  #store(map: Map<string, Remembered>, verificationId: string, entry: Remembered): void {
    // Re-inserted at the back, so the map stays in expiry order.
    map.delete(verificationId);
    map.set(verificationId, entry);
    const now = Date.now();
    for (const [key, value] of map) {
      if (value.until > now && map.size <= this.#maxEntries) break;
      map.delete(key);
    }
  }
}
