/**
 * okID reads the proxy makes under load, called by `bench/run.ts`; each returns plain numbers.
 * (Status route throughput: `status-throughput.ts`.)
 *
 * - {@link upstreamRequestsWhileWatching}: okID requests per second while 1,000 event streams
 *   watch one verification of the sandbox for ~5 s.
 * - {@link upstreamRequestsWhilePolling}: okID requests per second while 1,000 browsers poll
 *   one verification's status every 2 s (the element's fallback when event streams are blocked).
 */
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { createOkidProxy } from '../src/server/index.js';
import { startSandbox } from '../src/sandbox/index.js';

const API_KEY = 'sk_sandbox_demo';
const silent = { warn: () => undefined, error: () => undefined };

/** Options of {@link upstreamRequestsWhileWatching}. */
export interface WatchingOptions {
  /** Measuring time in milliseconds. Default 5000. */
  durationMs?: number;
  /** Open event streams. Default 1000. */
  watchers?: number;
  /** The proxy's `pollIntervalMs`. Default 2000 (its default without webhooks). */
  pollIntervalMs?: number;
}

/** okID requests per second while many event streams watch one verification. */
export async function upstreamRequestsWhileWatching(options: WatchingOptions = {}): Promise<{
  upstreamRequestsPerSecond: number;
  upstreamRequests: number;
  watchers: number;
  pollIntervalMs: number;
  durationSeconds: number;
  connectAllMs: number;
}> {
  const durationMs = options.durationMs ?? 5000;
  const watchers = options.watchers ?? 1000;
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const sandbox = await startSandbox({ port: 0 });
  let upstream = 0;
  const readTimes: number[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    upstream += 1;
    readTimes.push(performance.now());
    return fetch(input, init);
  };
  const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, fetch: countingFetch, logger: silent, pollIntervalMs, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
  const server = createServer((req, res) => okid.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const controllers: AbortController[] = [];
  try {
    const created = await fetch(`${sandbox.url}/api/generate-verification`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-SDK-Key': API_KEY },
      body: '{}',
    });
    const { verificationId } = (await created.json()) as { verificationId: string };
    const t0 = performance.now();
    // Each stream counts once its first event arrived.
    await Promise.all(
      Array.from({ length: watchers }, async () => {
        const controller = new AbortController();
        controllers.push(controller);
        const response = await fetch(`${base}/okid/verifications/${verificationId}/events`, { signal: controller.signal });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        while (!text.includes('event: status')) {
          const { done, value } = await reader.read();
          if (done) throw new Error('stream ended early');
          text += decoder.decode(value, { stream: true });
        }
        // Keep reading in the background so the stream stays drained.
        void (async () => {
          try {
            for (;;) if ((await reader.read()).done) return;
          } catch {
            // aborted at the end
          }
        })();
      }),
    );
    const connectAllMs = Math.round(performance.now() - t0);
    const before = upstream;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const seconds = (performance.now() - start) / 1000;
    const upstreamRequests = upstream - before;
    return {
      upstreamRequestsPerSecond: rateOf(readTimes.filter((t) => t >= start), upstreamRequests / seconds),
      upstreamRequests,
      watchers,
      pollIntervalMs,
      durationSeconds: Number(seconds.toFixed(2)),
      connectAllMs,
    };
  } finally {
    for (const controller of controllers) controller.abort();
    await okid.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox.close();
  }
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Options of {@link upstreamRequestsWhilePolling}. */
export interface PollingOptions {
  /** Measuring time in milliseconds. Default 6000. */
  durationMs?: number;
  /** Polling browsers. Default 1000. */
  pollers?: number;
  /** Each browser's pause between two GETs. Default 2000 (the element's). */
  pollEveryMs?: number;
}

/** okID requests per second while many browsers poll one verification's status. */
export async function upstreamRequestsWhilePolling(options: PollingOptions = {}): Promise<{
  upstreamRequestsPerSecond: number;
  statusRequestsPerSecond: number;
  pollers: number;
  failed: number;
  durationSeconds: number;
}> {
  const durationMs = options.durationMs ?? 6000;
  const pollers = options.pollers ?? 1000;
  const pollEveryMs = options.pollEveryMs ?? 2000;
  const sandbox = await startSandbox({ port: 0 });
  const readTimes: number[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    readTimes.push(performance.now());
    return fetch(input, init);
  };
  const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, fetch: countingFetch, logger: silent, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
  const server = createServer((req, res) => okid.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: pollers });
  try {
    const created = await fetch(`${sandbox.url}/api/generate-verification`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-SDK-Key': API_KEY },
      body: '{}',
    });
    const { verificationId } = (await created.json()) as { verificationId: string };
    const path = `/okid/verifications/${verificationId}`;
    let answered = 0;
    let failed = 0;
    const start = performance.now();
    const deadline = start + durationMs;
    await Promise.all(
      Array.from({ length: pollers }, async (_, n) => {
        // Spread over the interval, as browsers that opened the page at different times are.
        await sleep((n * pollEveryMs) / pollers);
        while (performance.now() < deadline) {
          const status = await get(agent, port, path).catch(() => 0);
          if (status === 200) answered += 1;
          else failed += 1;
          await sleep(Math.min(pollEveryMs, Math.max(0, deadline - performance.now())));
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      upstreamRequestsPerSecond: rateOf(readTimes.filter((t) => t >= start), readTimes.filter((t) => t >= start).length / seconds),
      statusRequestsPerSecond: Math.round(answered / seconds),
      pollers,
      failed,
      durationSeconds: Number(seconds.toFixed(2)),
    };
  } finally {
    agent.destroy();
    await okid.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads per second from their times: one over the mean gap between consecutive reads, which a
 * window that happens to hold one read more than the rate allows cannot inflate. `fallback`
 * when there are fewer than two.
 */
function rateOf(times: readonly number[], fallback: number): number {
  if (times.length < 2) return Number(fallback.toFixed(2));
  return Number(((times.length - 1) / ((times.at(-1)! - times[0]!) / 1000)).toFixed(2));
}
