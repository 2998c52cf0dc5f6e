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
import { isVerificationId, joinUrl } from '../core/verification-id.js';
import { OkidApiError, OkidApiErrorCode, errorFromAnswer } from './okid-client-errors.js';
import type { CallKind } from './okid-client-errors.js';
import { cappedStream, describeFetchError, errorCode, wait } from './okid-client-io.js';
import type { OkidClient, OkidClientOptions, OkidImage, OkidRequestOptions } from './okid-client-types.js';
import { readBodyCapped } from './read-body.js';

export type {
  OkidClient,
  OkidClientOptions,
  OkidImage,
  OkidImageOptions,
  OkidImageSide,
  OkidImageType,
  OkidRequestOptions,
} from './okid-client-types.js';

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

/** Longest delay a timer takes: past it Node fires after 1 ms, which would turn a long timeout into none. */
const MAX_TIMER_MS = 2_147_483_647;

function option(name: string, value: unknown, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > MAX_TIMER_MS) {
    throw new TypeError(`createOkidClient: ${name} must be a number from ${min} to ${MAX_TIMER_MS} (milliseconds for times).`);
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
  // Printable ASCII only: anything else cannot travel in a header, and fetch's own error would
  // not say which option was wrong.
  if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new TypeError('createOkidClient: apiKey must be a non-empty string of printable characters, without spaces.');
  }
  const baseUrl = typeof options.baseUrl === 'string' ? options.baseUrl.replace(/\/+$/, '') : '';
  if (!z.url({ protocol: /^https?$/ }).safeParse(baseUrl).success || /[?#]/.test(baseUrl)) {
    throw new TypeError('createOkidClient: baseUrl must be an http(s) URL without a query or fragment.');
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
      const network = new OkidApiError(OkidApiErrorCode.Network, `Could not reach okID for ${call.request}${describeFetchError(error)}.`, {
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
