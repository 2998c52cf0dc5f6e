/**
 * OOTO-AI's callback: at the end of a session, one unsigned `POST callbackUrl` with the Get
 * Status JSON (the document: "If you need retries/signature, implement them on your side"). The
 * sandbox retries twice, after 0.5 s and 1 s, only on a network error or a 5xx, so a receiver
 * that is restarting still hears; a 4xx is an answer and is not retried. `close()` stops retries
 * and aborts posts in flight.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Pauses before the 2nd and 3rd attempt, in milliseconds. */
export const OOTO_CALLBACK_RETRY_DELAYS_MS: readonly number[] = [500, 1000];
/** How long one attempt may take before it counts as a network error. */
const ATTEMPT_TIMEOUT_MS = 5000;

/** The result of one attempt: delivered, refused (a 4xx or other answer: final) or worth a retry. */
type Attempt = { kind: 'ok' } | { kind: 'final'; reason: string } | { kind: 'retry'; reason: string };

export class CallbackSender {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #aborts = new Set<AbortController>();
  readonly #log: (line: string) => void;
  readonly #delays: readonly number[];
  #closed = false;

  constructor(log: (line: string) => void, delays: readonly number[] = OOTO_CALLBACK_RETRY_DELAYS_MS) {
    this.#log = log;
    this.#delays = delays;
  }

  /** Posts `body` to `url` in the background; never throws (outcomes are logged). */
  send(url: string, body: unknown, label: string): void {
    void this.#deliver(url, JSON.stringify(body), label);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const abort of this.#aborts) abort.abort();
    this.#aborts.clear();
  }

  async #deliver(url: string, body: string, label: string): Promise<void> {
    for (let attempt = 0; attempt <= this.#delays.length; attempt += 1) {
      if (attempt > 0 && !(await this.#sleep(this.#delays[attempt - 1] ?? 0))) return;
      if (this.#closed) return;
      const result = await this.#post(url, body);
      if (result.kind === 'ok') {
        this.#log(`callback ${label}: delivered (attempt ${attempt + 1})`);
        return;
      }
      this.#log(`callback ${label}: attempt ${attempt + 1} failed: ${result.reason}`);
      if (result.kind === 'final') return;
    }
    this.#log(`callback ${label}: gave up after ${this.#delays.length + 1} attempts`);
  }

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

  #post(url: string, body: string): Promise<Attempt> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ kind: 'final', reason: 'invalid URL' });
        return;
      }
      const abort = new AbortController();
      this.#aborts.add(abort);
      const done = (result: Attempt) => {
        this.#aborts.delete(abort);
        resolve(result);
      };
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          signal: abort.signal,
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'okid-sandbox (OOTO-AI)', Connection: 'close' },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) done({ kind: 'ok' });
            else done(status >= 500 ? { kind: 'retry', reason: `HTTP ${status}` } : { kind: 'final', reason: `HTTP ${status}` });
          });
          res.on('error', (error) => done({ kind: 'retry', reason: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${ATTEMPT_TIMEOUT_MS} ms`)));
      req.on('error', (error) => done({ kind: 'retry', reason: error.message }));
      req.end(body);
    });
  }
}
