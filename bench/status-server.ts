/**
 * A server for the throughput benchmark, run as a child process of its own (so each server has
 * a core to itself and the load generator another): `proxy` serves `createOkidProxy` with an
 * in-memory okID answer (counting the reads that reach it); `bare` is a plain `node:http`
 * handler answering the same JSON, the ceiling the proxy is compared with. Tells its parent the
 * port over IPC, and answers `{ type: 'reads' }` with the okID reads so far and the times of
 * those since the last such question.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serverModule } from './server-module.js';

/** The verification the benchmark asks about. */
export const BENCH_VERIFICATION_ID = 'ver_bench_status_route';

const updatedAt = new Date().toISOString();
const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
/** okID's answer (v2 details). */
const details = JSON.stringify({
  verification_id: BENCH_VERIFICATION_ID,
  status: { current: 'in_progress', updated_at: updatedAt, progress: { terms: 'completed', document: 'pending' } },
  expires_at: expiresAt,
});
/** What the proxy answers for it, byte for byte: the bare server answers the same. */
const snapshotJson = JSON.stringify({
  verificationId: BENCH_VERIFICATION_ID,
  status: 'in_progress',
  progress: { terms: 'completed', document: 'pending' },
  updatedAt,
  expiresAt,
});

async function main(role: string): Promise<void> {
  let reads = 0;
  const readTimes: number[] = [];
  let handler: Parameters<typeof createServer>[1];
  if (role === 'proxy') {
    const { createOkidProxy } = await serverModule();
    const okid = createOkidProxy({
      apiKey: 'sk_bench',
      baseUrl: 'http://okid.invalid',
      logger: { warn: () => undefined, error: () => undefined },
      fetch: async () => {
        reads += 1;
        readTimes.push(performance.now());
        return new Response(details, { status: 200, headers: { 'Content-Type': 'application/json' } });
      },
    });
    handler = (req, res) => okid.node(req, res);
  } else {
    handler = (req, res) => {
      if (req.url !== `/okid/verifications/${BENCH_VERIFICATION_ID}`) {
        res.statusCode = 404;
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache, private' });
      res.end(snapshotJson);
    };
  }
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'reads') process.send!({ type: 'reads', reads, times: readTimes.splice(0) });
  });
  // A normal exit on SIGTERM, so `--cpu-prof` can write its profile.
  process.once('SIGTERM', () => process.exit(0));
  process.send!({ type: 'port', port: (server.address() as AddressInfo).port });
}

// Only as the benchmark's child process (importing this file for its constants starts nothing).
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) void main(process.argv[2] ?? 'proxy');
