/**
 * The sandbox's outgoing POSTs (okID's signed webhooks, OOTO-AI's unsigned callback): one attempt,
 * then one more after each pause, each over its own connection (no keep-alive, so nothing lingers),
 * logged per attempt. `close()` ends every pause and aborts every post in flight.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How long one attempt may take before it counts as a network error. */
const ATTEMPT_TIMEOUT_MS = 5000;

/** One attempt's answer: the HTTP status; 0 when no answer came (a network error), -1 for a URL that cannot be posted to. */
export interface PostAnswer {
  status: number;
  reason: string;
}

/** What one delivery posts and how it reports. */
export interface Delivery {
  url: string;
  body: string;
  /** Headers of each attempt (called per attempt: a signature can carry a fresh timestamp). */
  headers: () => Record<string, string>;
  /** Pauses before the 2nd, 3rd… attempt, in milliseconds. */
  delaysMs: readonly number[];
  /** Whether an answer that is not a 2xx (or a network error, status 0) is worth another attempt. */
  retry: (answer: PostAnswer) => boolean;
  /** Says what happened, e.g. `delivered (attempt 1)`; the caller adds what was sent where. */
  log: (what: string) => void;
}

export class RetryingPoster {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #aborts = new Set<AbortController>();
  readonly #userAgent: string;
  #closed = false;

  constructor(userAgent: string) {
    this.#userAgent = userAgent;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops pauses and aborts posts in flight. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const abort of this.#aborts) abort.abort();
    this.#aborts.clear();
  }

  /** Tries once, then after each pause while `retry` says so; never throws (outcomes are logged). */
  async deliver(delivery: Delivery): Promise<void> {
    const { delaysMs, log } = delivery;
    for (let attempt = 0; attempt <= delaysMs.length; attempt += 1) {
      if (attempt > 0 && !(await this.#sleep(delaysMs[attempt - 1] ?? 0))) return;
      if (this.#closed) return;
      const answer = await this.#post(delivery.url, delivery.body, delivery.headers());
      if (answer.status >= 200 && answer.status < 300) {
        log(`delivered (attempt ${attempt + 1})`);
        return;
      }
      log(`attempt ${attempt + 1} failed: ${answer.reason}`);
      if (!delivery.retry(answer)) return;
    }
    log(`gave up after ${delaysMs.length + 1} attempts`);
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

  #post(url: string, body: string, headers: Record<string, string>): Promise<PostAnswer> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ status: -1, reason: 'invalid URL' });
        return;
      }
      const abort = new AbortController();
      this.#aborts.add(abort);
      const done = (answer: PostAnswer) => {
        this.#aborts.delete(abort);
        resolve(answer);
      };
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          signal: abort.signal,
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: {
            ...headers,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': this.#userAgent,
            Connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => done({ status: res.statusCode ?? 0, reason: `HTTP ${res.statusCode ?? 0}` }));
          res.on('error', (error) => done({ status: 0, reason: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${ATTEMPT_TIMEOUT_MS} ms`)));
      req.on('error', (error) => done({ status: 0, reason: error.message }));
      req.end(body);
    });
  }
}
