/**
 * How the okID client sends a call: its checked settings, one attempt under a fresh timeout
 * (the key added here and nowhere else), and the retry policy around attempts. Every failure
 * leaves as an {@link OkidApiError}.
 *
 * @module
 */
import { z } from 'zod/mini';
import { joinUrl } from '../../core/verification-id.js';
import { OkidApiError, OkidApiErrorCode, errorFromAnswer } from './api-error.js';
import { describeFetchError, errorCode, wait } from './io.js';
import type { Call } from './calls.js';
import type { OkidClientOptions } from './types.js';
import { readBodyCapped } from '../common/read-body.js';
import { refuseUnknownOptions } from '../../core/option-names.js';

/** okID v2client's production host (the v2 documents). */
export const DEFAULT_BASE_URL = 'https://verify.prod.okid.io';
/** okID v1's API host (the v1 document's `apiUrl`). */
export const DEFAULT_V1_BASE_URL = 'https://api1.okid.io';
/** Every option name of `createOkidClient`; any other is refused at creation. */
export const CLIENT_OPTION_NAMES = ['apiKey', 'baseUrl', 'v1BaseUrl', 'fetch', 'timeoutMs', 'retries', 'retryBaseDelayMs', 'maxRetryDelayMs'] as const;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_BASE_DELAY_MS = 250;
const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;
/** Error bodies are read only to classify them. */
const MAX_ERROR_BYTES = 16 * 1024;
/** Connection errors that prove no byte of the request reached okID. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Longest delay a timer takes: past it Node fires after 1 ms, which would turn a long timeout into none. */
const MAX_TIMER_MS = 2_147_483_647;

/** Same-origin redirects followed in a row before giving up. */
const MAX_REDIRECTS = 5;

/**
 * Where a redirect answer points, or `undefined` when `response` is not one to follow: 307 and
 * 308 for any call (the body is sent again), 301, 302 and 303 only for a GET (a POST must not
 * turn into a GET, nor be sent twice). A redirect without a usable `Location` is not followed.
 */
function redirectTarget(response: Response, from: URL, call: Call<unknown>): URL | undefined {
  const followable = response.status === 307 || response.status === 308 || (call.method === 'GET' && [301, 302, 303].includes(response.status));
  const location = followable ? response.headers.get('Location') : null;
  if (location === null) return undefined;
  try {
    const target = new URL(location, from);
    return target.protocol === 'http:' || target.protocol === 'https:' ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Errors that prove the request never left: kept aside, so the error's public shape stays small. */
const NOT_SENT = new WeakSet<OkidApiError>();

/** The client's options, checked once, with their defaults. */
export interface Transport {
  apiKey: string;
  /** v2 calls go here. */
  baseUrl: string;
  /** v1 calls (`/v1/…`) go here. */
  v1BaseUrl: string;
  fetchImpl: typeof fetch;
  timeoutMs: number;
  retries: number;
  baseDelay: number;
  maxDelay: number;
}

function option(name: string, value: unknown, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > MAX_TIMER_MS) {
    throw new TypeError(`createOkidClient: ${name} must be a number from ${min} to ${MAX_TIMER_MS} (milliseconds for times).`);
  }
  return n;
}

/** Checks the options; throws a `TypeError` whose message never contains the key. */
export function createTransport(options: OkidClientOptions): Transport {
  const { apiKey } = options;
  // Printable ASCII only: anything else cannot travel in a header, and fetch's own error would
  // not say which option was wrong.
  if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new TypeError('createOkidClient: apiKey must be a non-empty string of printable characters, without spaces.');
  }
  if (typeof options === 'object' && options !== null) refuseUnknownOptions('createOkidClient', options, CLIENT_OPTION_NAMES);
  const baseUrl = checkBaseUrl('baseUrl', options.baseUrl ?? DEFAULT_BASE_URL);
  const v1BaseUrl = checkBaseUrl('v1BaseUrl', options.v1BaseUrl ?? DEFAULT_V1_BASE_URL);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createOkidClient: fetch must be a function.');
  return {
    apiKey,
    baseUrl,
    v1BaseUrl,
    fetchImpl,
    timeoutMs: option('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1),
    retries: Math.floor(option('retries', options.retries, DEFAULT_RETRIES, 0)),
    baseDelay: option('retryBaseDelayMs', options.retryBaseDelayMs, DEFAULT_RETRY_BASE_DELAY_MS, 0),
    maxDelay: option('maxRetryDelayMs', options.maxRetryDelayMs, DEFAULT_MAX_RETRY_DELAY_MS, 0),
  };
}

function checkBaseUrl(name: string, value: unknown): string {
  const url = typeof value === 'string' ? value.replace(/\/+$/, '') : '';
  if (!z.url({ protocol: /^https?$/ }).safeParse(url).success || /[?#]/.test(url)) {
    throw new TypeError(`createOkidClient: ${name} must be an http(s) URL without a query or fragment.`);
  }
  return url;
}

/** The host a call goes to: v1 paths (`/v1/…`) to `v1BaseUrl`, the rest to `baseUrl`. */
export const baseUrlOf = (t: Transport, path: string): string => (path.startsWith('/v1/') ? t.v1BaseUrl : t.baseUrl);

/** The JSON of an error answer, if it has readable JSON: only used to classify the error. */
async function errorBody(response: Response, signal: AbortSignal): Promise<unknown> {
  try {
    const bytes = await readBodyCapped(response, MAX_ERROR_BYTES, () => new SyntaxError('too large'));
    return bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  } catch (error) {
    if (signal.aborted) throw error;
    return undefined; // an unreadable error body still has its status
  }
}

/** What a thrown `error` of an attempt becomes: the caller's abort reason, or an OkidApiError. */
function attemptFailure(t: Transport, call: Call<unknown>, error: unknown, response: Response | undefined, callerSignal: AbortSignal | undefined, timedOut: boolean): unknown {
  if (error instanceof OkidApiError) return error;
  if (callerSignal?.aborted) return callerSignal.reason;
  if (timedOut) {
    return new OkidApiError(OkidApiErrorCode.Timeout, `okID did not answer ${call.request} within ${t.timeoutMs} ms.`, {
      status: 0,
      request: call.request,
    });
  }
  if (response) {
    return new OkidApiError(OkidApiErrorCode.BadResponse, `okID's answer to ${call.request} could not be read.`, {
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
  return network;
}

/** One attempt: a fresh timeout covering headers and body, cleared on every exit. */
async function attempt<T>(t: Transport, call: Call<T>, callerSignal: AbortSignal | undefined): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), t.timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout.signal, callerSignal]) : timeout.signal;
  const headers: Record<string, string> = { Accept: call.accept, 'X-SDK-Key': t.apiKey };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response | undefined;
  try {
    let url = new URL(joinUrl(baseUrlOf(t, call.path), call.path));
    for (let hops = 0; ; hops++) {
      response = await t.fetchImpl(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        // Redirects are followed below, by hand: the key may only go to okID's own origin.
        redirect: 'manual',
      });
      const target = redirectTarget(response, url, call);
      if (target === undefined) break;
      await response.body?.cancel().catch(() => undefined);
      if (target.origin !== url.origin) {
        throw new OkidApiError(
          OkidApiErrorCode.BadResponse,
          `okID redirected ${call.request} to another origin, ${target.origin}${target.pathname}; not followed, so the API key is not sent there.`,
          { status: response.status, request: call.request },
        );
      }
      if (hops >= MAX_REDIRECTS) {
        throw new OkidApiError(OkidApiErrorCode.BadResponse, `okID redirected ${call.request} more than ${MAX_REDIRECTS} times.`, {
          status: response.status,
          request: call.request,
        });
      }
      url = target;
    }
    if (response.ok) {
      const okResponse = response;
      return await call.read(okResponse, (message) =>
        new OkidApiError(OkidApiErrorCode.BadResponse, `okID answered ${call.request} with ${message}.`, {
          status: okResponse.status,
          request: call.request,
        }),
      );
    }
    const body = await errorBody(response, signal);
    throw errorFromAnswer(response.status, response.headers, body, call, t.apiKey);
  } catch (error) {
    throw attemptFailure(t, call as Call<unknown>, error, response, callerSignal, timeout.signal.aborted);
  } finally {
    clearTimeout(timer);
    if (response?.bodyUsed === false) await response.body?.cancel().catch(() => undefined);
  }
}

/** How long to wait before retrying after `error`, or undefined to give up. */
function retryDelay(t: Transport, error: OkidApiError, call: Call<unknown>, attemptIndex: number): number | undefined {
  if (attemptIndex >= t.retries) return undefined;
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
    return ms <= t.maxDelay ? ms : undefined;
  }
  // Full jitter: many servers retrying after one outage spread out instead of arriving together.
  return Math.random() * Math.min(t.maxDelay, t.baseDelay * 2 ** attemptIndex);
}

/** Sends `call`, retrying as {@link retryDelay} allows; the caller's signal ends it at any point. */
export async function run<T>(t: Transport, call: Call<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let index = 0; ; index++) {
    signal?.throwIfAborted();
    try {
      return await attempt(t, call, signal);
    } catch (error) {
      if (!(error instanceof OkidApiError)) throw error;
      const delay = retryDelay(t, error, call as Call<unknown>, index);
      if (delay === undefined) throw error;
      await wait(delay, signal);
    }
  }
}
