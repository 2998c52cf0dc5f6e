/**
 * okID webhook signatures: `X-okID-Timestamp` is Unix seconds, `X-okID-Signature` the lowercase
 * hex HMAC-SHA256 of `{timestamp}.{raw body}` (several, comma-separated, while a secret rotates).
 *
 * {@link verifyWebhook} checks a delivery before anything reads its body: a forged or replayed
 * request must not even reach `JSON.parse`. {@link signWebhook} makes the headers for tests and
 * for the sandbox.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod/mini';

export const TIMESTAMP_HEADER = 'X-okID-Timestamp';
export const SIGNATURE_HEADER = 'X-okID-Signature';

/** Default window, in seconds, a webhook timestamp may be away from now, in either direction. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** Why {@link verifyWebhook} refused a delivery. */
export const OkidWebhookErrorCode = {
  /** `X-okID-Timestamp` or `X-okID-Signature` is absent or empty. */
  MissingHeader: 'MISSING_HEADER',
  /** The timestamp is not Unix seconds written with digits only. */
  BadTimestamp: 'BAD_TIMESTAMP',
  /** The timestamp is further than the tolerance from now (too old or in the future). */
  TimestampOutOfTolerance: 'TIMESTAMP_OUT_OF_TOLERANCE',
  /** No signature matches any secret (forged, altered, re-serialized, or the wrong secret). */
  BadSignature: 'BAD_SIGNATURE',
  /** The body is not raw bytes/text, not JSON, or not an okID event. */
  BadPayload: 'BAD_PAYLOAD',
} as const;
export type OkidWebhookErrorCode = (typeof OkidWebhookErrorCode)[keyof typeof OkidWebhookErrorCode];

/** A refused webhook delivery; `code` says why, `message` says what to check. */
export class OkidWebhookError extends Error {
  override readonly name = 'OkidWebhookError';
  /** Stable machine-readable reason. */
  readonly code: OkidWebhookErrorCode;

  constructor(code: OkidWebhookErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** An okID webhook event as {@link verifyWebhook} returns it (unknown fields are kept). */
export const OkidWebhookEventSchema = z.looseObject({
  /** E.g. `verification.completed`. */
  event: z.string().check(z.minLength(1)),
  /**
   * Delivery-independent event id, the same on every retry, so receivers can drop repeats.
   * Optional: okID's documented payload (`{ event, data }`) has none; the proxy then recognises
   * a repeat by the verification id, event, status and times in `data`.
   */
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  created_at: z.optional(z.string()),
  data: z.record(z.string(), z.unknown()),
});
/** A verified okID webhook event. */
export type OkidWebhookEvent = z.infer<typeof OkidWebhookEventSchema>;

/**
 * Something with a `get(name)` like `Headers`: a `Headers` from another realm (a worker, a `vm`
 * context) or a polyfill, which `instanceof Headers` would not recognise.
 */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

/**
 * Header values as a `Headers` (or any object with a `get` function), or a plain object in any
 * case (Node's `req.headers` works).
 */
export type WebhookHeaders = Headers | HeadersLike | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /**
   * The raw request body, exactly as received: a string, or bytes (`Uint8Array`/`Buffer`,
   * `ArrayBuffer`). Not a parsed object: re-serializing JSON changes the bytes that were signed.
   */
  body: string | Uint8Array | ArrayBuffer;
  /** The request headers (`Headers`, or a plain object such as Node's `req.headers`). */
  headers: WebhookHeaders;
  /** The webhook secret, or several while rotating (any one may match). */
  secret: string | readonly string[];
  /** How far the timestamp may be from now, in seconds, either direction. Default 300. */
  toleranceSeconds?: number;
  /** The current time: a `Date`, or Unix **seconds**. Default: the clock. For tests. */
  now?: Date | number;
}

/**
 * Verifies an okID webhook delivery and returns its parsed event.
 *
 * The signature is checked first, in constant time, against every signature in the header and
 * every secret given; only then is the body parsed. Rejects with an {@link OkidWebhookError}.
 *
 * @example
 * app.post('/hooks/okid', express.raw({ type: 'application/json' }), async (req, res) => {
 *   const event = await verifyWebhook({ body: req.body, headers: req.headers, secret: process.env.OKID_WEBHOOK_SECRET! });
 *   …
 * });
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<OkidWebhookEvent> {
  return verifyWebhookSync(options);
}

/** The synchronous core of {@link verifyWebhook}, used by the proxy's webhook route. */
export function verifyWebhookSync(options: VerifyWebhookOptions): OkidWebhookEvent {
  const { headers, toleranceSeconds = DEFAULT_WEBHOOK_TOLERANCE_SECONDS } = options;
  const secrets = checkSecrets(options.secret);
  if (typeof toleranceSeconds !== 'number' || !(toleranceSeconds >= 0)) {
    throw new TypeError('verifyWebhook: toleranceSeconds must be a number of seconds, 0 or more.');
  }
  const body = rawBytes(options.body);

  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signatureHeader = header(headers, SIGNATURE_HEADER);
  if (timestamp === undefined) throw missing(TIMESTAMP_HEADER);
  if (signatureHeader === undefined) throw missing(SIGNATURE_HEADER);

  // Digits only: `Number()` would also accept ` 12`, `1e9`, `0x…` or `-5`, and the signed
  // text is the header as sent, so anything lenient here is a second spelling of one time.
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new OkidWebhookError(
      OkidWebhookErrorCode.BadTimestamp,
      `${TIMESTAMP_HEADER} must be Unix seconds written with digits only (got ${JSON.stringify(timestamp.slice(0, 24))}).`,
    );
  }
  const now = nowSeconds(options.now);
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > toleranceSeconds) {
    throw new OkidWebhookError(
      OkidWebhookErrorCode.TimestampOutOfTolerance,
      skew > 0
        ? `The webhook timestamp is ${Math.round(skew)} s old, more than the ${toleranceSeconds} s tolerance (a replay, or a delivery retried too late).`
        : `The webhook timestamp is ${Math.round(-skew)} s in the future, more than the ${toleranceSeconds} s tolerance (check this server's clock).`,
    );
  }

  const candidates = signatureHeader
    .split(',')
    .map((value) => value.trim())
    .filter((value) => /^[0-9a-fA-F]{64}$/.test(value))
    .map((value) => Buffer.from(value, 'hex'));
  let matched = false;
  for (const secret of secrets) {
    const expected = hmac(secret, timestamp, body);
    // Every candidate is compared (no early exit) so timing says nothing about which matched.
    for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
  }
  if (!matched) throw badSignature(candidates.length, secrets);

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new OkidWebhookError(OkidWebhookErrorCode.BadPayload, 'The webhook body is signed but is not UTF-8 JSON.');
  }
  const event = OkidWebhookEventSchema.safeParse(parsed);
  if (!event.success) {
    throw new OkidWebhookError(
      OkidWebhookErrorCode.BadPayload,
      'The webhook body is signed but is not an okID event ({ event, data }, with optional id and created_at).',
    );
  }
  return event.data;
}

/** Options of {@link signWebhook}. */
export interface SignWebhookOptions {
  /** The exact bytes that will be sent: a string (UTF-8) or bytes. */
  body: string | Uint8Array;
  /** The webhook secret. */
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** Computes the two headers okID sends with a webhook delivery, for tests and the sandbox. */
export function signWebhook({ body, secret, timestamp }: SignWebhookOptions): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const signature = hmac(secret, ts, body).toString('hex');
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signature } as Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string>;
}

/** The HMAC-SHA256 of `{timestamp}.{body}` under `secret`: what is signed and what is checked. */
const hmac = (secret: string, timestamp: string, body: string | Uint8Array): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

function checkSecrets(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? (secret as unknown[]) : [];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('verifyWebhook: secret must be a non-empty string or a non-empty list of them.');
  }
  return list as string[];
}

/** The body as bytes; names the usual mistake when it was already parsed. */
function rawBytes(body: unknown): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new OkidWebhookError(
    OkidWebhookErrorCode.BadPayload,
    body !== null && typeof body === 'object'
      ? 'verifyWebhook needs the raw request body (a string or bytes), but got a parsed object. ' +
          'A JSON body parser ran first; in Express use express.raw({ type: "application/json" }) on this route, ' +
          'or pass request.text() / the raw Buffer.'
      : `verifyWebhook needs the raw request body as a string or bytes (got ${body === null ? 'null' : typeof body}).`,
  );
}

/** One header's value, whatever the case of its name; `undefined` when absent or empty. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  let value: string | readonly string[] | null | undefined;
  if (isHeadersLike(headers)) {
    // Duck-typed, not `instanceof Headers`: a Headers of another realm or a polyfill is one too.
    value = headers.get(name);
  } else if (headers !== null && typeof headers === 'object') {
    const plain = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
    const wanted = name.toLowerCase();
    for (const key of Object.keys(plain)) {
      if (key.toLowerCase() === wanted) {
        value = plain[key];
        break;
      }
    }
  }
  // Node gives repeated headers as an array; joined they read like the comma form.
  const joined = Array.isArray(value) ? value.join(',') : (value as string | null | undefined);
  const trimmed = joined?.trim();
  return trimmed ? trimmed : undefined;
}

const isHeadersLike = (headers: unknown): headers is HeadersLike =>
  headers !== null && typeof headers === 'object' && typeof (headers as { get?: unknown }).get === 'function';

function nowSeconds(now: Date | number | undefined): number {
  if (now === undefined) return Date.now() / 1000;
  if (now instanceof Date) return now.getTime() / 1000;
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('verifyWebhook: now must be a Date or Unix seconds.');
  // 1e11 s is the year 5138: a value that large is almost surely `Date.now()` milliseconds.
  if (now > 1e11) throw new TypeError('verifyWebhook: now is in Unix seconds, but got what looks like milliseconds (Date.now()); divide by 1000.');
  return now;
}

const missing = (name: string): OkidWebhookError =>
  new OkidWebhookError(
    OkidWebhookErrorCode.MissingHeader,
    `The ${name} header is missing or empty: this request was not sent (or not forwarded intact) by okID.`,
  );

function badSignature(candidates: number, secrets: readonly string[]): OkidWebhookError {
  const hints: string[] = [];
  if (candidates === 0) hints.push(`${SIGNATURE_HEADER} holds no 64-digit hex signature`);
  if (secrets.some((s) => s.trim() !== s)) {
    hints.push('the secret has leading or trailing whitespace (often a newline read from a file or an environment variable)');
  }
  hints.push('the body must be the raw bytes as received: a parsed and re-serialized JSON body no longer matches');
  hints.push('check that the secret is the one configured at okID');
  return new OkidWebhookError(OkidWebhookErrorCode.BadSignature, `No webhook signature matches. Likely: ${hints.join('; ')}.`);
}
