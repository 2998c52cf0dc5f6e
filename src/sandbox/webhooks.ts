/**
 * Signed webhook delivery with retries. Each verification has its own queue, so its events
 * arrive in the order they happened (a receiver never sees `completed` before `started`),
 * while a slow receiver for one verification does not hold up the others.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signWebhook } from '../server/webhooks/signature.js';

/** Pauses before the 2nd, 3rd and 4th attempt, in milliseconds. */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000];
/** How long one attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 5000;

/**
 * The JSON body of one delivery. `id` is the same on every retry, so receivers can drop repeats.
 * The documents' own dialect sends only `event` and `data`, as the v1 document shows.
 */
export interface WebhookEvent {
  event: string;
  id?: string;
  created_at?: string;
  data: Record<string, unknown>;
}

/** Options of {@link WebhookSender}. */
export interface WebhookSenderOptions {
  secret: string;
  log: (line: string) => void;
  retryDelaysMs?: readonly number[];
  /**
   * `'documented'`: the body is `{ event, data }` only and the signature is the hex HMAC of the
   * body alone (the documents' "HMAC-SHA256 signature of the payload"), timestamp in seconds.
   * Default: the sandbox's own `{timestamp}.{body}` signature and an event `id`/`created_at`.
   */
  dialect?: 'sandbox' | 'documented';
}

/** Sends signed webhook events, in order per verification, with retries that `close()` stops. */
export class WebhookSender {
  readonly #queues = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #aborts = new Set<AbortController>();
  readonly #options: WebhookSenderOptions;
  #closed = false;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
  }

  /** Queues one event for `url`, behind the earlier events of the same verification. */
  send(url: string, verificationId: string, event: string, data: Record<string, unknown>): void {
    if (this.#closed) return;
    const payload: WebhookEvent =
      this.#options.dialect === 'documented'
        ? { event, data }
        : { event, id: `evt_${randomBytes(12).toString('hex')}`, created_at: new Date().toISOString(), data };
    const previous = this.#queues.get(verificationId) ?? Promise.resolve();
    const next = previous.then(() => this.#deliver(url, payload));
    this.#queues.set(verificationId, next);
    void next.then(() => {
      if (this.#queues.get(verificationId) === next) this.#queues.delete(verificationId);
    });
  }

  /** Stops retries and aborts deliveries in flight. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const abort of this.#aborts) abort.abort();
    this.#aborts.clear();
  }

  /** Tries once, then after each retry delay; never throws (failures are logged). */
  async #deliver(url: string, payload: WebhookEvent): Promise<void> {
    const delays = this.#options.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS;
    const body = JSON.stringify(payload);
    for (let attempt = 0; attempt <= delays.length; attempt += 1) {
      if (attempt > 0 && !(await this.#sleep(delays[attempt - 1] ?? 0))) return;
      if (this.#closed) return;
      // Signed per attempt: a retry carries a fresh timestamp, so it passes a receiver's
      // tolerance window even after long backoff.
      const headers = signWebhook({ body, secret: this.#options.secret, ...(this.#options.dialect === 'documented' ? { scheme: 'body:hex' as const } : {}) });
      const result = await this.#post(url, body, headers);
      if (result === 'ok') {
        this.#options.log(`webhook ${payload.event} ${payload.data.id} → ${url}: delivered (attempt ${attempt + 1})`);
        return;
      }
      this.#options.log(`webhook ${payload.event} ${payload.data.id} → ${url}: attempt ${attempt + 1} failed: ${result}`);
    }
    this.#options.log(`webhook ${payload.event} ${payload.data.id} → ${url}: gave up after ${delays.length + 1} attempts`);
  }

  /** Resolves false when close() interrupted the pause. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve(false);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve(!this.#closed);
      }, ms);
      timer.unref();
      this.#timers.add(timer);
    });
  }

  /** One POST over node:http(s); resolves 'ok' for a 2xx, else a reason. No keep-alive, so nothing lingers. */
  #post(url: string, body: string, signature: Record<string, string>): Promise<string> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve('invalid URL');
        return;
      }
      const abort = new AbortController();
      this.#aborts.add(abort);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const done = (result: string) => {
        this.#aborts.delete(abort);
        resolve(result);
      };
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          signal: abort.signal,
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: {
            ...signature,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'okid-sandbox',
            Connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            done(status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`);
          });
          res.on('error', (error) => done(error.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${ATTEMPT_TIMEOUT_MS} ms`)));
      req.on('error', (error) => done(error.message));
      req.end(body);
    });
  }
}
