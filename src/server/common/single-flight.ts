/**
 * One okID read per key at a time, however it is asked: callers asking for the same key while a
 * read is in flight share it (single flight), its answer is reused for a while, and an unknown
 * id's 404 (or another answer worth remembering) is reused briefly too, so a flood of requests
 * does not become a flood of okID calls. The status reads (`status/shared-reads.ts`) and the QR
 * code reads (`http/routes.ts`) are two of these.
 */
import { ClientGoneError, OkidProxyError } from './errors.js';

/** Settings of {@link SingleFlight}. */
export interface SingleFlightOptions<T> {
  /** Reads one key from okID. */
  read: (key: string, signal: AbortSignal) => Promise<T>;
  /** Milliseconds an answer is reused. Default {@link DEFAULT_FRESH_MS}. */
  freshMs?: number;
  /** Milliseconds a remembered error (a 404) is reused. Default {@link DEFAULT_NOT_FOUND_MS}. */
  notFoundMs?: number;
  /** Which errors are remembered for `notFoundMs`. Default: a 404. */
  remember?: (error: OkidProxyError) => boolean;
  /** Milliseconds an answered key counts as known ({@link SingleFlight.known}). Default 60000. */
  knownMs?: number;
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

interface Remembered<T> {
  until: number;
  read?: T;
  error?: OkidProxyError;
}

interface InFlight<T> {
  promise: Promise<T>;
  abort: AbortController;
  /** Callers still waiting; the last one to leave aborts the read. */
  waiting: number;
}

/** Shared okID reads of one kind, on one proxy instance. */
export class SingleFlight<T> {
  readonly #read: (key: string, signal: AbortSignal) => Promise<T>;
  readonly #freshMs: number;
  readonly #notFoundMs: number;
  readonly #knownMs: number;
  readonly #remember: (error: OkidProxyError) => boolean;
  readonly #maxEntries: number;
  readonly #inFlight = new Map<string, InFlight<T>>();
  // One map per lifetime: within each, insertion order is expiry order, so expired entries are
  // swept from the front.
  readonly #answers = new Map<string, Remembered<T>>();
  readonly #notFound = new Map<string, Remembered<T>>();
  readonly #known = new Map<string, Remembered<T>>();
  /** okID reads started (for tests and the benchmarks). */
  upstreamReads = 0;

  constructor(options: SingleFlightOptions<T>) {
    this.#read = options.read;
    this.#freshMs = options.freshMs ?? DEFAULT_FRESH_MS;
    this.#notFoundMs = options.notFoundMs ?? DEFAULT_NOT_FOUND_MS;
    this.#knownMs = options.knownMs ?? 60_000;
    this.#remember = options.remember ?? ((error) => error.status === 404);
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * True when okID answered about `key` within `knownMs`: such a key is no guess, so a client
   * past its unknown-id limit is still served it.
   */
  known(key: string): boolean {
    return (this.#known.get(key)?.until ?? 0) > Date.now();
  }

  /**
   * The verification as okID last said, at most `freshMs` old: from memory, from the read in
   * flight, or from a new read. `reuse: false` skips the remembered answer (a poll that must
   * see okID's current state still joins a read in flight). Rejects with
   * {@link ClientGoneError} when `signal` aborts; the shared read goes on for the others.
   */
  read(verificationId: string, signal: AbortSignal, { reuse = true }: { reuse?: boolean } = {}): Promise<T> {
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
    return new Promise<T>((resolve, reject) => {
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
  peek(verificationId: string): T | OkidProxyError | undefined {
    const remembered = this.#remembered(verificationId, Date.now());
    return remembered?.read ?? remembered?.error;
  }

  /**
   * Replaces a remembered answer that is still fresh with what `update` makes of it (its expiry
   * stays); `update` returns `undefined` to keep it.
   */
  replace(key: string, update: (current: T) => T | undefined): void {
    const entry = this.#answers.get(key);
    if (entry?.read === undefined || entry.until <= Date.now()) return;
    const next = update(entry.read);
    if (next !== undefined) entry.read = next;
  }

  /** Forgets everything (proxy shutdown); reads in flight are aborted. */
  clear(): void {
    for (const flight of this.#inFlight.values()) flight.abort.abort();
    this.#inFlight.clear();
    this.#answers.clear();
    this.#notFound.clear();
    this.#known.clear();
  }

  #remembered(verificationId: string, now: number): Remembered<T> | undefined {
    const answer = this.#answers.get(verificationId) ?? this.#notFound.get(verificationId);
    if (answer && answer.until > now) return answer;
    return undefined;
  }

  #start(verificationId: string): InFlight<T> {
    const abort = new AbortController();
    this.upstreamReads += 1;
    const flight: InFlight<T> = { abort, waiting: 0, promise: this.#read(verificationId, abort.signal) };
    this.#inFlight.set(verificationId, flight);
    flight.promise.then(
      (read) => {
        if (this.#inFlight.get(verificationId) === flight) this.#inFlight.delete(verificationId);
        this.#store(this.#answers, verificationId, { until: Date.now() + this.#freshMs, read });
        this.#store(this.#known, verificationId, { until: Date.now() + this.#knownMs });
        this.#notFound.delete(verificationId);
      },
      (error: unknown) => {
        if (this.#inFlight.get(verificationId) === flight) this.#inFlight.delete(verificationId);
        if (error instanceof OkidProxyError && this.#remember(error)) {
          this.#answers.delete(verificationId);
          this.#store(this.#notFound, verificationId, { until: Date.now() + this.#notFoundMs, error });
        }
      },
    );
    return flight;
  }

  #store(map: Map<string, Remembered<T>>, verificationId: string, entry: Remembered<T>): void {
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
