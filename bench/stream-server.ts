/**
 * The server side of the event-stream benchmarks, as a child process of its own started with
 * `--expose-gc`, so its heap holds only the proxy and its streams: `createOkidProxy` with an
 * in-memory okID answer (counting reads) and the default in-memory hub. Answers IPC messages:
 * `heap` (after a full GC: heap and external bytes, open streams, watches), `final` (publishes
 * the final status through the hub, as a webhook would), `reads` (okID reads so far).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { serverModule } from './server-module.js';

/** The verification the streams watch. */
export const STREAM_BENCH_ID = 'ver_bench_streams';

/** Replies to a parent's `heap` message. */
export interface HeapFigures {
  type: 'heap';
  heapUsed: number;
  external: number;
  rss: number;
}

async function main(): Promise<void> {
  const { createMemoryHub, createOkidProxy } = await serverModule();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let reads = 0;
  const updatedAt = new Date().toISOString();
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const details = JSON.stringify({
    verification_id: STREAM_BENCH_ID,
    status: { current: 'in_progress', updated_at: updatedAt, progress: { terms: 'completed' } },
    expires_at: expiresAt,
  });
  const hub = createMemoryHub();
  const okid = createOkidProxy({
    apiKey: 'sk_bench',
    baseUrl: 'http://okid.invalid',
    hub,
    logger: { warn: () => undefined, error: () => undefined },
    pollIntervalMs: Number(process.env.BENCH_POLL_MS ?? 2000),
    // The load generator is one address standing for many browsers.
    limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity },
    fetch: async () => {
      reads += 1;
      return new Response(details, { status: 200, headers: { 'Content-Type': 'application/json' } });
    },
  });
  const server = createServer((req, res) => okid.node(req, res));
  server.maxConnections = 20_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'heap') {
      // Twice: the first pass finalizes what the second frees.
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      const usage = process.memoryUsage();
      process.send!({ type: 'heap', heapUsed: usage.heapUsed, external: usage.external, rss: usage.rss } satisfies HeapFigures);
    } else if (message.type === 'final') {
      await hub.publish({
        verificationId: STREAM_BENCH_ID,
        status: 'completed',
        outcome: 'verified',
        progress: { terms: 'completed', document: 'completed', liveness: 'completed' },
        updatedAt: new Date().toISOString(),
        expiresAt,
      });
      process.send!({ type: 'final' });
    } else if (message.type === 'heap-snapshot') {
      // For finding what a stream holds: `node:v8` writes it next to the working directory.
      gc();
      process.send!({ type: 'heap-snapshot', file: writeHeapSnapshot() });
    } else if (message.type === 'reads') {
      process.send!({ type: 'reads', reads });
    }
  });
  process.once('SIGTERM', () => process.exit(0));
  process.send!({ type: 'port', port: (server.address() as AddressInfo).port });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) void main();
