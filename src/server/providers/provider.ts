/**
 * The provider interface: what the proxy needs of an identity vendor, so that okID, OOTO-AI and
 * uqudo sit behind the same routes, the same watches and the same element. A provider creates a
 * session (from the operator's `create` hook), reads its status as our snapshot (the vendor's own
 * word kept in `vendorStatus`), names the handoff (what the QR code holds: a URL a phone opens in
 * its browser, or text for the vendor's app), takes the vendor's callback as news (re-read, never
 * trusted as is) and cancels where the vendor can. Nothing vendor-specific crosses this file: the
 * vendors' rooms (`okid/`, `ooto/`, `uqudo/`) implement it, and `proxy.ts` wires it in.
 */
import type { CreatedVerification, StatusSnapshot } from '../../core/protocol.js';
import type { OkidProxyLogger } from '../common/log.js';

/** What the QR code holds: a URL a phone opens in its browser, or text for the vendor's own app. */
export type Handoff = 'url' | 'app';

/** The operator's `create` hook's answer, as every provider reads it. */
export interface ProviderCreateInput {
  /** Operator metadata (okID `extra_data`, OOTO `metadata`; uqudo has no such field). */
  extra_data?: Record<string, unknown>;
  /** Where the phone goes after the flow (okID `return_url`, OOTO `returnUrl`; not uqudo's app). */
  return_url?: string;
}

/** A new session, as the create route answers it. */
export interface ProviderSession extends CreatedVerification {
  handoff: Handoff;
}

/** A session's status as read from the vendor. */
export interface ProviderRead {
  snapshot: StatusSnapshot;
  /** Another id the vendor gives the same session (okID's `ver_` record of a v1 `tok_` token). */
  alias?: string;
  /**
   * True when `snapshot.updatedAt` is not the vendor's time of the status (the vendor sends none):
   * the proxy then orders snapshots by status and progress only, so a re-read is never news.
   */
  timeSynthesized?: boolean;
}

/** The part of the push hub a provider may use (every call has a deadline and may reject). */
export interface ProviderHub {
  publish(snapshot: StatusSnapshot): Promise<void>;
  subscribe(verificationId: string, listener: (snapshot: StatusSnapshot) => void): Promise<() => void>;
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
  /** Keeps a value across instances for `ttlMs` (a no-op on a hub that cannot keep values). */
  remember(key: string, value: string, ttlMs: number): Promise<void>;
  /** A value kept by {@link remember}, or `undefined`. */
  recall(key: string): Promise<string | undefined>;
  /** True when the hub keeps values across instances (the memory and Redis hubs do). */
  readonly keepsValues: boolean;
}

/** What the proxy gives a provider when it starts it. */
export interface ProviderRuntime {
  basePath: string;
  logger: OkidProxyLogger;
  /** The shared hub, guarded. */
  hub: ProviderHub;
  /** This instance's id in leases. */
  owner: string;
  pollIntervalMs: number;
  /**
   * Hands news (a snapshot the provider learned without being asked: a callback, a socket) to
   * the watches, the shared reads and the hub. Marks it time-synthesized when told.
   */
  news(read: ProviderRead): Promise<void>;
  /** Re-reads a session past the cache (one read in flight per id); `undefined` when nothing changed. */
  reread(verificationId: string): Promise<StatusSnapshot | undefined>;
}

/** Extra routes a provider serves below `basePath` (a vendor's callback). */
export interface ProviderRoute {
  /** Literal segments, and `*` for a segment handed to `handle` (raw, still percent-encoded). */
  segments: readonly string[];
  method: 'POST';
  /** Most bytes of the body. */
  maxBytes: number;
  handle(request: Request, params: readonly string[]): Promise<Response>;
}

/** One provider, started for one proxy. */
export interface ProviderInstance {
  /** A new session from the operator's hook's answer (already checked to be the input's shape). */
  create(input: ProviderCreateInput, signal: AbortSignal): Promise<ProviderSession>;
  /** The session's status now; throws an `OkidProxyError` the browser may see. */
  read(verificationId: string, signal: AbortSignal): Promise<ProviderRead>;
  /** Cancels the session at the vendor, where the vendor can; resolves to the final snapshot. */
  cancel?(verificationId: string, signal: AbortSignal): Promise<StatusSnapshot>;
  routes?: readonly ProviderRoute[];
  /** Stops sockets and timers (proxy shutdown). */
  close(): Promise<void>;
}

/** A vendor, configured: `ootoProvider({...})`, `uqudoProvider({...})`. Started once per proxy. */
export interface VerificationProvider {
  /** The vendor's name, for logs and errors: `'okid'`, `'ooto'`, `'uqudo'`. */
  readonly name: string;
  /** Values that must never reach a log line (the vendor's keys). */
  readonly secrets: readonly string[];
  start(runtime: ProviderRuntime): ProviderInstance;
}

/** The brand every provider carries, so `createOkidProxy` can tell one from a look-alike. */
export const PROVIDER_BRAND: unique symbol = Symbol.for('okid-verify.provider');

/** True for an object made by one of this package's provider factories. */
export const isProvider = (value: unknown): value is VerificationProvider =>
  typeof value === 'object' && value !== null && (value as { [PROVIDER_BRAND]?: unknown })[PROVIDER_BRAND] === true;
