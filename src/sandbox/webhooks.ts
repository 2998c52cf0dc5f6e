/**
 * Signed webhook delivery with retries. Each verification has its own queue, so its events
 * arrive in the order they happened (a receiver never sees `completed` before `started`),
 * while a slow receiver for one verification does not hold up the others.
 */
import { randomBytes } from 'node:crypto';
import { signWebhook } from '../server/webhooks/signature.js';
import { RetryingPoster } from './post-retry.js';

/** Pauses before the 2nd, 3rd and 4th attempt, in milliseconds. */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000];

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
  readonly #poster = new RetryingPoster('okid-sandbox');
  readonly #options: WebhookSenderOptions;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
  }

  /** Queues one event for `url`, behind the earlier events of the same verification. */
  send(url: string, verificationId: string, event: string, data: Record<string, unknown>): void {
    if (this.#poster.closed) return;
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
    this.#poster.close();
  }

  /** Tries once, then after each retry delay; never throws (failures are logged). */
  #deliver(url: string, payload: WebhookEvent): Promise<void> {
    const body = JSON.stringify(payload);
    return this.#poster.deliver({
      url,
      body,
      // Signed per attempt: a retry carries a fresh timestamp, so it passes a receiver's
      // tolerance window even after long backoff.
      headers: () => signWebhook({ body, secret: this.#options.secret, ...(this.#options.dialect === 'documented' ? { scheme: 'body:hex' as const } : {}) }),
      delaysMs: this.#options.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS,
      retry: () => true,
      log: (what) => this.#options.log(`webhook ${payload.event} ${payload.data.id} → ${url}: ${what}`),
    });
  }
}
