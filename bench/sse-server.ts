/**
 * Server-side benchmarks of the proxy, called by `bench/run.ts`; each returns plain numbers.
 *
 * - {@link statusRouteThroughput}: requests per second of `GET /okid/verifications/{id}` with
 *   100 keep-alive connections for ~5 s. The proxy runs alone in a worker thread (one core),
 *   with an in-memory okID answer, so the number is the proxy's own cost; the load generator
 *   runs on the main thread.
 * - {@link upstreamRequestsWhileWatching}: okID requests per second while 1,000 event streams
 *   watch one verification of the sandbox for ~5 s.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createServer } from 'node:http';
import { createOkidProxy } from '../src/server/index.js';
import { startSandbox } from '../src/sandbox/index.js';

const API_KEY = 'sk_sandbox_demo';
const VERIFICATION_ID = 'ver_bench_status_route';
const WORKER_ROLE = 'okid-bench-status-server';
const silent = { warn: () => undefined, error: () => undefined };

/** Options of {@link statusRouteThroughput}. */
export interface ThroughputOptions {
  /** Measuring time in milliseconds. Default 5000. */
  durationMs?: number;
  /** Concurrent keep-alive connections. Default 100. */
  connections?: number;
}

/** Requests per second of the status route on one core. */
export async function statusRouteThroughput(options: ThroughputOptions = {}): Promise<{
  requestsPerSecond: number;
  requests: number;
  errors: number;
  connections: number;
  durationSeconds: number;
  meanLatencyMs: number;
}> {
  const durationMs = options.durationMs ?? 5000;
  const connections = options.connections ?? 100;
  // The worker runs this TypeScript file itself: it registers tsx's loader first (hooks given
  // to the parent through --import do not reach workers on Node 20).
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { role: WORKER_ROLE } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (message: { port: number }) => resolve(message.port));
      worker.once('error', reject);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const path = `/okid/verifications/${VERIFICATION_ID}`;
    let requests = 0;
    let errors = 0;
    let latencyTotal = 0;
    // Warm up (JIT, sockets) before the clock starts.
    await Promise.all(Array.from({ length: connections }, () => get(agent, port, path).catch(() => 0)));
    const start = performance.now();
    const deadline = start + durationMs;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          const status = await get(agent, port, path).catch(() => 0);
          if (status === 200) {
            requests += 1;
            latencyTotal += performance.now() - t;
          } else errors += 1;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    agent.destroy();
    return {
      requestsPerSecond: Math.round(requests / seconds),
      requests,
      errors,
      connections,
      durationSeconds: Number(seconds.toFixed(2)),
      meanLatencyMs: Number((latencyTotal / Math.max(1, requests)).toFixed(2)),
    };
  } finally {
    await worker.terminate();
  }
}

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
  const countingFetch: typeof fetch = (input, init) => {
    upstream += 1;
    return fetch(input, init);
  };
  const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, fetch: countingFetch, logger: silent, pollIntervalMs });
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
      upstreamRequestsPerSecond: Number((upstreamRequests / seconds).toFixed(2)),
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

/** The worker side: the proxy with an in-memory okID answer, on a free port. */
async function serveStatusRoute(): Promise<void> {
  const details = JSON.stringify({
    verification_id: VERIFICATION_ID,
    status: { current: 'in_progress', updated_at: new Date().toISOString(), progress: { terms: 'completed', document: 'pending' } },
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  const okid = createOkidProxy({
    apiKey: API_KEY,
    baseUrl: 'http://okid.invalid',
    logger: silent,
    fetch: async () => new Response(details, { status: 200, headers: { 'Content-Type': 'application/json' } }),
  });
  const server = createServer((req, res) => okid.node(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  parentPort!.postMessage({ port: (server.address() as AddressInfo).port });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE) void serveStatusRoute();
