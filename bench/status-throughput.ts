/**
 * Status route throughput: `GET /okid/verifications/{id}` through `createOkidProxy`, beside a
 * bare `node:http` handler answering the same JSON, in the same run, with the same load
 * generator (autocannon, 100 keep-alive connections), in alternating rounds. Each server runs alone in a child process
 * pinned to one core (where `taskset` exists); autocannon runs here, on the other. Also counts
 * the okID reads the proxy made for the one id being asked.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BENCH_VERIFICATION_ID } from './status-server.js';

/** One server's figures. */
export interface ThroughputFigures {
  requestsPerSecond: number;
  p99LatencyMs: number;
  non2xx: number;
  errors: number;
}

/** The proxy beside the bare handler. */
export interface ThroughputComparison {
  proxy: ThroughputFigures;
  bare: ThroughputFigures;
  /** proxy / bare. */
  ratio: number;
  /** okID reads per second the proxy made while measured. */
  okidReadsPerSecond: number;
  pinned: boolean;
}

const serverScript = fileURLToPath(new URL('./status-server.ts', import.meta.url));

interface Running {
  child: ChildProcess;
  port: number;
  /** okID reads so far, and the times (ms, the server's clock) of those since the last call. */
  reads(): Promise<{ reads: number; times: number[] }>;
  stop(): Promise<void>;
}

async function startServer(role: 'proxy' | 'bare', pinned: boolean): Promise<Running> {
  const args = ['--import', 'tsx', serverScript, role];
  // Core 1 for the server; this process (autocannon) keeps the rest.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (pinned && child.pid !== undefined) {
    // Pinned after the start (taskset as a wrapper would lose the IPC channel); threads started
    // later inherit it.
    spawnSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)], { stdio: 'ignore' });
  }
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    child.on('message', (message: { type: string; port?: number }) => {
      if (message.type === 'port') resolve(message.port!);
    });
  });
  return {
    child,
    port,
    reads: () =>
      new Promise<{ reads: number; times: number[] }>((resolve) => {
        const onMessage = (message: { type: string; reads?: number; times?: number[] }): void => {
          if (message.type !== 'reads') return;
          child.off('message', onMessage);
          resolve({ reads: message.reads!, times: message.times! });
        };
        child.on('message', onMessage);
        child.send({ type: 'reads' });
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function load(port: number, durationSeconds: number): Promise<ThroughputFigures> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/okid/verifications/${BENCH_VERIFICATION_ID}`, connections: 100, duration: durationSeconds },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          requestsPerSecond: Math.round(result.requests.average),
          p99LatencyMs: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
        });
      },
    );
  });
}

/**
 * Measures both servers in turns, `rounds` times `durationSeconds` each after a warm-up, and
 * keeps each one's best round: on a machine shared with other work, the best round is the one
 * least disturbed by it, and alternating gives both servers the same chances.
 */
export async function compareStatusThroughput(durationSeconds = 3, rounds = 3): Promise<ThroughputComparison> {
  const pinned = existsSync('/usr/bin/taskset');
  const servers = { bare: await startServer('bare', pinned), proxy: await startServer('proxy', pinned) };
  const best: Partial<Record<'proxy' | 'bare', ThroughputFigures>> = {};
  /** Mean gap between consecutive okID reads, per proxy round. */
  const gaps: number[] = [];
  try {
    for (const server of Object.values(servers)) await load(server.port, 1); // warm-up: JIT, sockets
    for (let round = 0; round < rounds; round += 1) {
      for (const role of ['bare', 'proxy'] as const) {
        const server = servers[role];
        await server.reads();
        const figures = await load(server.port, durationSeconds);
        if (role === 'proxy') {
          // From the gaps between reads: a round's first read (the cache is cold after the other
          // server's round) would otherwise count as a second read within its first second.
          const { times } = await server.reads();
          if (times.length > 1) gaps.push((times.at(-1)! - times[0]!) / (times.length - 1));
        }
        if (!best[role] || figures.requestsPerSecond > best[role]!.requestsPerSecond) best[role] = figures;
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
  const { proxy, bare } = best as Record<'proxy' | 'bare', ThroughputFigures>;
  return {
    proxy,
    bare,
    ratio: Number((proxy.requestsPerSecond / bare.requestsPerSecond).toFixed(2)),
    okidReadsPerSecond: Number((1000 / (gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length)).toFixed(2)),
    pinned,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await compareStatusThroughput(Number(process.env.BENCH_SECONDS ?? 3)));
}
