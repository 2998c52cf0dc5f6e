/**
 * The proxy's memory returns near its start after 10,000 event streams open and close: the
 * proxy runs alone in a child process (`proxy-memory-server.ts`, `--expose-gc`) against the
 * real sandbox over HTTP; this process opens the streams, 500 at a time, over 50 verifications
 * (so watches start and stop too), reads each one's first status and leaves. A leak of 200
 * bytes per stream (an open one costs about 7 KB) would show as 2 MB.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import { createV2 } from './proxy-helpers.js';

const STREAMS = Number(process.env.OKID_MEMORY_STREAMS ?? 10_000);
const BATCH = 500;
const server = fileURLToPath(new URL('./proxy-memory-server.ts', import.meta.url));

describe('proxy memory', () => {
  it(`returns near its start after ${STREAMS.toLocaleString('en')} streams open and close`, { timeout: 120_000 }, async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', server, sandbox.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`proxy process exited (${code})`)));
        child.on('message', (m: { type: string; port?: number }) => m.type === 'port' && resolve(m.port!));
      });
      const heap = () =>
        new Promise<{ bytes: number; heapUsed: number; external: number; connections: number }>((resolve) => {
          const onMessage = (m: { type: string; bytes: number; heapUsed: number; external: number; connections: number }): void => {
            if (m.type !== 'heap') return;
            child.off('message', onMessage);
            resolve(m);
          };
          child.on('message', onMessage);
          child.send({ type: 'heap' });
        });
      const ids = await Promise.all(Array.from({ length: 50 }, () => createV2(sandbox.url)));
      /** Opens one stream, waits for its first status, leaves; resolves when the proxy saw it go. */
      const visit = (id: string) =>
        new Promise<void>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: `/okid/verifications/${id}/events`, agent }, (res) => {
            assert.equal(res.statusCode, 200);
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (chunk: string) => {
              text += chunk;
              if (text.includes('event: status')) req.destroy();
            });
            res.on('close', () => resolve());
          });
          req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
          req.end();
        });
      const batch = (n: number) => Promise.all(Array.from({ length: BATCH }, (_, k) => visit(ids[(n * BATCH + k) % ids.length]!)));

      // A few batches first: code compiled and optimized, pools allocated, before the baseline.
      for (let n = 0; n < 4; n += 1) await batch(n);
      const idle = async () => {
        // Until the proxy has seen every connection close.
        for (let tries = 0; tries < 100; tries += 1) {
          const figures = await heap();
          if (figures.connections === 0) return figures;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.fail('connections still open on the proxy');
      };
      const start = await idle();
      for (let n = 0; n < STREAMS / BATCH; n += 1) await batch(n);
      const end = await idle();
      const grown = end.bytes - start.bytes;
      console.log(`proxy memory: heap ${start.heapUsed} → ${end.heapUsed}, external ${start.external} → ${end.external}; ${start.bytes} bytes before, ${end.bytes} after ${STREAMS} streams (${grown} grown, ${(grown / STREAMS).toFixed(1)} per stream)`);
      // An open stream costs the proxy about 7 KB (bench/stream-memory.ts); what V8 and Node
      // keep for themselves varies by about a megabyte from run to run and does not grow with
      // the number of streams. Under 200 bytes a stream, nothing of a stream stays behind.
      assert.ok(grown < 200 * STREAMS, `the proxy kept ${grown} bytes after ${STREAMS} streams closed`);
    } finally {
      agent.destroy();
      child.disconnect();
      await exited;
      await sandbox.close();
    }
  });
});
