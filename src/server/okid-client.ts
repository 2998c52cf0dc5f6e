/**
 * `createOkidClient()`: the typed okID API client, for the operator's own server and behind the
 * proxy. The one place in the package that talks to okID's keyed API and the one place the key
 * is used. Every call is bounded by a timeout, every answer checked with a zod schema, every
 * failure an {@link OkidApiError}.
 *
 * @module
 */
import { z } from 'zod/mini';
import {
  GenerateTokenInputSchema,
  GenerateVerificationInputSchema,
  GeneratedTokenSchema,
  GeneratedVerificationSchema,
  V1VerificationSchema,
  V2DetailsSchema,
} from '../core/protocol.js';
import type {
  GenerateTokenInput,
  GenerateVerificationInput,
  GeneratedToken,
  GeneratedVerification,
  V1Verification,
  V2Details,
} from '../core/protocol.js';
import { isVerificationId, joinUrl } from '../core/verification-id.js';
import { OkidApiError, OkidApiErrorCode, errorFromAnswer } from './okid-client-errors.js';
import type { CallKind } from './okid-client-errors.js';
import { readBodyCapped } from './read-body.js';

/** Options of {@link createOkidClient}. */
export interface OkidClientOptions {
  /** okID API key, sent as `X-SDK-Key`; never logged, never in an error. */
  apiKey: string;
  /** okID base URL, e.g. `https://verify.prod.okid.io` (http only for tests and the sandbox). */
  baseUrl: string;
  /** A Fetch API implementation; default the global `fetch` (Node ≥ 20). */
  fetch?: typeof fetch;
  /** Milliseconds one attempt (headers and body) may take; default 10 000. */
  timeoutMs?: number;
  /**
   * How many times a read is retried after a network failure, a 429 or a 5xx; default 2, 0 turns
   * retries off. Generation is only retried when the connection was refused (okID got nothing).
   */
  retries?: number;
  /** First backoff step in milliseconds (full jitter, doubling); default 250. */
  retryBaseDelayMs?: number;
  /**
   * Longest wait before a retry, in milliseconds; default 10 000. A `Retry-After` asking for more
   * is not waited for: the call fails with `RATE_LIMITED` and that `retryAfter` at once.
   */
  maxRetryDelayMs?: number;
}

/** Per-call options. */
export interface OkidRequestOptions {
  /** Cancels the call (and any wait before a retry); the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Which accepted image: the document's front or back, or the liveness selfie. */
export type OkidImageSide = 'front' | 'back' | 'selfie';
/** okID's `image_type`: the upload as taken, or okID's crop (front and back only). */
export type OkidImageType = 'original' | 'cropped';

/** Options of {@link OkidClient.getImage}. */
export interface OkidImageOptions extends OkidRequestOptions {
  /** Front and back only; without it okID returns its default processed image. */
  imageType?: OkidImageType;
}

/** An image fetched from okID. */
export interface OkidImage {
  /** A copy of its own (not a view into a pooled buffer), usable as a `Blob` or `Response` body. */
  bytes: Uint8Array<ArrayBuffer>;
  /** As okID sent it, e.g. `image/jpeg`. */
  contentType: string;
}

/**
 * The okID API, typed. Every method returns a promise that rejects (never throws) with an
 * {@link OkidApiError}, or with the signal's reason when the caller aborted.
 */
export interface OkidClient {
  /** The base URL calls go to, without a trailing slash. */
  readonly baseUrl: string;
  /** v2client `POST /api/generate-verification`. Never retried once okID may have received it. */
  generateVerification(input?: GenerateVerificationInput, options?: OkidRequestOptions): Promise<GeneratedVerification>;
  /** v2client `GET /api/get-verification-details/{id}`: status, progress, results, extra data. */
  getVerificationDetails(id: string, options?: OkidRequestOptions): Promise<V2Details>;
  /** v2client `GET /api/get-verification-qrcode/{id}`: PNG bytes, only while `generated`. */
  getQrCode(id: string, options?: OkidRequestOptions): Promise<Uint8Array<ArrayBuffer>>;
  /** v2client `GET /api/get-verification-image-{side}/{id}`: the accepted image. */
  getImage(id: string, side: OkidImageSide, options?: OkidImageOptions): Promise<OkidImage>;
  /** v1 `POST /v1/verification/generate`: a process token. Never retried once okID may have received it. */
  generateToken(input?: GenerateTokenInput, options?: OkidRequestOptions): Promise<GeneratedToken>;
  /** v1 `GET /v1/verification/{id}`. */
  getVerification(id: string, options?: OkidRequestOptions): Promise<V1Verification>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_BASE_DELAY_MS = 250;
const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;
/** okID's JSON answers are small; a larger one is garbage (or hostile) and refused. */
const MAX_JSON_BYTES = 1024 * 1024;
/** A 400×400 QR PNG is a few kilobytes. */
const MAX_QR_BYTES = 1024 * 1024;
/** Document photos: the sandbox accepts 10 MB uploads; leave room for okID's originals. */
const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
/** Error bodies are read only to classify them. */
const MAX_ERROR_BYTES = 16 * 1024;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const PNG_TYPE = /^image\/png(;|$)/i;
const IMAGE_SIDES: ReadonlySet<string> = new Set(['front', 'back', 'selfie']);
/** Connection errors that prove no byte of the request reached okID. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

type Parser<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

interface Call<T> extends CallKind {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  accept: string;
  /**
   * Reads a 2xx answer. `fail` builds a `BAD_RESPONSE`; `handOff` passes the attempt's timeout and
   * body to the caller, who must call the returned `release` once the body ended or was dropped.
   */
  read: (response: Response, fail: (message: string) => OkidApiError, handOff: () => () => void) => Promise<T>;
}

function option(name: string, value: unknown, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw new TypeError(`createOkidClient: ${name} must be a number of at least ${min}.`);
  }
  return n;
}

/**
 * Creates an okID API client. Throws a `TypeError` for bad options (the message never contains
 * the key).
 *
 * ```ts
 * const okid = createOkidClient({ apiKey: process.env.OKID_API_KEY!, baseUrl: 'https://verify.prod.okid.io' });
 * const { verificationId } = await okid.generateVerification({ extra_data: { user_id: 'u_42' } });
 * ```
 */
export function createOkidClient(options: OkidClientOptions): OkidClient {
  return createClientCore(options).client;
}

/** What the proxy needs beyond the public client: the QR PNG as a stream. Package-internal. */
export interface OkidClientCore {
  client: OkidClient;
  /**
   * `GET /api/get-verification-qrcode/{id}` as a `200 image/png` response whose body streams as
   * okID sends it; the timeout keeps running until the body ended, failed or was canceled.
   */
  streamQrCode(id: string, options?: OkidRequestOptions): Promise<Response>;
}

/** {@link createOkidClient} and the package-internal extras, over one set of options. */
export function createClientCore(options: OkidClientOptions): OkidClientCore {
  const { apiKey } = options;
  if (typeof apiKey !== 'string' || apiKey.trim() === '' || apiKey.trim() !== apiKey) {
    throw new TypeError('createOkidClient: apiKey must be a non-empty string without surrounding spaces.');
  }
  const baseUrl = typeof options.baseUrl === 'string' ? options.baseUrl.replace(/\/+$/, '') : '';
  if (!z.url({ protocol: /^https?$/ }).safeParse(baseUrl).success) {
    throw new TypeError('createOkidClient: baseUrl must be an http(s) URL.');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createOkidClient: fetch must be a function.');
  const timeoutMs = option('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1);
  const retries = Math.floor(option('retries', options.retries, DEFAULT_RETRIES, 0));
  const baseDelay = option('retryBaseDelayMs', options.retryBaseDelayMs, DEFAULT_RETRY_BASE_DELAY_MS, 0);
  const maxDelay = option('maxRetryDelayMs', options.maxRetryDelayMs, DEFAULT_MAX_RETRY_DELAY_MS, 0);

  /** One attempt: a fresh timeout covering headers and body, cleared on every exit. */
  async function attempt<T>(call: Call<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = callerSignal ? AbortSignal.any([timeout.signal, callerSignal]) : timeout.signal;
    const headers: Record<string, string> = { Accept: call.accept, 'X-SDK-Key': apiKey };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response | undefined;
    let handedOff = false;
    const release = () => clearTimeout(timer);
    const handOff = () => {
      handedOff = true;
      return release;
    };
    try {
      response = await fetchImpl(joinUrl(baseUrl, call.path), {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        // A redirect could carry the key to another host; okID's API does not redirect.
        redirect: 'manual',
      });
      if (response.ok) {
        const okResponse = response;
        return await call.read(okResponse, (message) =>
          new OkidApiError(OkidApiErrorCode.BadResponse, `okID answered ${call.request} with ${message}.`, {
            status: okResponse.status,
            request: call.request,
          }),
          handOff,
        );
      }
      let body: unknown;
      try {
        const bytes = await readBodyCapped(response, MAX_ERROR_BYTES, () => new SyntaxError('too large'));
        body = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
      } catch (error) {
        if (signal.aborted) throw error;
        body = undefined; // an unreadable error body still has its status
      }
      throw errorFromAnswer(response.status, response.headers, body, call, apiKey);
    } catch (error) {
      if (error instanceof OkidApiError) throw error;
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.signal.aborted) {
        throw new OkidApiError(OkidApiErrorCode.Timeout, `okID did not answer ${call.request} within ${timeoutMs} ms.`, {
          status: 0,
          request: call.request,
        });
      }
      if (response) {
        throw new OkidApiError(OkidApiErrorCode.BadResponse, `okID's answer to ${call.request} could not be read.`, {
          status: response.status,
          request: call.request,
          cause: error,
        });
      }
      const network = new OkidApiError(OkidApiErrorCode.Network, `Could not reach okID for ${call.request}${describe(error)}.`, {
        status: 0,
        request: call.request,
        cause: error,
      });
      if (NOT_SENT_CODES.has(errorCode(error))) NOT_SENT.add(network);
      throw network;
    } finally {
      if (!handedOff) {
        release();
        if (response?.bodyUsed === false) await response.body?.cancel().catch(() => undefined);
      }
    }
  }

  /** How long to wait before retrying after `error`, or undefined to give up. */
  function retryDelay(error: OkidApiError, call: Call<unknown>, attemptIndex: number): number | undefined {
    if (attemptIndex >= retries) return undefined;
    const reachedOkid = !(error.code === OkidApiErrorCode.Network && NOT_SENT.has(error));
    // Generation is not idempotent: once okID may have received it, a retry could create two.
    if (call.method !== 'GET' && reachedOkid) return undefined;
    const retryable =
      error.code === OkidApiErrorCode.Network ||
      error.code === OkidApiErrorCode.RateLimited ||
      (error.code === OkidApiErrorCode.ServerError && [500, 502, 503, 504].includes(error.status));
    if (!retryable) return undefined;
    if (error.retryAfter !== undefined) {
      const ms = error.retryAfter * 1000;
      return ms <= maxDelay ? ms : undefined;
    }
    // Full jitter: many servers retrying after one outage spread out instead of arriving together.
    return Math.random() * Math.min(maxDelay, baseDelay * 2 ** attemptIndex);
  }

  async function run<T>(call: Call<T>, signal: AbortSignal | undefined): Promise<T> {
    for (let index = 0; ; index++) {
      signal?.throwIfAborted();
      try {
        return await attempt(call, signal);
      } catch (error) {
        if (!(error instanceof OkidApiError)) throw error;
        const delay = retryDelay(error, call as Call<unknown>, index);
        if (delay === undefined) throw error;
        await wait(delay, signal);
      }
    }
  }

  const json = <T>(method: 'GET' | 'POST', path: string, route: CallKind['route'], schema: Parser<T>, body?: unknown): Call<T> => ({
    method,
    path,
    route,
    body,
    request: `${method} ${path}`,
    accept: 'application/json',
    read: async (response, fail) => {
      let data: unknown;
      try {
        const bytes = await readBodyCapped(response, MAX_JSON_BYTES, () => fail(`a body over ${MAX_JSON_BYTES} bytes`));
        data = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
      } catch (error) {
        if (error instanceof OkidApiError) throw error;
        if (error instanceof SyntaxError) throw fail('a body that is not JSON');
        throw error;
      }
      const parsed = schema.safeParse(data);
      if (!parsed.success) throw fail('a body of an unexpected shape');
      return parsed.data;
    },
  });

  const bytes = (path: string, route: 'qrcode' | 'image', accept: RegExp, max: number): Call<OkidImage> => ({
    method: 'GET',
    path,
    route,
    request: `GET ${path}`,
    accept: route === 'qrcode' ? 'image/png' : 'image/*',
    read: async (response, fail) => {
      const contentType = (response.headers.get('Content-Type') ?? '').trim();
      if (!accept.test(contentType)) throw fail(`a ${contentType || 'untyped'} body instead of an image`);
      const data = await readBodyCapped(response, max, () => fail(`an image over ${max} bytes`));
      if (!data || data.byteLength === 0) throw fail('an empty image');
      if (route === 'qrcode' && !PNG_MAGIC.every((b, i) => data[i] === b)) throw fail('a body that is not a PNG');
      return { bytes: new Uint8Array(data), contentType };
    },
  });

  const qrPath = (id: unknown) => `/api/get-verification-qrcode/${checkId(id)}`;
  const client: OkidClient = {
    baseUrl,
    async generateVerification(input = {}, options = {}) {
      const body = checkInput(GenerateVerificationInputSchema, input, 'generateVerification');
      return run(json('POST', '/api/generate-verification', 'generate', GeneratedVerificationSchema, body), options.signal);
    },
    async getVerificationDetails(id, options = {}) {
      const path = `/api/get-verification-details/${checkId(id)}`;
      return run(json('GET', path, 'details', V2DetailsSchema), options.signal);
    },
    async getQrCode(id, options = {}) {
      return (await run(bytes(qrPath(id), 'qrcode', PNG_TYPE, MAX_QR_BYTES), options.signal)).bytes;
    },
    async getImage(id, side, options = {}) {
      if (!IMAGE_SIDES.has(side)) throw invalid('side must be front, back or selfie.');
      const { imageType } = options;
      if (imageType !== undefined && imageType !== 'original' && imageType !== 'cropped') {
        throw invalid('imageType must be original or cropped.');
      }
      const query = imageType === undefined ? '' : `?image_type=${imageType}`;
      const path = `/api/get-verification-image-${side}/${checkId(id)}${query}`;
      return run(bytes(path, 'image', /^image\/[a-z0-9.+-]+(;|$)/i, MAX_IMAGE_BYTES), options.signal);
    },
    async generateToken(input = {}, options = {}) {
      const body = checkInput(GenerateTokenInputSchema, input, 'generateToken');
      return run(json('POST', '/v1/verification/generate', 'generate', GeneratedTokenSchema, body), options.signal);
    },
    async getVerification(id, options = {}) {
      return run(json('GET', `/v1/verification/${checkId(id)}`, 'details', V1VerificationSchema), options.signal);
    },
  };

  const streamQrCode = async (id: string, options: OkidRequestOptions = {}): Promise<Response> => {
    const path = qrPath(id);
    return run<Response>(
      {
        method: 'GET',
        path,
        route: 'qrcode',
        request: `GET ${path}`,
        accept: 'image/png',
        read: async (response, fail, handOff) => {
          if (!PNG_TYPE.test((response.headers.get('Content-Type') ?? '').trim())) throw fail('a body that is not a PNG');
          if (!response.body) throw fail('an empty image');
          return new Response(cappedStream(response.body, MAX_QR_BYTES, handOff(), () => fail(`an image over ${MAX_QR_BYTES} bytes`)), {
            status: 200,
            headers: { 'Content-Type': 'image/png' },
          });
        },
      },
      options.signal,
    );
  };

  return { client, streamQrCode };
}

/**
 * Passes `source` on chunk by chunk, erroring once it passes `max` bytes; `release` runs exactly
 * when the stream ends, fails or its reader cancels it.
 */
function cappedStream(source: ReadableStream<Uint8Array>, max: number, release: () => void, tooLarge: () => Error): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
          return;
        }
        size += value.byteLength;
        if (size > max) {
          release();
          await reader.cancel().catch(() => undefined);
          controller.error(tooLarge());
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}

/** Errors that prove the request never left: kept aside, so the error's public shape stays small. */
const NOT_SENT = new WeakSet<OkidApiError>();

const invalid = (message: string): OkidApiError =>
  new OkidApiError(OkidApiErrorCode.InvalidArgument, message, { status: 0 });

/** A valid id, URL-encoded (a no-op for valid ids; kept so no id can ever alter the path). */
function checkId(id: unknown): string {
  if (!isVerificationId(id)) throw invalid('Invalid verification id: expected ver_… or tok_… followed by 4 to 128 letters, digits, "_" or "-".');
  return encodeURIComponent(id);
}

function checkInput<T>(schema: Parser<T>, input: unknown, method: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid(`${method}: invalid input (see the documented fields and their types).`);
  return parsed.data;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts; the timer never outlives it. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** undici hides `ECONNREFUSED` and friends in `cause` (an `AggregateError` when several addresses failed). */
function errorCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; errors?: unknown[] } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  const codes = (cause?.errors ?? []).map((e) => (e as { code?: unknown }).code);
  return codes.length > 0 && codes.every((c) => c === codes[0]) && typeof codes[0] === 'string' ? codes[0] : '';
}

const describe = (error: unknown): string => {
  const code = errorCode(error);
  return code === '' ? '' : ` (${code})`;
};
