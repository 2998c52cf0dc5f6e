/**
 * The phone's side of the capture API (its routes are listed in docs/sandbox.md): one small fetch client per
 * verification. It is the only module that knows the routes, the device binding and the error
 * bodies, so a real okID mapping can replace it without touching the flow.
 *
 * The device token minted by the first `GET /v1/flow/{id}` is kept in `Storage` (localStorage by
 * default) under `okid:device:{verificationId}`: a reload, or a trip to another app that kills
 * the tab, then resumes as the same device instead of meeting the "other device" 409. The token
 * never leaves this module except into that storage and the `X-Okid-Device` header.
 */
import { CAPTURE_KIND_PATTERN, DEVICE_HEADER, MAX_FORM_BYTES, type DocumentType, type FlowConfig } from '../core/capture-api.js';
import { parseRetryAfter } from '../core/backoff.js';
import { isFinalStatus } from '../core/status.js';
import { flowConfig } from '../core/flow-config-check.js';
import { checkWire, isRecord, parseJson } from '../core/wire-checks.js';
import { CaptureApiError } from './capture-api-error.js';
import type { CaptureApiErrorCode, CaptureApiErrorInit } from './capture-api-error.js';

export { CaptureApiError } from './capture-api-error.js';
export type { CaptureApiErrorCode, CaptureApiErrorInit } from './capture-api-error.js';

/** Options of {@link CaptureClient}. */
export interface CaptureClientOptions {
  /** Time limit of a JSON call (flow, terms, submit, cancel), in milliseconds; default 10 000. */
  timeoutMs?: number;
  /** Time limit of one capture upload, in milliseconds; default 20 000. */
  uploadTimeoutMs?: number;
}

/** Storage key of a verification's device token. */
export const deviceStorageKey = (verificationId: string): string => `okid:device:${verificationId}`;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 20_000;

/** localStorage when this context may use it; reading the property throws in some sandboxed frames. */
export function defaultStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

interface SendOptions {
  body?: BodyInit;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** The string entries of `record` (a server's per-field messages), on an object without a prototype. */
const stringValues = (record: Record<string, unknown>): Record<string, string> =>
  Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(Object.entries(record).filter(([, v]) => typeof v === 'string')));

/**
 * Calls the capture API of one verification from the capturing device. Every method takes an
 * optional `AbortSignal`; aborting rejects with the signal's reason (an `AbortError` by default),
 * not with a {@link CaptureApiError}.
 */
export class CaptureClient {
  readonly verificationId: string;
  readonly #base: string;
  readonly #storage: Storage | undefined;
  readonly #timeoutMs: number;
  readonly #uploadTimeoutMs: number;
  #deviceToken: string | undefined;

  /**
   * @param apiUrl okID API host (the element's `api-url`), e.g. `https://api1.okid.io`.
   * @param verificationId the verification this client speaks for.
   * @param storage where the device token survives reloads; default `localStorage` when the
   *   page may use it, else the token lives only as long as this object.
   */
  constructor(apiUrl: string, verificationId: string, storage?: Storage, options: CaptureClientOptions = {}) {
    this.verificationId = verificationId;
    this.#base = `${apiUrl.replace(/\/+$/, '')}/v1/flow/${encodeURIComponent(verificationId)}`;
    this.#storage = storage ?? defaultStorage();
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.#deviceToken = this.#readToken();
  }

  /**
   * `GET /v1/flow/{id}`: the flow config. The first call opens the verification and binds it to
   * this device; later calls (a reload) present the stored token and are recognised. A finished
   * or expired verification still answers, with its final `status`, so the caller can show the
   * result. The returned `deviceToken` is always `""`: the token stays inside this client.
   */
  async loadFlow(signal?: AbortSignal): Promise<FlowConfig> {
    const answer = await this.#send('GET', '', { timeoutMs: this.#timeoutMs, signal });
    this.#throwUnlessOk(answer, true);
    const json = parseJson(answer.text);
    if (json === undefined) {
      // HTML or an empty body on 200 is what captive portals and broken middleboxes answer.
      throw new CaptureApiError('The capture API answered something that is not JSON; check the connection.', {
        status: answer.status,
        code: 'NETWORK',
        retryable: true,
      });
    }
    const parsed = checkWire(flowConfig, json);
    if (!parsed.ok || parsed.value.verificationId !== this.verificationId) {
      throw new CaptureApiError(`The capture API answered a flow config this SDK cannot read (${parsed.ok ? 'another verification' : parsed.error.message}).`, {
        status: answer.status,
        code: 'SERVER',
        retryable: false,
        ...(parsed.ok ? {} : { cause: parsed.error }),
      });
    }
    // A final verification answers "" to a device that does not hold the binding: keep ours.
    if (parsed.value.deviceToken) this.#writeToken(parsed.value.deviceToken);
    return { ...parsed.value, deviceToken: '' };
  }

  /** `POST /v1/flow/{id}/terms`: accepts the terms; repeating it is harmless. */
  async acceptTerms(signal?: AbortSignal): Promise<void> {
    await this.#write('POST', '/terms', { timeoutMs: this.#timeoutMs, signal });
  }

  /**
   * `PUT /v1/flow/{id}/captures/{kind}`: one JPEG (`document_front`, `document_back`, `selfie`,
   * `liveness_{n}`). Retrying with the same `idempotencyKey` and bytes is safe: the server
   * stores the capture once. A new key for the same kind replaces it (a retake).
   */
  async putCapture(kind: string, image: Blob, idempotencyKey: string, signal?: AbortSignal): Promise<void> {
    if (!CAPTURE_KIND_PATTERN.test(kind)) {
      throw new CaptureApiError(`Unknown capture kind "${kind}".`, { status: 0, code: 'BAD_REQUEST', retryable: false });
    }
    if (idempotencyKey.length === 0 || idempotencyKey.length > 255) {
      throw new CaptureApiError('The Idempotency-Key must be 1 to 255 characters.', { status: 0, code: 'BAD_REQUEST', retryable: false });
    }
    await this.#write('PUT', `/captures/${kind}`, {
      body: image,
      headers: { 'Content-Type': 'image/jpeg', 'Idempotency-Key': idempotencyKey },
      timeoutMs: this.#uploadTimeoutMs,
      signal,
    });
  }

  /**
   * `POST /v1/flow/{id}/submit`: all captures are in. A 400 lists what is still missing in
   * the error's `missing`.
   */
  async submit(documentType: DocumentType | undefined, signal?: AbortSignal): Promise<void> {
    await this.#write('POST', '/submit', {
      body: JSON.stringify(documentType ? { documentType } : {}),
      headers: { 'Content-Type': 'application/json' },
      timeoutMs: this.#timeoutMs,
      signal,
    });
  }

  /**
   * `POST /v1/flow/{id}/form`: the form step's values, as JSON. A 400 carries a message per
   * refused field in the error's `fields`. The values go nowhere else.
   */
  async sendForm(values: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(values);
    if (new TextEncoder().encode(body).length > MAX_FORM_BYTES) {
      throw new CaptureApiError('The form is too large to send.', { status: 0, code: 'BAD_REQUEST', retryable: false });
    }
    await this.#write('POST', '/form', { body, headers: { 'Content-Type': 'application/json' }, timeoutMs: this.#timeoutMs, signal });
  }

  /** `POST /v1/flow/{id}/cancel`: the user gives up on this device (before submit). */
  async cancel(signal?: AbortSignal): Promise<void> {
    await this.#write('POST', '/cancel', { timeoutMs: this.#timeoutMs, signal });
  }

  /** A write needs the binding: without a token yet (storage lost, first call), load the flow first. */
  async #write(method: 'POST' | 'PUT', path: string, options: SendOptions): Promise<void> {
    if (!this.#deviceToken) {
      const flow = await this.loadFlow(options.signal);
      if (!this.#deviceToken) {
        const expired = flow.status === 'expired';
        throw new CaptureApiError(
          isFinalStatus(flow.status) ? `The verification is ${flow.status}.` : 'The capture API gave this device no token.',
          { status: 0, code: expired ? 'EXPIRED' : isFinalStatus(flow.status) ? 'FINISHED' : 'SERVER', retryable: false },
        );
      }
    }
    this.#throwUnlessOk(await this.#send(method, path, options), false);
  }

  /** One HTTP exchange, body included, within `timeoutMs`; network faults become NETWORK errors. */
  async #send(method: string, path: string, { body, headers = {}, timeoutMs, signal }: SendOptions): Promise<RawAnswer> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const forwardAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forwardAbort, { once: true });
    const allHeaders: Record<string, string> = { Accept: 'application/json', ...headers };
    if (this.#deviceToken) allHeaders[DEVICE_HEADER] = this.#deviceToken;
    try {
      const response = await fetch(`${this.#base}${path}`, {
        method,
        headers: allHeaders,
        ...(body === undefined ? {} : { body }),
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
        mode: 'cors',
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const message = timedOut
        ? `The capture API did not answer within ${Math.round(timeoutMs / 1000)} s.`
        : 'The capture API could not be reached; check the connection.';
      throw new CaptureApiError(message, { status: 0, code: 'NETWORK', retryable: true, cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  /** Maps a non-2xx answer to a {@link CaptureApiError}. */
  #throwUnlessOk(answer: RawAnswer, isRead: boolean): void {
    const { status } = answer;
    if (status >= 200 && status < 300) return;
    const body = parseJson(answer.text);
    const title = isRecord(body) && typeof body.error === 'string' ? body.error : '';
    const details = isRecord(body) && typeof body.details === 'string' ? body.details : '';
    const message = [title, details].filter(Boolean).join(': ') || `The capture API answered HTTP ${status}.`;
    const retryAfterMs = parseRetryAfter(answer.headers.get('Retry-After'));
    const fail = (code: CaptureApiErrorCode, retryable: boolean, extra: Partial<CaptureApiErrorInit> = {}): never => {
      throw new CaptureApiError(message, {
        status,
        code,
        retryable,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...extra,
      });
    };
    if (status === 409) fail(classifyConflict(title || details, isRead), false);
    if (status === 401) fail('OTHER_DEVICE', false);
    if (status === 404) fail('NOT_FOUND', false);
    if (status === 400) {
      const missing = isRecord(body) && Array.isArray(body.missing) ? body.missing.filter((m) => typeof m === 'string') : undefined;
      const fields = isRecord(body) && isRecord(body.fields) ? stringValues(body.fields) : undefined;
      fail('BAD_REQUEST', false, { ...(missing ? { missing } : {}), ...(fields ? { fields } : {}) });
    }
    if (status === 413) fail('BAD_REQUEST', false);
    if (status === 429) fail('RATE_LIMITED', true);
    if (status === 408) fail('NETWORK', true);
    if (status >= 500) fail('SERVER', true);
    fail('BAD_REQUEST', false);
  }

  #readToken(): string | undefined {
    try {
      return this.#storage?.getItem(deviceStorageKey(this.verificationId)) || undefined;
    } catch {
      return undefined;
    }
  }

  #writeToken(token: string): void {
    this.#deviceToken = token;
    try {
      this.#storage?.setItem(deviceStorageKey(this.verificationId), token);
    } catch {
      // Quota or a storage disabled by the user: the token still lives in this object.
    }
  }
}

/**
 * 409 means several things on the capture API; the body's `error` title tells them apart. The
 * design names only "open on another device", so an unrecognised 409 is read as that.
 */
function classifyConflict(title: string, isRead: boolean): CaptureApiErrorCode {
  if (isRead || /another device/i.test(title)) return 'OTHER_DEVICE';
  if (/expired/i.test(title)) return 'EXPIRED';
  if (/submitted|verified|manual_review|rejected|canceled|cancelled|finished|completed|failed/i.test(title)) return 'FINISHED';
  if (/terms|idempotency|not opened/i.test(title)) return 'BAD_REQUEST';
  return 'OTHER_DEVICE';
}
