/**
 * A real, throwaway redis-server for the Redis hub tests: a free port, no persistence, stopped
 * after the suite. When redis-server is not installed the tests fail with a message saying so
 * (CI installs it); they never skip silently.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running redis-server, which a fault test can freeze, kill and start again on its port. */
export interface RedisServer {
  url: string;
  port: number;
  /** SIGSTOP: connections stay open, nothing answers (a hung node, a half-open link). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** SIGKILL: connections drop; its data is gone. */
  kill(): Promise<void>;
  /** Starts a fresh redis-server on the same port after {@link kill}. */
  restart(): Promise<void>;
  /** True until killed or stopped. */
  readonly running: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

interface Running {
  child: ChildProcess;
  exited: Promise<unknown>;
}

async function spawnRedis(port: number): Promise<Running> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const deadline = Date.now() + 5000;
  for (;;) {
    const failure = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
    if (failure) {
      throw new Error(
        (failure as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'redis-server is not installed: the Redis hub tests need a real Redis. Install it (apt-get install -y redis-server) and run them again.'
          : `redis-server could not start: ${failure.message}`,
      );
    }
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output.join('')}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not listen on ${port} within 5 s: ${output.join('')}`);
    }
  }
  return { child, exited };
}

/** Starts `redis-server` on a free port of 127.0.0.1. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let running = await spawnRedis(port);
  const alive = (): boolean => running.child.exitCode === null && running.child.signalCode === null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return alive();
    },
    freeze: () => void running.child.kill('SIGSTOP'),
    thaw: () => void running.child.kill('SIGCONT'),
    kill: async () => {
      if (!alive()) return;
      running.child.kill('SIGKILL');
      await running.exited;
    },
    restart: async () => {
      if (alive()) throw new Error('redis-server is still running: kill() it first');
      running = await spawnRedis(port);
    },
    stop: async () => {
      if (!alive()) return;
      // A frozen server ignores SIGTERM until it runs again.
      running.child.kill('SIGCONT');
      running.child.kill('SIGTERM');
      await Promise.race([running.exited, sleep(3000).then(() => running.child.kill('SIGKILL'))]);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
