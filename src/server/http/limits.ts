/**
 * The proxy's per-client limits: what one client (see `client-address.ts`) may cost the operator.
 * Windowed counters (creates, reads of unknown ids) live in the push hub when it can count
 * (`OkidHub.count`, which the Memory and Redis hubs implement), so with a Redis hub they hold
 * across instances; otherwise in this instance. Open event streams are counted here first, then
 * hold a place in the hub (`stream-slots.ts`) that expires unless renewed, so a crashed instance
 * never locks a client out for long. A hub that fails or is slow never blocks a request: the
 * instance counts locally meanwhile and says so in a rate-limited log line.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import type { OkidHub } from '../hub/hub.js';
import { OkidProxyError } from '../common/errors.js';
import type { RateLimitedLog } from '../common/log.js';
import { withDeadline } from '../hub/guarded-hub.js';
import { errorMessage } from '../../core/error-message.js';
import { StreamSlots } from './stream-slots.js';
import { LocalWindows, MAX_TRACKED_CLIENTS } from '../hub/local-windows.js';
import type { WindowCount } from '../hub/local-windows.js';

export { LocalWindows } from '../hub/local-windows.js';
export type { WindowCount } from '../hub/local-windows.js';

/**
 * `createOkidProxy`'s `limits`. Every count is per client (the socket address, or the client
 * found through `trustProxy`) unless it says otherwise; `Infinity` turns a limit off. Over a
 * limit the proxy answers 429 `{ error, code: 'RATE_LIMITED' }` with `Retry-After`.
 */
export interface OkidProxyLimits {
  /**
   * Event streams one client may hold open at once (on all instances together when the hub can
   * hold places, as the Memory and Redis hubs do; else on each instance). Default 20: a person has
   * one page per verification open, a few tabs at most; an office behind one NAT address rarely
   * watches twenty verifications at the same moment, and each stream costs the instance ~7 KB.
   */
  streamsPerClient?: number;
  /**
   * Event streams one instance holds open at once, all clients together. Default 10000 (about
   * 70 MB of stream state); past it, browsers poll the status route instead.
   */
  streamsPerInstance?: number;
  /**
   * Milliseconds after which an event stream ends with `retry:`, so the browser reconnects (its
   * `Last-Event-ID` means nothing is sent twice). Default 900000 (15 minutes): longer than a
   * verification usually takes, and it frees streams whose readers are gone without a FIN. The
   * end comes at the first heartbeat after this age.
   */
  streamLifetimeMs?: number;
  /**
   * `POST {basePath}/verifications` per client per window. Default 10: a person restarting a few
   * times is well within it, and one user cannot spend the key's okID generation quota (100 a
   * minute for every user of the site) alone.
   */
  createsPerClient?: number;
  /**
   * Reads of ids okID does not know (status, stream, QR code) per client per window, before the
   * client is refused without asking okID. Default 30: a browser only asks about ids it was
   * given, so a stream of unknown ids is someone guessing, with the operator's key.
   */
  unknownReadsPerClient?: number;
  /**
   * `GET {basePath}/verifications/{id}/qrcode.png` per client per window. Default 30: a page
   * shows one QR code per verification and the element draws its own, so more is someone
   * spending the operator's okID calls (the proxy also reuses okID's image for a minute).
   */
  qrCodesPerClient?: number;
  /** Length of the window of the per-client counts (creates, unknown ids, QR codes), in milliseconds. Default 60000. */
  windowMs?: number;
}

/** {@link OkidProxyLimits} with every default filled in. */
export type ResolvedLimits = Required<OkidProxyLimits>;

/** The defaults of {@link OkidProxyLimits}, justified there. */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = {
  streamsPerClient: 20,
  streamsPerInstance: 10_000,
  streamLifetimeMs: 15 * 60_000,
  createsPerClient: 10,
  unknownReadsPerClient: 30,
  qrCodesPerClient: 30,
  windowMs: 60_000,
};

/** Validates `limits` and fills defaults. Throws a `TypeError` naming the bad entry. */
export function resolveLimits(limits: OkidProxyLimits | undefined): ResolvedLimits {
  if (limits === undefined) return { ...DEFAULT_LIMITS };
  if (typeof limits !== 'object' || limits === null) throw new TypeError('createOkidProxy: limits must be an object.');
  const resolved = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const value = limits[name];
    if (value === undefined) continue;
    const positive = typeof value === 'number' && value > 0 && (value === Infinity || Number.isInteger(value));
    if (!positive || (name === 'windowMs' && value === Infinity))
      throw new TypeError(`createOkidProxy: limits.${name} must be a positive whole number${name === 'windowMs' ? '' : ' (or Infinity to turn it off)'}.`);
    resolved[name] = value;
  }
  const unknown = Object.keys(limits).filter((name) => !(name in DEFAULT_LIMITS));
  if (unknown.length > 0) throw new TypeError(`createOkidProxy: limits has no option ${unknown.map((name) => `"${name}"`).join(', ')}.`);
  return resolved;
}

/** One event stream's admission by {@link Limiter.openStream}. */
export interface StreamAdmission {
  /** Resolves once the stream is admitted on all instances; rejects with the 429 otherwise. */
  confirmed: Promise<void>;
  /** Gives the stream's places back, here and in the hub (once; safe to call again). */
  release(): void;
}

/** How long a failing hub is left alone before the limiter asks it again, in milliseconds. */
const HUB_RETRY_MS = 5_000;
/** Deadline of one hub count: a limit check must not hold a request up for long. */
const HUB_COUNT_DEADLINE_MS = 500;
/** `Retry-After` of a refused event stream, in seconds: streams free up as others end. */
const STREAM_RETRY_AFTER_SECONDS = 10;

/** What {@link Limiter} needs. */
export interface LimiterOptions {
  limits: ResolvedLimits;
  /** The operator's hub (not the guarded one: a failed count must not mark the push path down). */
  hub: OkidHub;
  log: RateLimitedLog;
  now?: () => number;
  /** Milliseconds a stream's place in the hub lives without renewal (tests shorten it). */
  streamSlotTtlMs?: number;
}

/** The 429 answer. */
export function rateLimited(message: string, retryAfterSeconds: number): OkidProxyError {
  return new OkidProxyError(429, ProxyErrorCode.RateLimited, message, {
    retryAfter: String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
}

/** Applies {@link OkidProxyLimits} to clients. A client `undefined` (unknown address) is only held to the per-instance limit. */
export class Limiter {
  readonly limits: ResolvedLimits;
  readonly #hub: OkidHub;
  readonly #log: RateLimitedLog;
  readonly #now: () => number;
  readonly #local: LocalWindows;
  /** Clients refused unknown-id reads until the time given. */
  readonly #blockedUnknown = new Map<string, number>();
  readonly #streams = new Map<string, number>();
  #openStreams = 0;
  #hubDownUntil = 0;
  readonly #slots: StreamSlots;

  constructor(options: LimiterOptions) {
    this.limits = options.limits;
    this.#hub = options.hub;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#local = new LocalWindows(this.#now);
    this.#slots = new StreamSlots({ hub: options.hub, log: options.log, now: this.#now, ttlMs: options.streamSlotTtlMs });
  }

  /** Event streams open right now on this instance (for tests and metrics). */
  get openStreams(): number {
    return this.#openStreams;
  }

  /** Counts one event of `kind` for `client` in the hub, or here when the hub cannot count. */
  async #count(kind: string, client: string): Promise<WindowCount> {
    const key = `limit:${kind}:${client}`;
    const { windowMs } = this.limits;
    const hub = this.#hub;
    if (typeof hub.count === 'function' && this.#now() >= this.#hubDownUntil) {
      try {
        return await withDeadline(Promise.resolve().then(() => hub.count!(key, windowMs)), HUB_COUNT_DEADLINE_MS, 'the push hub count');
      } catch (error) {
        this.#hubDownUntil = this.#now() + HUB_RETRY_MS;
        const why = errorMessage(error);
        this.#log.log('limits-hub', `okid-verify: the push hub could not count requests (${why}); this instance applies its limits alone meanwhile.`);
      }
    }
    return this.#local.count(key, windowMs);
  }

  /** Counts a create request; throws 429 past `createsPerClient` in the window. */
  takeCreate(client: string | undefined): Promise<void> {
    return this.#take('create', 'createsPerClient', client, 'Too many verifications created; try again later.');
  }

  /** Counts a QR code request; throws 429 past `qrCodesPerClient` in the window. */
  takeQrCode(client: string | undefined): Promise<void> {
    return this.#take('qrcode', 'qrCodesPerClient', client, 'Too many QR code requests; try again later.');
  }

  /** Counts one request of `kind` for `client`; throws 429 with `message` past `limits[limit]` in the window. */
  async #take(kind: string, limit: 'createsPerClient' | 'qrCodesPerClient', client: string | undefined, message: string): Promise<void> {
    const max = this.limits[limit];
    if (client === undefined || max === Infinity) return;
    const { count, resetMs } = await this.#count(kind, client);
    if (count > max) {
      this.#log.log(`limit-${kind}`, `okid-verify: refused a client over limits.${limit} (${max} per ${this.limits.windowMs} ms).`);
      throw rateLimited(message, resetMs / 1000);
    }
  }

  /** True while some client is refused unknown-id reads: until then the hot path need not know who asks. */
  get blocking(): boolean {
    return this.#blockedUnknown.size > 0;
  }

  /** 429 when `client` read too many unknown ids in its window; checked before asking okID. */
  checkUnknown(client: string | undefined): OkidProxyError | undefined {
    if (client === undefined) return undefined;
    const until = this.#blockedUnknown.get(client);
    if (until === undefined) return undefined;
    const left = until - this.#now();
    if (left <= 0) {
      this.#blockedUnknown.delete(client);
      return undefined;
    }
    this.#log.log('limit-unknown', `okid-verify: refused a client over limits.unknownReadsPerClient (${this.limits.unknownReadsPerClient} per ${this.limits.windowMs} ms).`);
    return rateLimited('Too many requests for unknown verifications; try again later.', left / 1000);
  }

  /** Counts a read okID answered "not found"; at the limit, the client's next reads are refused until its window ends. */
  async countUnknown(client: string | undefined): Promise<void> {
    const max = this.limits.unknownReadsPerClient;
    if (client === undefined || max === Infinity) return;
    const { count, resetMs } = await this.#count('unknown', client);
    if (count < max) return;
    if (this.#blockedUnknown.size >= MAX_TRACKED_CLIENTS) {
      const now = this.#now();
      for (const [key, until] of this.#blockedUnknown) if (until <= now) this.#blockedUnknown.delete(key);
      if (this.#blockedUnknown.size >= MAX_TRACKED_CLIENTS) this.#blockedUnknown.delete(this.#blockedUnknown.keys().next().value!);
    }
    this.#blockedUnknown.set(client, this.#now() + resetMs);
  }

  /**
   * Admits one event stream of `client`: throws 429 at once past this instance's counts of
   * `streamsPerClient` or `streamsPerInstance`; else `confirmed` rejects with the 429 when the
   * client's streams on all instances together (when the hub holds places) are at the limit.
   */
  openStream(client: string | undefined): StreamAdmission {
    const releaseHere = this.#openStreamHere(client);
    const max = this.limits.streamsPerClient;
    if (client === undefined || max === Infinity || !this.#slots.shared) return { confirmed: Promise.resolve(), release: releaseHere };
    let released = false;
    let releaseShared: (() => void) | undefined;
    const confirmed = this.#slots.take(client, max).then((give) => {
      if (!give) {
        releaseHere();
        throw this.#tooManyStreams(max);
      }
      if (released) give();
      else releaseShared = give;
    });
    const release = (): void => {
      if (released) return;
      released = true;
      releaseHere();
      releaseShared?.();
    };
    return { confirmed, release };
  }

  #tooManyStreams(max: number): OkidProxyError {
    this.#log.log('limit-streams-client', `okid-verify: refused an event stream of a client holding limits.streamsPerClient (${max}).`);
    return rateLimited('Too many open event streams from this client.', STREAM_RETRY_AFTER_SECONDS);
  }

  /** {@link openStream}'s count on this instance. */
  #openStreamHere(client: string | undefined): () => void {
    const { streamsPerClient, streamsPerInstance } = this.limits;
    if (this.#openStreams >= streamsPerInstance) {
      this.#log.log('limit-streams-instance', `okid-verify: refused an event stream: limits.streamsPerInstance (${streamsPerInstance}) are open; browsers poll meanwhile.`);
      throw rateLimited('Too many open event streams; poll the status instead.', STREAM_RETRY_AFTER_SECONDS);
    }
    const mine = client === undefined ? 0 : (this.#streams.get(client) ?? 0);
    if (client !== undefined && mine >= streamsPerClient) throw this.#tooManyStreams(streamsPerClient);
    this.#openStreams += 1;
    if (client !== undefined) this.#streams.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#openStreams -= 1;
      if (client === undefined) return;
      const left = (this.#streams.get(client) ?? 1) - 1;
      if (left > 0) this.#streams.set(client, left);
      else this.#streams.delete(client);
    };
  }
}
