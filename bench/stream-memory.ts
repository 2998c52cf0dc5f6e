/**
 * Memory per open event stream, and the time for 10,000 streams to receive one final status.
 * The proxy runs in its own process (`stream-server.ts`, with `--expose-gc`); this process holds
 * the 10,000 client connections, reading each as a browser's `EventSource` would. The proxy's
 * heap is measured after a full GC with no stream open, with all open, and after all closed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { STREAM_BENCH_ID } from './stream-server.js';
import type { HeapFigures } from './stream-server.js';

/** What {@link measureStreams} reports. */
export interface StreamFigures {
  streams: number;
  /** Proxy heap + external bytes per open stream. */
  bytesPerStream: number;
  /** Time to open every stream and receive its first snapshot, ms. */
  openAllMs: number;
  /** From the final status published on the hub to the last stream receiving it, ms. */
  finalToAllMs: number;
  /** Proxy heap + external bytes after every stream closed, minus before any opened. */
  bytesLeftAfterClose: number;
  /** okID reads during the whole run. */
  okidReads: number;
}

const serverScript = process.env.BENCH_SERVER ?? fileURLToPath(new URL('./stream-server.ts', import.meta.url));

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** One stream as a browser reads it: resolves `first` on its first status, `final` on `completed`. */
function openStream(agent: Agent, port: number): { first: Promise<void>; final: Promise<void>; request: ClientRequest } {
  let onFirst!: () => void;
  let onFinal!: () => void;
  let onError!: (error: Error) => void;
  const first = new Promise<void>((resolve, reject) => ((onFirst = resolve), (onError = reject)));
  const final = new Promise<void>((resolve) => (onFinal = resolve));
  const req = request({ host: '127.0.0.1', port, path: `/okid/verifications/${STREAM_BENCH_ID}/events`, agent, headers: { Accept: 'text/event-stream' } }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('event: status')) onFirst();
      if (text.includes('"completed"')) onFinal();
      // Only the tail matters once the first status is in.
      if (text.length > 4096) text = text.slice(-1024);
    });
    res.on('error', () => undefined);
  });
  req.on('error', (error) => onError(error));
  req.end();
  return { first, final, request: req };
}

/** Opens `streams` streams (in batches), measures, publishes the final status, closes all. */
export async function measureStreams(streams = 10_000): Promise<StreamFigures> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serverScript], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`stream server exited (${code})`)));
      child.on('message', (message: { type: string; port?: number }) => message.type === 'port' && resolve(message.port!));
    });
    // A first stream, closed again: code paths compiled and the hub's structures allocated
    // before the baseline.
    const warm = openStream(agent, port);
    await warm.first;
    warm.request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const base = await ask<HeapFigures>(child, 'heap');

    const t0 = performance.now();
    const open: ReturnType<typeof openStream>[] = [];
    for (let n = 0; n < streams; n += 500) {
      const batch = Array.from({ length: Math.min(500, streams - n) }, () => openStream(agent, port));
      open.push(...batch);
      await Promise.all(batch.map((s) => s.first));
    }
    const openAllMs = Math.round(performance.now() - t0);
    const loaded = await ask<HeapFigures>(child, 'heap');

    const t1 = performance.now();
    await ask(child, 'final');
    await Promise.all(open.map((s) => s.final));
    const finalToAllMs = Math.round(performance.now() - t1);

    for (const s of open) s.request.destroy();
    open.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const closed = await ask<HeapFigures>(child, 'heap');
    const { reads } = await ask<{ reads: number }>(child, 'reads');
    const total = (h: HeapFigures): number => h.heapUsed + h.external;
    return {
      streams,
      bytesPerStream: Math.round((total(loaded) - total(base)) / streams),
      openAllMs,
      finalToAllMs,
      bytesLeftAfterClose: total(closed) - total(base),
      okidReads: reads,
    };
  } finally {
    agent.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await measureStreams(Number(process.env.BENCH_STREAMS ?? 10_000)));
}
