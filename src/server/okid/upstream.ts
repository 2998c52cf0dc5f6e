/**
 * The proxy's view of okID: the calls it makes, through {@link createOkidClient} (the one place
 * that talks to okID and uses the API key), with each {@link OkidApiError} mapped to the
 * {@link OkidProxyError} a browser may see and a log line for what the operator must act on.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import type { GeneratedVerification } from '../../core/protocol.js';
import { snapshotFromV2 } from '../../core/normalize.js';
import { ClientGoneError, OkidProxyError } from '../common/errors.js';
import { createClientCore } from './client.js';
import type { OkidClientCore } from './client.js';
import { OkidApiError, OkidApiErrorCode } from './api-error.js';
import type { OkidProxyLogger } from '../common/log.js';
import { apiVersionFor } from './api-version.js';
import type { ApiVersionOf } from './api-version.js';

/** Settings of {@link UpstreamClient}, already validated by `createOkidProxy`. */
export interface UpstreamClientOptions {
  apiKey: string;
  /** okID v2 base URL without a trailing slash. */
  baseUrl: string;
  /** okID v1 base URL without a trailing slash. */
  v1BaseUrl: string;
  fetch: typeof fetch;
  /** Milliseconds one upstream call (headers and body) may take. */
  timeoutMs: number;
  logger: OkidProxyLogger;
  /**
   * The proxy's poll interval: what a browser is told to wait (`Retry-After`) when okID refuses
   * with 429 but says no usable time. Status reads are shared, so polling on at this pace costs
   * okID no more; a minute's wait would hold a desktop back long after okID is fine again.
   */
  pollIntervalMs?: number;
  /** Which API reads an id that is not `tok_…` (see `api-version.ts`); default v2. */
  apiVersionOf?: ApiVersionOf | undefined;
}

/** Body sent to `POST /api/generate-verification`, decided by the operator's `create` hook. */
export interface GenerateVerificationBody {
  extra_data?: Record<string, unknown>;
  return_url?: string;
}

/** The fields of okID's generate answer the proxy uses. */
export type { GeneratedVerification };

/**
 * The okID v1 and v2client calls the proxy makes. Every method takes the browser request's
 * `AbortSignal`, so a browser that leaves cancels the upstream call too.
 */
export class UpstreamClient {
  readonly #core: OkidClientCore;
  readonly #logger: OkidProxyLogger;
  readonly #timeoutMs: number;
  readonly #defaultRetryAfter: string;
  readonly #apiVersionOf: ApiVersionOf | undefined;

  constructor(options: UpstreamClientOptions) {
    // No retries here: the poller and the browsers already retry on their own schedules, and a
    // browser request must get its answer (or its error) within `timeoutMs`.
    const { apiKey, baseUrl, v1BaseUrl, fetch, timeoutMs } = options;
    this.#core = createClientCore({ apiKey, baseUrl, v1BaseUrl, fetch, timeoutMs, retries: 0 });
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#defaultRetryAfter = String(Math.max(1, Math.ceil((options.pollIntervalMs ?? 2000) / 1000)));
    this.#apiVersionOf = options.apiVersionOf;
  }

  /** The okID API that reads `id`: v1 for `tok_…`, else the `apiVersionOf` option's answer (default v2). */
  apiOf(id: string): 'v1' | 'v2' {
    return apiVersionFor(id, this.#apiVersionOf, this.#logger);
  }

  /** v2client details as okID sent them (text), for `answers.ts`. */
  readV2Text(id: string, signal: AbortSignal): Promise<string> {
    return this.#map(() => this.#core.readV2Text(id, { signal }), signal);
  }

  /** The v1 record as okID sent it (text), for `answers.ts`. */
  readV1Text(id: string, signal: AbortSignal): Promise<string> {
    return this.#map(() => this.#core.readV1Text(id, { signal }), signal);
  }

  /** v2client `POST /api/generate-verification`. */
  generateVerification(body: GenerateVerificationBody, signal: AbortSignal): Promise<GeneratedVerification> {
    return this.#map(() => this.#core.client.generateVerification(body, { signal }), signal);
  }

  /** v2client `GET /api/get-verification-qrcode/{id}`: the PNG's bytes (a few kilobytes, capped). */
  async getQrCode(id: string, signal: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
    // Copied into a buffer of its own: it is kept for a minute and sent as a response body.
    return new Uint8Array(await this.#map(() => this.#core.client.getQrCode(id, { signal }), signal));
  }

  async #map<T>(call: () => Promise<T>, clientSignal: AbortSignal): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#toProxyError(error, clientSignal);
    }
  }

  /** An okID failure as the browser may see it; logs what the operator must know (never the key). */
  #toProxyError(error: unknown, clientSignal: AbortSignal): Error {
    if (clientSignal.aborted) return new ClientGoneError('The client closed the request.');
    if (!(error instanceof OkidApiError)) return new OkidProxyError(500, ProxyErrorCode.InternalError, 'Internal error.', { cause: error });
    const upstreamError = () =>
      new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
    switch (error.code) {
      case OkidApiErrorCode.Timeout:
        this.#logger.warn(`okid-verify: okID did not answer ${error.request} within ${this.#timeoutMs} ms.`);
        return new OkidProxyError(504, ProxyErrorCode.UpstreamTimeout, 'The verification service did not answer in time.');
      case OkidApiErrorCode.Network:
        this.#logger.warn(`okid-verify: could not reach okID: ${error.message}`);
        return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service could not be reached.', {
          cause: error,
        });
      case OkidApiErrorCode.InvalidArgument:
        // Routes check ids before calling; reaching this is a bug of ours, not the browser's.
        return new OkidProxyError(500, ProxyErrorCode.InternalError, 'Internal error.', { cause: error });
      case OkidApiErrorCode.QrUnavailable: {
        // okID says which state the verification is in; pass on its normalized name only.
        const currentStatus =
          error.currentStatus === undefined
            ? undefined
            : snapshotFromV2({ verification_id: 'ver_unknown', status: { current: error.currentStatus, updated_at: '' } }).status;
        return new OkidProxyError(
          409,
          ProxyErrorCode.QrUnavailable,
          'A QR code is only available before the verification has been opened.',
          currentStatus === undefined ? {} : { currentStatus },
        );
      }
      default:
        break;
    }
    switch (error.status) {
      case 404:
        return new OkidProxyError(404, ProxyErrorCode.VerificationNotFound, 'Verification not found.');
      case 403:
        return new OkidProxyError(403, ProxyErrorCode.AccessDenied, 'Access to this verification is denied.');
      case 401:
        // The browser can do nothing about it; the operator must. Never log the key itself.
        this.#logger.warn(
          `okid-verify: okID refused the API key (401 on ${error.request}). Check the apiKey option of createOkidProxy.`,
        );
        return new OkidProxyError(502, ProxyErrorCode.UpstreamAuth, 'The verification service refused the server credentials.');
      case 429:
        return new OkidProxyError(503, ProxyErrorCode.RateLimited, 'Too many requests; retry later.', {
          retryAfter: error.retryAfter === undefined ? this.#defaultRetryAfter : String(error.retryAfter),
        });
      default:
        this.#logger.warn(`okid-verify: ${error.code} on ${error.request}: ${error.message}`);
        return upstreamError();
    }
  }
}
