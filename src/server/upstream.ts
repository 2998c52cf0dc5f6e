/**
 * The okID client used by the proxy: the only place that talks to okID and the only place the
 * API key is used. It adds `X-SDK-Key`, bounds every call with a timeout, validates bodies with
 * the protocol schemas and maps okID's answers to {@link OkidProxyError}s the browser may see.
 */
import { z } from 'zod/mini';
import {
  ProxyErrorCode,
  UpstreamErrorBodySchema,
  V1VerificationSchema,
  V2DetailsSchema,
  V2StatusSchema,
  VERIFICATION_ID_PATTERN,
} from '../core/protocol.js';
import type { V1Verification, V2Details } from '../core/protocol.js';
import { snapshotFromV2 } from '../core/normalize.js';
import { joinUrl } from '../core/verification-id.js';
import { ClientGoneError, OkidProxyError } from './errors.js';
import { readBodyCapped } from './read-body.js';

/**
 * Where the proxy reports what an operator must act on (a refused key, a failing okID, a hook
 * that threw). Lines never contain the API key.
 */
export interface OkidProxyLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Settings of {@link UpstreamClient}, already validated by `createOkidProxy`. */
export interface UpstreamClientOptions {
  apiKey: string;
  /** okID base URL without a trailing slash. */
  baseUrl: string;
  fetch: typeof fetch;
  /** Milliseconds one upstream call (headers and body) may take. */
  timeoutMs: number;
  logger: OkidProxyLogger;
}

/** Body sent to `POST /api/generate-verification`, decided by the operator's `create` hook. */
export interface GenerateVerificationBody {
  extra_data?: Record<string, unknown>;
  return_url?: string;
}

/** okID's answer to `POST /api/generate-verification` (the fields the proxy reads). */
const GeneratedVerificationSchema = z.looseObject({
  verificationId: z.string().check(z.regex(VERIFICATION_ID_PATTERN)),
  expiresAt: z.string(),
});
/** The fields of okID's generate answer the proxy uses. */
export type GeneratedVerification = z.infer<typeof GeneratedVerificationSchema>;

/**
 * JSON bodies from okID are small; a larger one is garbage (or hostile) and is refused before
 * it can fill memory.
 */
const MAX_JSON_BYTES = 1024 * 1024;

/** okID's rate limits are per minute: without a `Retry-After`, a browser waits this long. */
const DEFAULT_RETRY_AFTER_SECONDS = '60';

type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

/**
 * The okID v1 and v2client calls the proxy makes. Every method takes the browser request's
 * `AbortSignal`, so a browser that leaves cancels the upstream call too.
 */
export class UpstreamClient {
  readonly #options: UpstreamClientOptions;

  constructor(options: UpstreamClientOptions) {
    this.#options = options;
  }

  /** v2client `GET /api/get-verification-details/{id}`. */
  getV2Details(id: string, signal: AbortSignal): Promise<V2Details> {
    return this.#json('GET', `/api/get-verification-details/${encodeURIComponent(id)}`, undefined, V2DetailsSchema, signal);
  }

  /** v1 `GET /v1/verification/{id}`. */
  getV1Verification(id: string, signal: AbortSignal): Promise<V1Verification> {
    return this.#json('GET', `/v1/verification/${encodeURIComponent(id)}`, undefined, V1VerificationSchema, signal);
  }

  /** v2client `POST /api/generate-verification`. */
  generateVerification(body: GenerateVerificationBody, signal: AbortSignal): Promise<GeneratedVerification> {
    return this.#json('POST', '/api/generate-verification', body, GeneratedVerificationSchema, signal);
  }

  /**
   * v2client `GET /api/get-verification-qrcode/{id}`: the PNG response, body not yet read, so
   * the caller can stream it. The timeout keeps running while it streams: a QR code is a few
   * kilobytes and must not take longer than any other call.
   */
  async getQrCode(id: string, signal: AbortSignal): Promise<Response> {
    const path = `/api/get-verification-qrcode/${encodeURIComponent(id)}`;
    return this.#call('GET', path, undefined, signal, async (response) => {
      const type = response.headers.get('Content-Type') ?? '';
      if (!/^image\/png(;|$)/i.test(type.trim())) {
        await response.body?.cancel();
        throw this.#upstreamError(`okID answered GET ${path} with a non-PNG body.`);
      }
      return response;
    }, async (response) => {
      if (response.status !== 409) return undefined;
      // okID says which state the verification is in; pass on its normalized name only.
      const body = UpstreamErrorBodySchema.safeParse(await readJson(response).catch(() => undefined));
      const current = V2StatusSchema.safeParse(body.success ? body.data.current_status : undefined);
      const currentStatus = current.success
        ? snapshotFromV2({ verification_id: id, status: { current: current.data, updated_at: '' } }).status
        : undefined;
      return new OkidProxyError(
        409,
        ProxyErrorCode.QrUnavailable,
        'A QR code is only available before the verification has been opened.',
        currentStatus === undefined ? {} : { currentStatus },
      );
    });
  }

  async #json<T>(method: string, path: string, body: unknown, schema: Schema<T>, signal: AbortSignal): Promise<T> {
    return this.#call(method, path, body, signal, async (response) => {
      let data: unknown;
      try {
        data = await readJson(response);
      } catch (error) {
        if (error instanceof OkidProxyError || error instanceof ClientGoneError) throw error;
        // The abort reason surfaces here when the timeout fires mid-body; let #call classify it.
        if (isAbort(error)) throw error;
        throw this.#upstreamError(`okID answered ${method} ${path} with a body that is not JSON.`);
      }
      const parsed = schema.safeParse(data);
      if (!parsed.success) throw this.#upstreamError(`okID answered ${method} ${path} with an unexpected body.`);
      return parsed.data;
    });
  }

  /**
   * One upstream call: headers, timeout, status mapping. `onOk` reads a 2xx response;
   * `onError` may claim a non-2xx status before the generic mapping (the QR code's 409).
   */
  async #call<T>(
    method: string,
    path: string,
    body: unknown,
    clientSignal: AbortSignal,
    onOk: (response: Response) => Promise<T>,
    onError?: (response: Response) => Promise<OkidProxyError | undefined>,
  ): Promise<T> {
    const { apiKey, baseUrl, timeoutMs } = this.#options;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, clientSignal]);
    const headers: Record<string, string> = { Accept: 'application/json', 'X-SDK-Key': apiKey };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await this.#options.fetch(joinUrl(baseUrl, path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        // A redirect could carry the key to another host; okID's API does not redirect.
        redirect: 'manual',
      });
      if (response.ok) return await onOk(response);
      const claimed = await onError?.(response);
      await response.body?.cancel().catch(() => undefined);
      throw claimed ?? this.#mapStatus(response, method, path);
    } catch (error) {
      if (error instanceof OkidProxyError) throw error;
      if (timeout.aborted) {
        this.#options.logger.warn(`okid-verify: okID did not answer ${method} ${path} within ${timeoutMs} ms.`);
        throw new OkidProxyError(504, ProxyErrorCode.UpstreamTimeout, 'The verification service did not answer in time.');
      }
      if (clientSignal.aborted) throw new ClientGoneError('The client closed the request.');
      this.#options.logger.warn(`okid-verify: could not reach okID for ${method} ${path}: ${describe(error)}`);
      throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service could not be reached.', {
        cause: error,
      });
    }
  }

  #mapStatus(response: Response, method: string, path: string): OkidProxyError {
    const { status } = response;
    switch (status) {
      case 404:
        return new OkidProxyError(404, ProxyErrorCode.VerificationNotFound, 'Verification not found.');
      case 403:
        return new OkidProxyError(403, ProxyErrorCode.AccessDenied, 'Access to this verification is denied.');
      case 401:
        // The browser can do nothing about it; the operator must. Never log the key itself.
        this.#options.logger.warn(
          `okid-verify: okID refused the API key (401 on ${method} ${path}). Check the apiKey option of createOkidProxy.`,
        );
        return new OkidProxyError(502, ProxyErrorCode.UpstreamAuth, 'The verification service refused the server credentials.');
      case 429:
        return new OkidProxyError(503, ProxyErrorCode.RateLimited, 'Too many requests; retry later.', {
          retryAfter: safeRetryAfter(response.headers.get('Retry-After')),
        });
      default:
        this.#options.logger.warn(`okid-verify: okID answered ${status} to ${method} ${path}.`);
        return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
    }
  }

  #upstreamError(logMessage: string): OkidProxyError {
    this.#options.logger.warn(`okid-verify: ${logMessage}`);
    return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  }
}

/** Reads and parses a JSON body of at most {@link MAX_JSON_BYTES}. */
async function readJson(response: Response): Promise<unknown> {
  const bytes = await readBodyCapped(response, MAX_JSON_BYTES, () => new SyntaxError('body too large'));
  if (!bytes) throw new SyntaxError('no body');
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Passes on okID's `Retry-After` only when it is one of the two forms HTTP allows (seconds or
 * an HTTP date), so an upstream header can never inject arbitrary text into our response.
 */
function safeRetryAfter(value: string | null): string {
  const trimmed = value?.trim() ?? '';
  if (/^\d{1,6}$/.test(trimmed)) return trimmed;
  if (/^[A-Za-z0-9 ,:-]{1,40}$/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return trimmed;
  return DEFAULT_RETRY_AFTER_SECONDS;
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
};
