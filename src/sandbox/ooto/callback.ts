/**
 * OOTO-AI's callback: at the end of a session, one unsigned `POST callbackUrl` with the Get
 * Status JSON (the document: "If you need retries/signature, implement them on your side"). The
 * sandbox retries twice, after 0.5 s and 1 s, only on a network error or a 5xx, so a receiver
 * that is restarting still hears; a 4xx is an answer and is not retried. `close()` stops retries
 * and aborts posts in flight.
 */
import { RetryingPoster } from '../post-retry.js';

/** Pauses before the 2nd and 3rd attempt, in milliseconds. */
export const OOTO_CALLBACK_RETRY_DELAYS_MS: readonly number[] = [500, 1000];

export class CallbackSender {
  readonly #poster = new RetryingPoster('okid-sandbox (OOTO-AI)');
  readonly #log: (line: string) => void;
  readonly #delays: readonly number[];

  constructor(log: (line: string) => void, delays: readonly number[] = OOTO_CALLBACK_RETRY_DELAYS_MS) {
    this.#log = log;
    this.#delays = delays;
  }

  /** Posts `body` to `url` in the background; never throws (outcomes are logged). */
  send(url: string, body: unknown, label: string): void {
    void this.#poster.deliver({
      url,
      body: JSON.stringify(body),
      headers: () => ({}),
      delaysMs: this.#delays,
      // A 4xx is an answer, not a failure to deliver.
      retry: (answer) => answer.status === 0 || answer.status >= 500,
      log: (what) => this.#log(`callback ${label}: ${what}`),
    });
  }

  close(): void {
    this.#poster.close();
  }
}
