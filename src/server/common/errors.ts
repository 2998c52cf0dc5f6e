/**
 * The proxy's one error type and the JSON error responses built from it.
 *
 * Every failure the browser can see is an {@link OkidProxyError}: an HTTP status, a stable
 * `code` from {@link ProxyErrorCode}, and a message written by us. Messages never contain
 * the API key, the upstream body or the caller's input, so nothing secret or reflected can
 * reach a page through an error.
 */
import { ProxyErrorCode, VERIFICATION_ID_RULE } from '../../core/protocol.js';
import type { ProxyErrorBody } from '../../core/protocol.js';
import { plainResponse } from './plain-response.js';
import type { PlainParts } from './plain-response.js';

/** A proxy error code (the `code` of an error body). */
export type ProxyErrorCodeValue = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

/** Extra fields an {@link OkidProxyError} can carry into its response. */
export interface OkidProxyErrorOptions {
  /** Seconds (or an HTTP date) to send as `Retry-After`, for `RATE_LIMITED`. */
  retryAfter?: string;
  /** The normalized status that made a QR code unavailable, for `QR_UNAVAILABLE`. */
  currentStatus?: string;
  /** Methods to list in `Allow`, for `METHOD_NOT_ALLOWED`. */
  allow?: readonly string[];
  /** The underlying error, kept for logs only; it never reaches a response. */
  cause?: unknown;
}

/**
 * An error the proxy answers with: `status` is the HTTP status sent to the browser, `code`
 * the stable code in the `{ error, code }` body. Thrown inside the proxy and turned into a
 * response by {@link errorResponse}; exported so operators can recognise it in their hooks'
 * logs and so tests can assert on codes.
 */
export class OkidProxyError extends Error {
  override readonly name = 'OkidProxyError';
  /** HTTP status of the response. */
  readonly status: number;
  /** Stable machine-readable code. */
  readonly code: ProxyErrorCodeValue;
  /** `Retry-After` value, when the browser should wait before retrying. */
  readonly retryAfter: string | undefined;
  /** Normalized verification status, for `QR_UNAVAILABLE`. */
  readonly currentStatus: string | undefined;
  /** Allowed methods, for `METHOD_NOT_ALLOWED`. */
  readonly allow: readonly string[] | undefined;

  constructor(status: number, code: ProxyErrorCodeValue, message: string, options: OkidProxyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.currentStatus = options.currentStatus;
    this.allow = options.allow;
  }
}

/**
 * Raised when the browser went away while the proxy was still working for it. Nobody will
 * read the answer, so the proxy only needs to stop (and not log it as an upstream failure).
 */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** Headers every JSON response of the proxy carries. */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  // Our bodies are JSON; forbid a browser from sniffing them into anything else.
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Builds the `{ error, code }` response of an error. Errors are never cached: a retry must
 * reach the proxy again.
 */
export function errorResponse(error: OkidProxyError): Response {
  const { status, headers, body } = errorParts(error);
  return plainResponse(status, headers, body);
}

/** {@link errorResponse} as plain parts: what the request path replies with. */
export function errorParts(error: OkidProxyError): PlainParts {
  const body: ProxyErrorBody & { currentStatus?: string } = { error: error.message, code: error.code };
  if (error.currentStatus !== undefined) body.currentStatus = error.currentStatus;
  const headers: Record<string, string> = { ...JSON_HEADERS, 'Cache-Control': 'no-store' };
  if (error.retryAfter !== undefined) headers['Retry-After'] = error.retryAfter;
  if (error.allow !== undefined) headers.Allow = error.allow.join(', ');
  return { status: error.status, headers, body: JSON.stringify(body) };
}

/** Shorthands for the errors raised in more than one place. */
export const errors = {
  notFound: () => new OkidProxyError(404, ProxyErrorCode.NotFound, 'Not found.'),
  invalidId: () =>
    new OkidProxyError(
      400,
      ProxyErrorCode.InvalidId,
      `Invalid verification id: expected ${VERIFICATION_ID_RULE}.`,
    ),
  accessDenied: () => new OkidProxyError(403, ProxyErrorCode.AccessDenied, 'Access to this verification is denied.'),
  internal: (cause?: unknown) =>
    new OkidProxyError(500, ProxyErrorCode.InternalError, 'Internal error.', { cause }),
  methodNotAllowed: (allow: readonly string[]) =>
    new OkidProxyError(405, ProxyErrorCode.MethodNotAllowed, 'Method not allowed.', { allow }),
  payloadTooLarge: () => new OkidProxyError(413, ProxyErrorCode.BadRequest, 'Request body too large.'),
  badRequest: (message: string) => new OkidProxyError(400, ProxyErrorCode.BadRequest, message),
};
