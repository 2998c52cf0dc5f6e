/**
 * A real Server-Sent Events reader for the Node tests: parses a `fetch` response body as it
 * arrives (events, comments, `retry:`), lets a test wait for an event or for the end, and
 * cancels cleanly. Plus a hub wrapper that counts what the proxy does with it.
 */
import assert from 'node:assert/strict';
import type { StatusSnapshot } from '../../src/core/protocol.js';
import type { OkidHub } from '../../src/server/index.js';

/** One parsed event. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads an event stream until it ends or is cancelled. */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  /** Resolves when the server ends the stream (or it is cancelled). */
  readonly done: Promise<void>;
  ended = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #waiters = new Set<() => void>();

  constructor(readonly response: Response) {
    assert.ok(response.body, 'an event stream has a body');
    this.#reader = response.body.getReader();
    this.done = this.#pump();
  }

  /** Status snapshots received so far. */
  get snapshots(): StatusSnapshot[] {
    return this.events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data) as StatusSnapshot);
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          this.#block(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch {
      // Cancelled or the connection dropped: either way, the stream is over.
    } finally {
      this.ended = true;
      this.#wake();
    }
  }

  #block(block: string): void {
    const event: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'retry') this.retry = Number(value);
      else if (field === 'id') (event.id = value), (isEvent = true);
      else if (field === 'event') (event.event = value), (isEvent = true);
      else if (field === 'data') data.push(value), (isEvent = true);
    }
    if (isEvent) {
      event.data = data.join('\n');
      this.events.push(event);
    }
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Waits until `check()` holds, re-checking on every block received; fails after `ms`. */
  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`SSE: ${what} not seen in ${ms} ms; events: ${JSON.stringify(this.events)}`));
      }, ms);
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
    });
  }

  /** Waits for a status snapshot with `status`. */
  async status(status: string, ms = 5000): Promise<StatusSnapshot> {
    await this.until(() => this.snapshots.some((s) => s.status === status), `status ${status}`, ms);
    return this.snapshots.find((s) => s.status === status)!;
  }

  /** Waits for the server to end the stream. */
  async waitEnd(ms = 5000): Promise<void> {
    await this.until(() => this.ended, 'the end of the stream', ms);
  }

  /** Closes the stream from the client side. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
    await this.done;
  }
}

/** Opens an event stream with fetch; asserts a 200 event stream. */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers } });
  assert.equal(response.status, 200, `GET ${url}: ${response.status}`);
  assert.match(response.headers.get('Content-Type') ?? '', /^text\/event-stream/);
  return new SseReader(response);
}

/** Counts a hub's use: live subscriptions, publishes, leases. */
export interface CountingHub extends OkidHub {
  readonly counts: { subscriptions: number; published: StatusSnapshot[] };
}

/** Wraps a hub to count what goes through it. */
export function countingHub(inner: OkidHub): CountingHub {
  const counts = { subscriptions: 0, published: [] as StatusSnapshot[] };
  return {
    counts,
    async publish(snapshot) {
      counts.published.push(snapshot);
      await inner.publish(snapshot);
    },
    async subscribe(id, listener) {
      const unsubscribe = await inner.subscribe(id, listener);
      counts.subscriptions += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        counts.subscriptions -= 1;
        unsubscribe();
      };
    },
    markSeen: (key, ttl) => inner.markSeen(key, ttl),
    forget: (key) => inner.forget(key),
    acquireLease: (name, owner, ttl) => inner.acquireLease(name, owner, ttl),
    releaseLease: (name, owner) => inner.releaseLease(name, owner),
    close: () => inner.close(),
  };
}

/** Polls `check` every 10 ms until it holds; fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not reached in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
