/**
 * One call to a vendor's HTTP API, as the vendor rooms make it: a deadline, no redirects (a
 * vendor that redirects a keyed call is not followed), the answer read as text within a cap, and
 * every failure mapped to the `OkidProxyError` a browser may see, with a log line for what the
 * operator must act on. Messages name the vendor and the call, never a key, a token or the
 * vendor's body.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import { ClientGoneError, OkidProxyError } from '../common/errors.js';
import type { OkidProxyLogger } from '../common/log.js';
import { readBodyCapped } from '../common/read-body.js';

/** Most bytes of a vendor's answer read (a status answer is a few kilobytes). */
const MAX_ANSWER_BYTES = 1 << 20;

/** How a vendor room calls its vendor. */
export interface VendorHttp {
  /** The vendor's name in log lines ("OOTO-AI", "uqudo"). */
  vendor: string;
  /** The option that holds the credentials, named when the vendor refuses them. */
  credentialOption: string;
  fetch: typeof fetch;
  timeoutMs: number;
  logger: OkidProxyLogger;
  /** What a browser is told to wait after a 429 without a usable `Retry-After`, in seconds. */
  defaultRetryAfter?: string;
}

/** A vendor's answer: status and text (2xx only; every other status is thrown as an error). */
export interface VendorAnswer {
  status: number;
  text: string;
}

/**
 * Calls the vendor. `what` names the call in logs (`"POST /api/v1/session"`), never with a token.
 * Resolves for 2xx; rejects with an `OkidProxyError` otherwise.
 */
export async function callVendor(http: VendorHttp, what: string, url: string, init: RequestInit, signal: AbortSignal): Promise<VendorAnswer> {
  const deadline = AbortSignal.timeout(http.timeoutMs);
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.any([signal, deadline]) });
  } catch (error) {
    if (signal.aborted) throw new ClientGoneError('The client closed the request.');
    if (deadline.aborted) {
      http.logger.warn(`okid-verify: ${http.vendor} did not answer ${what} within ${http.timeoutMs} ms.`);
      throw new OkidProxyError(504, ProxyErrorCode.UpstreamTimeout, 'The verification service did not answer in time.');
    }
    http.logger.warn(`okid-verify: could not reach ${http.vendor} (${what}).`);
    throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service could not be reached.', { cause: error });
  }
  let text: string;
  try {
    text = await readCapped(response);
  } catch (error) {
    if (signal.aborted) throw new ClientGoneError('The client closed the request.');
    http.logger.warn(`okid-verify: ${http.vendor}'s answer to ${what} could not be read.`);
    throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.', { cause: error });
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status, text };
  switch (response.status) {
    case 404:
      throw new OkidProxyError(404, ProxyErrorCode.VerificationNotFound, 'Verification not found.');
    case 401:
    case 403:
      http.logger.warn(`okid-verify: ${http.vendor} refused the credentials (${response.status} on ${what}). Check ${http.credentialOption}.`);
      throw new OkidProxyError(502, ProxyErrorCode.UpstreamAuth, 'The verification service refused the server credentials.');
    case 429: {
      const header = response.headers.get('retry-after')?.trim() ?? '';
      const seconds = /^\d{1,6}$/.test(header) ? header : undefined;
      throw new OkidProxyError(503, ProxyErrorCode.RateLimited, 'Too many requests; retry later.', { retryAfter: seconds ?? http.defaultRetryAfter ?? '2' });
    }
    default:
      http.logger.warn(`okid-verify: ${http.vendor} answered ${response.status} to ${what}.`);
      throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  }
}

async function readCapped(response: Response): Promise<string> {
  const bytes = await readBodyCapped(response, MAX_ANSWER_BYTES, () => new Error('answer over 1 MiB'));
  return bytes ? new TextDecoder().decode(bytes) : '';
}

/** Checks an http(s) URL option of a provider factory; returns it without a trailing slash. */
export function vendorUrl(where: string, name: string, value: unknown, schemes: readonly string[] = ['http:', 'https:']): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${where}: ${name} must be a URL string.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${where}: ${name} must be an absolute URL.`);
  }
  if (!schemes.includes(url.protocol)) throw new TypeError(`${where}: ${name} must use ${schemes.map((s) => s.replace(':', '')).join(' or ')}.`);
  if (url.search || url.hash || url.username || url.password) throw new TypeError(`${where}: ${name} must not contain a query, a fragment or credentials.`);
  return url.href.replace(/\/+$/, '');
}

/** True for a loopback host, where plain http (and ws) is allowed. */
export const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/** Checks a credential option: a non-empty string of header-safe characters. Never quotes it. */
export function credential(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${where}: ${name} must be a non-empty string.`);
  if (value.trim() !== value) throw new TypeError(`${where}: ${name} has leading or trailing whitespace; check how it is read from the environment.`);
  if (!/^[\x21-\x7e]+$/.test(value)) throw new TypeError(`${where}: ${name} contains characters that cannot be sent in an HTTP header.`);
  return value;
}
