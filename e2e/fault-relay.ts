/**
 * A fault-injecting HTTP relay for end-to-end tests: it sits between the proxy and okID (the
 * sandbox) on 127.0.0.1, forwards every request over a real socket while healthy, and on demand
 * answers in the ways okID misbehaves in production: an HTTP error with any headers, a body that
 * is not JSON, a connection reset, an answer that never comes, or no listener at all (okID down),
 * then listens again on the same port. Only the network is faked, never the proxy's fetch.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the relay does with each request while the fault lasts. */
export type Fault =
  /** Answers itself with this status, headers and body instead of asking okID. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  /** Resets the connection (TCP RST) as soon as the request arrives. */
  | { kind: 'reset' }
  /** Reads the request and never answers, until the fault ends. */
  | { kind: 'hang' };

export interface FaultRelay {
  /** `http://127.0.0.1:{port}`: give it to the proxy as okID's base URL. */
  readonly url: string;
  /** Requests that reached the relay, by outcome. */
  readonly counts: { forwarded: number; faulted: number };
  /** Starts a fault, or ends it with `undefined` (hung requests are then cut). */
  setFault(fault: Fault | undefined): void;
  /** Stops listening and cuts every connection: okID is down (connections are refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay in front of `target` (a base URL such as the sandbox's). */
export async function startFaultRelay(target: string): Promise<FaultRelay> {
  const upstream = new URL(target);
  let fault: Fault | undefined;
  const hung = new Set<Socket>();
  const counts = { forwarded: 0, faulted: 0 };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    counts.forwarded++;
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const now = fault;
    if (!now) return forward(req, res);
    counts.faulted++;
    if (now.kind === 'reset') return req.socket.resetAndDestroy();
    if (now.kind === 'hang') {
      hung.add(req.socket);
      req.socket.once('close', () => hung.delete(req.socket));
      req.resume();
      return;
    }
    req.resume();
    res.writeHead(now.status, { 'Content-Type': 'application/json', ...now.headers });
    res.end(now.body ?? JSON.stringify({ error: `Injected ${now.status}` }));
  };

  let server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of hung) socket.destroy();
    await closed;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    setFault(next) {
      fault = next;
      if (!next) for (const socket of hung) socket.destroy();
    },
    down: stop,
    async up() {
      if (listening) return;
      server = createServer(handle);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      listening = true;
    },
    close: stop,
  };
}
