/**
 * `OkidApiError`, the one error type of {@link createOkidClient}, and how okID's answers become
 * one: the HTTP status, okID's `{ error, details }` body (read for classification, never
 * echoed) and the `Retry-After` header.
 *
 * @module
 */
import { UpstreamErrorBodySchema, V2StatusSchema } from '../../core/protocol.js';
import type { V2Status } from '../../core/protocol.js';

/** Stable codes of {@link OkidApiError}. */
export const OkidApiErrorCode = {
  /** The client refused the input before calling okID (a malformed id, side or body). */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** okID answered 400: it refused the request's parameters. */
  BadRequest: 'BAD_REQUEST',
  /** okID answered 401: the API key is missing, unknown or inactive. */
  InvalidApiKey: 'INVALID_API_KEY',
  /** okID answered 403: this API key did not create this verification. */
  AccessDenied: 'ACCESS_DENIED',
  /** okID answered 404 for the verification id. */
  VerificationNotFound: 'VERIFICATION_NOT_FOUND',
  /** okID answered 404 for an image: the verification exists but has no accepted image of that kind. */
  ImageNotAvailable: 'IMAGE_NOT_AVAILABLE',
  /** okID says the verification has expired (410, or its error body says so). */
  VerificationExpired: 'VERIFICATION_EXPIRED',
  /** okID answered 409 to a QR code request: the verification left `generated` (see `currentStatus`). */
  QrUnavailable: 'QR_UNAVAILABLE',
  /** okID answered 409 to anything else. */
  Conflict: 'CONFLICT',
  /** okID answered 429 (see `retryAfter`). */
  RateLimited: 'RATE_LIMITED',
  /** okID's own configuration is incomplete (its error body says so); only okID can fix it. */
  ServerNotConfigured: 'SERVER_NOT_CONFIGURED',
  /** okID answered 5xx. */
  ServerError: 'SERVER_ERROR',
  /** okID answered something the client cannot use: not JSON, the wrong shape, too large, a redirect. */
  BadResponse: 'BAD_RESPONSE',
  /** No answer (headers and body) within `timeoutMs`. */
  Timeout: 'TIMEOUT',
  /** okID could not be reached (refused, reset, DNS). */
  Network: 'NETWORK',
} as const;

/** A code of {@link OkidApiError}. */
export type OkidApiErrorCodeValue = (typeof OkidApiErrorCode)[keyof typeof OkidApiErrorCode];

/** Fields of an {@link OkidApiError} beyond its code and message. */
export interface OkidApiErrorInit {
  /** okID's HTTP status; 0 when okID gave no answer (timeout, network, refused input). */
  status: number;
  /** The method and path of the call, e.g. `GET /api/get-verification-details/ver_…`. */
  request?: string;
  /** Seconds from okID's `Retry-After`, for `RATE_LIMITED` (and a 5xx that sent one). */
  retryAfter?: number;
  /** okID's `current_status`, for `QR_UNAVAILABLE`. */
  currentStatus?: V2Status;
  /** okID's error text, already sanitized with {@link sanitizeDetail}. */
  detail?: string;
  /** The underlying error (a network failure); never holds the key. */
  cause?: unknown;
}

/**
 * A failed okID call. `code` says what happened (see {@link OkidApiErrorCode}); `status` is
 * okID's HTTP status (0 when there was no answer). The message is written by this package: it
 * never contains the API key, and okID's body appears only as the short, sanitized `detail`.
 */
export class OkidApiError extends Error {
  override readonly name = 'OkidApiError';
  /** Stable machine-readable code. */
  readonly code: OkidApiErrorCodeValue;
  /** okID's HTTP status, or 0 when okID gave no answer. */
  readonly status: number;
  /** `GET /api/…/ver_…`: which call failed. */
  readonly request: string | undefined;
  /** For `RATE_LIMITED`: seconds okID asked to wait (from `Retry-After`), when it said. */
  readonly retryAfter: number | undefined;
  /** For `QR_UNAVAILABLE`: okID's `current_status` of the verification, when it is a known one. */
  readonly currentStatus: V2Status | undefined;
  /** okID's own error text, shortened to printable characters, the API key redacted. */
  readonly detail: string | undefined;

  constructor(code: OkidApiErrorCodeValue, message: string, init: OkidApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status;
    this.request = init.request;
    this.retryAfter = init.retryAfter;
    this.currentStatus = init.currentStatus;
    this.detail = init.detail;
  }
}

/** What a call is, for classifying okID's answer. */
export interface CallKind {
  /** `GET /api/…`, used in messages. */
  request: string;
  /** Which route family: a 404 or 409 means something different on each. */
  route: 'details' | 'generate' | 'qrcode' | 'image';
}

/** Longest `detail` kept from okID's error body. */
const MAX_DETAIL_CHARS = 120;
/** A `Retry-After` further out than a day is nonsense; treated as absent. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * `Retry-After` in seconds: delta-seconds, or an HTTP date from now (0 when already past);
 * `undefined` when absent or malformed.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const trimmed = value?.trim() ?? '';
  if (/^\d{1,9}$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds <= MAX_RETRY_AFTER_SECONDS ? seconds : undefined;
  }
  // HTTP dates are letters, digits, spaces, commas, colons and dashes, and name a month; anything
  // else is not one (Date.parse would read "-1" as a year).
  if (!/^[A-Za-z0-9 ,:-]{1,40}$/.test(trimmed) || !/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.max(0, Math.ceil((at - now) / 1000));
  return seconds <= MAX_RETRY_AFTER_SECONDS ? seconds : undefined;
}

/**
 * okID's error text made safe to log: printable ASCII only, at most {@link MAX_DETAIL_CHARS},
 * and the key cut out should okID (or anything pretending to be okID) echo it.
 */
export function sanitizeDetail(text: unknown, apiKey: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  let clean = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  if (apiKey !== '') clean = clean.split(apiKey).join('[redacted]');
  if (clean.length > MAX_DETAIL_CHARS) clean = `${clean.slice(0, MAX_DETAIL_CHARS - 1)}…`;
  // Cutting may leave the start of the key at the end; redact after cutting too.
  for (let n = Math.min(apiKey.length, clean.length); n >= 4; n--) {
    if (clean.endsWith(`${apiKey.slice(0, n)}…`)) {
      clean = `${clean.slice(0, clean.length - n - 1)}[redacted]…`;
      break;
    }
  }
  return clean === '' ? undefined : clean;
}

const DOCUMENTED_CODES: ReadonlySet<string> = new Set([
  OkidApiErrorCode.InvalidApiKey,
  OkidApiErrorCode.AccessDenied,
  OkidApiErrorCode.ServerNotConfigured,
  OkidApiErrorCode.VerificationExpired,
  OkidApiErrorCode.VerificationNotFound,
]);

/**
 * Turns okID's non-2xx answer into an {@link OkidApiError}. `body` is the parsed error body or
 * undefined. A documented integration code in the body (`code` or `error`) wins, since okID's
 * documents name those codes; else the status decides.
 */
export function errorFromAnswer(
  status: number,
  headers: Headers,
  body: unknown,
  call: CallKind,
  apiKey: string,
): OkidApiError {
  const parsed = UpstreamErrorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  const detail = sanitizeDetail(error, apiKey);
  const init = { status, request: call.request, detail };
  const says = detail === undefined ? '' : ` (okID: "${detail}")`;
  const make = (code: OkidApiErrorCodeValue, message: string, extra: Partial<OkidApiErrorInit> = {}) =>
    new OkidApiError(code, `${message.replace(/\.$/, '')}${says}.`, { ...init, ...extra });

  const named = [parsed.success ? (parsed.data as Record<string, unknown>).code : undefined, error].find(
    (value): value is string => typeof value === 'string' && DOCUMENTED_CODES.has(value),
  );
  if (named === OkidApiErrorCode.ServerNotConfigured || (status >= 500 && /not configured/i.test(error ?? ''))) {
    return make(OkidApiErrorCode.ServerNotConfigured, `okID is not configured to serve ${call.request} (${status}).`);
  }
  const expiredText = (status === 400 || status === 404) && /expired/i.test(error ?? '');
  if (named === OkidApiErrorCode.VerificationExpired || status === 410 || expiredText) {
    return make(OkidApiErrorCode.VerificationExpired, `The verification has expired (${status} on ${call.request}).`);
  }
  if (named === OkidApiErrorCode.InvalidApiKey || status === 401) {
    return make(OkidApiErrorCode.InvalidApiKey, `okID refused the API key (${status} on ${call.request}).`);
  }
  if (named === OkidApiErrorCode.AccessDenied || status === 403) {
    return make(OkidApiErrorCode.AccessDenied, `This API key cannot access the verification (${status} on ${call.request}).`);
  }
  if (named === OkidApiErrorCode.VerificationNotFound) {
    return make(OkidApiErrorCode.VerificationNotFound, `Verification not found (${status} on ${call.request}).`);
  }
  switch (status) {
    case 400:
      return make(OkidApiErrorCode.BadRequest, `okID refused the request parameters (400 on ${call.request}).`);
    case 404:
      // okID answers 404 both for an unknown id and for an image it has not accepted; the image
      // call asks okID which (client.ts), never its wording.
      return call.route === 'image'
        ? make(OkidApiErrorCode.ImageNotAvailable, `No accepted image of this kind (404 on ${call.request}).`)
        : make(OkidApiErrorCode.VerificationNotFound, `Verification not found (404 on ${call.request}).`);
    case 409: {
      if (call.route !== 'qrcode') return make(OkidApiErrorCode.Conflict, `okID answered 409 to ${call.request}.`);
      const current = V2StatusSchema.safeParse(parsed.success ? parsed.data.current_status : undefined);
      return make(
        OkidApiErrorCode.QrUnavailable,
        `A QR code exists only while the verification is 'generated'${current.success ? `; it is '${current.data}'` : ''}.`,
        current.success ? { currentStatus: current.data } : {},
      );
    }
    case 429: {
      const retryAfter = parseRetryAfter(headers.get('Retry-After'));
      return make(
        OkidApiErrorCode.RateLimited,
        `okID rate-limited ${call.request}${retryAfter === undefined ? '' : `; retry in ${retryAfter} s`}.`,
        { retryAfter },
      );
    }
    default:
      return status >= 500
        ? make(OkidApiErrorCode.ServerError, `okID failed with ${status} on ${call.request}.`, {
            retryAfter: parseRetryAfter(headers.get('Retry-After')),
          })
        : make(OkidApiErrorCode.BadResponse, `okID answered ${status} to ${call.request}.`);
  }
}
