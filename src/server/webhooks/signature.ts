/**
 * okID webhook signatures: `X-okID-Signature` an HMAC-SHA256 "of the payload" (several,
 * comma-separated, while a secret rotates), `X-okID-Timestamp` when it was sent. okID's
 * documents say no more, so every reading of that is accepted ({@link WebhookScheme}); the
 * sandbox signs the hex HMAC of `{timestamp}.{raw body}` with Unix seconds.
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
  /** The timestamp is not Unix seconds or milliseconds (digits only) nor ISO-8601. */
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
  /** Accept only this reading of the signature (see {@link WebhookScheme}). Default: every reading. */
  scheme?: WebhookScheme;
}

/**
 * Verifies an okID webhook delivery and returns its parsed event.
 *
 * The signature is checked first, in constant time, against every signature in the header,
 * every secret given and every reading of okID's words ({@link WebhookScheme}); only then is
 * the body parsed. Which reading matched is on the event, not enumerable:
 * `readingOf(event)` (or `event.signatureReading`). Rejects with an {@link OkidWebhookError}.
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

/**
 * How a webhook signature is read. okID's documents say only "HMAC-SHA256 signature of the
 * payload" in `X-okID-Signature` and "Timestamp when the webhook was sent" in
 * `X-okID-Timestamp`, so each reading of those words is accepted: the HMAC over the raw body
 * (`body`) or over `{timestamp}.{raw body}` (`timestamp.body`, the timestamp header as sent),
 * written as hex (any case) or base64 (standard or URL-safe), with or without a `sha256=` prefix.
 */
export type WebhookScheme = 'body:hex' | 'body:base64' | 'timestamp.body:hex' | 'timestamp.body:base64';
/** Every {@link WebhookScheme}. */
export const WEBHOOK_SCHEMES: readonly WebhookScheme[] = ['body:hex', 'body:base64', 'timestamp.body:hex', 'timestamp.body:base64'];
/** How `X-okID-Timestamp` was written: Unix seconds, Unix milliseconds, or ISO-8601. */
export type WebhookTimestampFormat = 'seconds' | 'milliseconds' | 'iso';

/** Which reading of okID's words a delivery matched. */
export interface WebhookReading {
  scheme: WebhookScheme;
  timestamp: WebhookTimestampFormat;
  /** True when the signature carried a `sha256=` prefix. */
  prefixed: boolean;
}

/** The reading as a log line says it, e.g. `hex HMAC of {timestamp}.{body}, timestamp in seconds`. */
export const describeReading = (reading: WebhookReading): string => {
  const [payload, encoding] = reading.scheme.split(':') as [string, string];
  return `${encoding} HMAC of ${payload === 'body' ? 'the body' : '{timestamp}.{body}'}${reading.prefixed ? ' (sha256= prefix)' : ''}, timestamp in ${reading.timestamp === 'iso' ? 'ISO-8601' : reading.timestamp} (webhookScheme: '${reading.scheme}')`;
};

/** Checks a `webhookScheme` option; `undefined` means every reading. */
export function checkWebhookScheme(value: unknown, where: string): WebhookScheme | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(WEBHOOK_SCHEMES as readonly string[]).includes(value)) {
    throw new TypeError(`${where}: webhookScheme must be one of ${WEBHOOK_SCHEMES.map((s) => `'${s}'`).join(', ')}.`);
  }
  return value as WebhookScheme;
}

/** Which reading matched, kept on the event returned by {@link verifyWebhook} (not enumerable, so it never serializes). */
export const readingOf = (event: OkidWebhookEvent): WebhookReading | undefined =>
  (event as { signatureReading?: WebhookReading }).signatureReading;

/** The timestamp header as seconds, and how it was written; `undefined` when it is none of the three forms. */
function parseTimestamp(value: string): { seconds: number; format: WebhookTimestampFormat } | undefined {
  // Digits only: `Number()` would also accept ` 12`, `1e9`, `0x…` or `-5`. Up to 11 digits is
  // seconds (the year 5138), 12 to 16 milliseconds.
  if (/^\d{1,11}$/.test(value)) return { seconds: Number(value), format: 'seconds' };
  if (/^\d{12,16}$/.test(value)) return { seconds: Number(value) / 1000, format: 'milliseconds' };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return { seconds: ms / 1000, format: 'iso' };
  }
  return undefined;
}

interface Candidate {
  bytes: Buffer;
  encoding: 'hex' | 'base64';
  prefixed: boolean;
}

/** The signatures in the header: hex (64 digits) or base64 (of 32 bytes), each maybe `sha256=`-prefixed. */
function candidatesOf(header: string): Candidate[] {
  const candidates: Candidate[] = [];
  for (const part of header.split(',')) {
    let value = part.trim();
    const prefixed = /^sha256=/i.test(value);
    if (prefixed) value = value.slice(7).trim();
    if (/^[0-9a-fA-F]{64}$/.test(value)) candidates.push({ bytes: Buffer.from(value, 'hex'), encoding: 'hex', prefixed });
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
      const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (bytes.length === 32) candidates.push({ bytes, encoding: 'base64', prefixed });
    }
  }
  return candidates;
}

/**
 * The synchronous core of {@link verifyWebhook}, used by the proxy's webhook route. `scheme`
 * pins one reading; without it each is tried.
 */
export function verifyWebhookSync(options: VerifyWebhookOptions): OkidWebhookEvent {
  const { headers, toleranceSeconds = DEFAULT_WEBHOOK_TOLERANCE_SECONDS } = options;
  const secrets = checkSecrets(options.secret);
  if (typeof toleranceSeconds !== 'number' || !(toleranceSeconds >= 0)) {
    throw new TypeError('verifyWebhook: toleranceSeconds must be a number of seconds, 0 or more.');
  }
  const pinned = checkWebhookScheme(options.scheme, 'verifyWebhook');
  const body = rawBytes(options.body);

  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signatureHeader = header(headers, SIGNATURE_HEADER);
  if (timestamp === undefined) throw missing(TIMESTAMP_HEADER);
  if (signatureHeader === undefined) throw missing(SIGNATURE_HEADER);

  const sent = parseTimestamp(timestamp);
  if (sent === undefined) {
    throw new OkidWebhookError(
      OkidWebhookErrorCode.BadTimestamp,
      `${TIMESTAMP_HEADER} must be Unix seconds or milliseconds (digits only) or an ISO-8601 time (got ${JSON.stringify(timestamp.slice(0, 32))}).`,
    );
  }
  const now = nowSeconds(options.now);
  const skew = now - sent.seconds;
  if (Math.abs(skew) > toleranceSeconds) {
    throw new OkidWebhookError(
      OkidWebhookErrorCode.TimestampOutOfTolerance,
      skew > 0
        ? `The webhook timestamp is ${Math.round(skew)} s old, more than the ${toleranceSeconds} s tolerance (a replay, or a delivery retried too late).`
        : `The webhook timestamp is ${Math.round(-skew)} s in the future, more than the ${toleranceSeconds} s tolerance (check this server's clock).`,
    );
  }

  const candidates = candidatesOf(signatureHeader);
  let reading: WebhookReading | undefined;
  for (const secret of secrets) {
    const expected = { body: hmac(secret, undefined, body), 'timestamp.body': hmac(secret, timestamp, body) };
    // Every candidate is compared with every reading (no early exit), so timing says nothing
    // about which matched.
    for (const candidate of candidates) {
      for (const payload of ['body', 'timestamp.body'] as const) {
        const scheme = `${payload}:${candidate.encoding}` as WebhookScheme;
        const equal = timingSafeEqual(expected[payload], candidate.bytes);
        if (equal && reading === undefined && (pinned === undefined || pinned === scheme)) {
          reading = { scheme, timestamp: sent.format, prefixed: candidate.prefixed };
        }
      }
    }
  }
  if (reading === undefined) throw badSignature(candidates.length, secrets, pinned);

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
  Object.defineProperty(event.data, 'signatureReading', { value: reading, enumerable: false });
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
  /** The reading to sign with; default `'timestamp.body:hex'` (what the sandbox sends). */
  scheme?: WebhookScheme;
  /** How to write the timestamp header; default `'seconds'`. */
  timestampFormat?: WebhookTimestampFormat;
}

/** Computes the two headers okID sends with a webhook delivery, for tests and the sandbox. */
export function signWebhook({ body, secret, timestamp, scheme = 'timestamp.body:hex', timestampFormat = 'seconds' }: SignWebhookOptions): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  const seconds = timestamp ?? Math.floor(Date.now() / 1000);
  const ts =
    timestampFormat === 'milliseconds' ? String(seconds * 1000) : timestampFormat === 'iso' ? new Date(seconds * 1000).toISOString() : String(seconds);
  const [payload, encoding] = (checkWebhookScheme(scheme, 'signWebhook') ?? 'timestamp.body:hex').split(':') as [string, 'hex' | 'base64'];
  const signature = hmac(secret, payload === 'body' ? undefined : ts, body).toString(encoding);
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signature } as Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string>;
}

/** The HMAC-SHA256 under `secret` of `{timestamp}.{body}`, or of the body alone without a timestamp. */
function hmac(secret: string, timestamp: string | undefined, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}.`);
  return mac.update(body).digest();
}

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

function badSignature(candidates: number, secrets: readonly string[], pinned: WebhookScheme | undefined): OkidWebhookError {
  const hints: string[] = [];
  if (candidates === 0) hints.push(`${SIGNATURE_HEADER} holds no HMAC-SHA256 signature (64 hex digits or 44 base64 characters)`);
  if (pinned !== undefined) hints.push(`webhookScheme pins '${pinned}': a delivery signed another way is refused`);
  if (secrets.some((s) => s.trim() !== s)) {
    hints.push('the secret has leading or trailing whitespace (often a newline read from a file or an environment variable)');
  }
  hints.push('the body must be the raw bytes as received: a parsed and re-serialized JSON body no longer matches');
  hints.push('check that the secret is the one configured at okID');
  return new OkidWebhookError(OkidWebhookErrorCode.BadSignature, `No webhook signature matches. Likely: ${hints.join('; ')}.`);
}
