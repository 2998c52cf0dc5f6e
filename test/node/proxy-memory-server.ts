/**
 * The proxy alone in a child process started with `--expose-gc`, for the memory test: okID is
 * the sandbox at the URL given as the first argument. Answers the IPC message `heap` with its
 * heap and external bytes after a full GC, and the open streams and watches it still holds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOkidProxy } from '../../src/server/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('run as a child process with --expose-gc and an IPC channel');
const okid = createOkidProxy({ apiKey: 'sk_sandbox_demo', baseUrl: process.argv[2]!, logger: { warn: () => undefined, error: () => undefined }, pollIntervalMs: 200, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
const server = createServer((req, res) => okid.node(req, res));
server.listen(0, '127.0.0.1', 2048, () => process.send!({ type: 'port', port: (server.address() as AddressInfo).port }));
process.on('message', async (message: { type: string }) => {
  if (message.type !== 'heap') return;
  // Several full collections with pauses between: V8 sweeps concurrently, and a page not yet
  // swept still counts as used.
  for (let round = 0; round < 3; round += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { heapUsed, external } = process.memoryUsage();
  process.send!({ type: 'heap', bytes: heapUsed + external, heapUsed, external, connections: await new Promise((resolve) => server.getConnections((_, n) => resolve(n))) });
});
process.once('disconnect', () => {
  void okid.close();
  server.closeAllConnections();
  server.close();
});
