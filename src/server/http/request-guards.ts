/**
 * The abuse guards in front of the proxy's routes, in one place: who the client is, the
 * per-client limits, the create route's origin check and body caps, and the start-up warning
 * about a missing `authorize` hook. The routes call in at a few points; all the policy is here.
 */
import type { IncomingMessage } from 'node:http';
import { DEFAULT_BODY_TIMEOUT_MS, MAX_CREATE_BODY_BYTES, withBoundedBody } from './body.js';
import { createClientResolver, socketAddressOf } from './client-address.js';
import type { ClientResolver, TrustProxyOption } from './client-address.js';
import { OkidProxyError } from '../common/errors.js';
import type { OkidHub } from '../hub/hub.js';
import { RateLimitedLog } from '../common/log.js';
import { Limiter } from './limits.js';
import type { ResolvedLimits } from './limits.js';
import { checkOrigin, crossOriginRefused } from './origin-check.js';
import type { OkidProxyLogger } from '../common/log.js';

/** What {@link RequestGuards} needs from the resolved options. */
export interface GuardSettings {
  basePath: string;
  allowedOrigins: ReadonlySet<string>;
  trustProxy: TrustProxyOption | undefined;
  limits: ResolvedLimits;
  /** The operator's hub; its `count` (when it has one) holds the windowed counters. */
  hub: OkidHub;
  logger: OkidProxyLogger;
  /** Milliseconds a request body may take to arrive. */
  bodyTimeoutMs: number;
}

/** The guards of one proxy instance. */
export class RequestGuards {
  readonly limiter: Limiter;
  /** Refusals and limit hits: one line per kind per minute, with a count. */
  readonly log: RateLimitedLog;
  readonly #resolve: ClientResolver;
  readonly #settings: GuardSettings;
  #warnedUnknownClient = false;

  constructor(settings: GuardSettings) {
    this.#settings = settings;
    this.#resolve = createClientResolver(settings.trustProxy);
    this.log = new RateLimitedLog(settings.logger);
    this.limiter = new Limiter({ limits: settings.limits, hub: settings.hub, log: this.log });
  }

  /** The client of a Fetch request (`info`: what the runtime passed to `okid.fetch` besides it). */
  clientOf(request: Request, info?: unknown): string | undefined {
    return this.#known(this.#resolve(socketAddressOf(request, info), request.headers.get('X-Forwarded-For')));
  }

  /** The client of a Node request. */
  clientOfNode(req: IncomingMessage): string | undefined {
    const forwarded = req.headers['x-forwarded-for'];
    return this.#known(this.#resolve(req.socket?.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? null)));
  }

  #known(client: string | undefined): string | undefined {
    if (client === undefined && !this.#warnedUnknownClient) {
      this.#warnedUnknownClient = true;
      this.#settings.logger.warn(
        'okid-verify: okid.fetch could not tell which client sent a request, so per-client limits are off for such requests ' +
          '(the per-instance stream limit still holds). Pass okid.fetch(request, { clientAddress }), or set trustProxy when your platform sets X-Forwarded-For.',
      );
    }
    return client;
  }

  /**
   * Everything the create route checks before the operator's hook runs: the origin (403), the
   * client's create limit (429), then the body, read whole within 64 KiB (413) and the body
   * deadline (408). Returns the request to give the hook, its body already in memory.
   */
  async admitCreate(request: Request): Promise<Request> {
    this.admitOrigin(request);
    await this.limiter.takeCreate(this.clientOf(request));
    return this.bounded(request, MAX_CREATE_BODY_BYTES);
  }

  /** The create route's origin check (403), for every route that changes a session (cancel). */
  admitOrigin(request: Request): void {
    const refusal = checkOrigin(request, { allowedOrigins: this.#settings.allowedOrigins, trustForwardedProto: this.#settings.trustProxy !== undefined && this.#settings.trustProxy !== false });
    if (refusal) {
      // The origin itself is not logged: it is the caller's input.
      this.log.log(
        `origin-${refusal}`,
        `okid-verify: refused a ${refusal === 'no-origin' ? 'same-site request without Origin to' : 'cross-origin'} POST ${this.#settings.basePath}/verifications (this host: ${new URL(request.url).host}). ` +
          "If your page is served from another origin, or a reverse proxy rewrites the Host header or ends TLS, list the page's origin in allowedOrigins (or set trustProxy).",
      );
      throw crossOriginRefused();
    }
  }

  /** `request` with its body read within `maxBytes` and the body deadline (413, 408). */
  async bounded(request: Request, maxBytes: number): Promise<Request> {
    try {
      return await withBoundedBody(request, maxBytes, this.#settings.bodyTimeoutMs);
    } catch (error) {
      if (error instanceof OkidProxyError && (error.status === 413 || error.status === 408))
        this.log.log(`body-${error.status}`, `okid-verify: refused a request body (${error.status === 413 ? 'over the size cap' : 'too slow to arrive'}).`);
      throw error;
    }
  }
}

export { DEFAULT_BODY_TIMEOUT_MS };
