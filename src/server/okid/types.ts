/**
 * The public types of `createOkidClient()`: its options, its methods and what they resolve to.
 *
 * @module
 */
import type {
  GenerateTokenInput,
  GenerateVerificationInput,
  GeneratedToken,
  GeneratedVerification,
  V1Verification,
  V2Details,
} from '../../core/protocol.js';
import type { OkidApiError } from './api-error.js';

/** Options of `createOkidClient()`. */
export interface OkidClientOptions {
  /** okID API key, sent as `X-SDK-Key`; never logged, never in an error. */
  apiKey: string;
  /**
   * okID v2client base URL; default `https://verify.prod.okid.io` (`https://verify.stage.okid.io`
   * for staging; http only for tests and the sandbox).
   */
  baseUrl?: string;
  /** okID v1 base URL, where `/v1/…` calls go; default `https://api1.okid.io` (the v1 document's `apiUrl`). */
  v1BaseUrl?: string;
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
  /** The base URL v2 calls go to, without a trailing slash. */
  readonly baseUrl: string;
  /** The base URL v1 calls go to, without a trailing slash. */
  readonly v1BaseUrl: string;
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
