/**
 * One port that speaks both plain HTTP and HTTPS. A phone on the local network needs HTTPS for
 * the camera (browsers give `getUserMedia` only to secure pages), while `http://localhost` is
 * already secure and should stay free of certificate warnings on the computer. So the server
 * reads the first byte of each connection: 0x16 opens a TLS handshake, anything else is HTTP.
 *
 * The port belongs to a plain `net` server, which hands each socket to an inner `http` or
 * `https` server that never listens itself. Node arms those servers' header and request
 * timeouts only on their `listening` event, so this module emits it for them: without it a
 * client that sends one byte, or trickles header lines, or finishes a TLS handshake and says
 * nothing, holds its socket forever. Connections are capped too ({@link ConnectionLimits}):
 * at the cap, the oldest connection that has not yet sent a whole request makes room for the
 * new one, so a flood of stalled sockets neither exhausts the open-file limit nor locks out a
 * real request.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** A PEM certificate (chain) and its private key. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/**
 * How long a connection may stall, and how many may be open, in milliseconds and connections.
 * The defaults are Node's own for `http.createServer` and `https.createServer`; tests pass
 * small values.
 */
export interface ConnectionLimits {
  /** Most connections open at once, both protocols together; default 100. */
  maxConnections?: number;
  /** A connection that sends nothing at all is closed after this long; default 10,000. */
  firstByteTimeout?: number;
  /** The whole TLS handshake must end within this; default 120,000 (Node's `handshakeTimeout`). */
  handshakeTimeout?: number;
  /** A request's headers must be complete within this; default 60,000 (Node's `headersTimeout`). */
  headersTimeout?: number;
  /** A whole request (headers and body) must arrive within this; default 300,000 (Node's `requestTimeout`). */
  requestTimeout?: number;
  /** An idle keep-alive connection is closed after this; default 5,000 (Node's `keepAliveTimeout`). */
  keepAliveTimeout?: number;
  /** How often the header and request timeouts are checked; default 30,000 (Node's `connectionsCheckingInterval`). */
  connectionsCheckingInterval?: number;
}

/** The values {@link ConnectionLimits} takes when a field is left out. */
export const DEFAULT_CONNECTION_LIMITS: Readonly<Required<ConnectionLimits>> = Object.freeze({
  maxConnections: 100,
  firstByteTimeout: 10_000,
  handshakeTimeout: 120_000,
  headersTimeout: 60_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 30_000,
});

/** A listening web server; `address()` is the port both protocols share. */
export interface WebServer {
  /** Starts listening; rejects on `EADDRINUSE` and the like. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections; resolves when the listener is closed. */
  close(): Promise<void>;
  /** Ends every open connection, HTTP and HTTPS (event streams included). */
  closeAllConnections(): void;
  /** True when HTTPS is served beside HTTP. */
  readonly tls: boolean;
  /** The limits in force, defaults filled in. */
  readonly limits: Readonly<Required<ConnectionLimits>>;
  /** Connections open now, both protocols together. */
  readonly connections: number;
}

/** The first byte of a TLS record that carries a handshake (every TLS connection starts so). */
const TLS_HANDSHAKE = 0x16;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Takes an HTTP upgrade (a WebSocket) on either protocol: `socket` is the plain or TLS socket,
 * `head` the bytes read past the request's headers.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * A request that took too long gets a bare 408, one Node cannot even parse a bare 400, instead
 * of an unhandled error.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: { writable: boolean; end(data: string): void; destroy(): void }): void {
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  else socket.destroy();
}

/** `limits` checked (whole numbers, at least 1) with the defaults filled in; a bad one throws naming it. */
export function resolveConnectionLimits(limits: ConnectionLimits = {}): Required<ConnectionLimits> {
  const resolved = { ...DEFAULT_CONNECTION_LIMITS };
  for (const [name, value] of Object.entries(limits) as Array<[keyof ConnectionLimits, unknown]>) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_CONNECTION_LIMITS)) throw new TypeError(`connection limits: unknown field "${name}"`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new TypeError(`connection limits: ${name} must be a whole number of at least 1, got ${String(value)}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

/**
 * A server for `handler` on one port: plain HTTP always, and HTTPS on the same port when
 * `credentials` are given; `limits` bound stalled connections and their number. `upgrade`, when
 * given, takes WebSocket upgrades on both protocols (the upgrade request's headers are under the
 * same header timeout; the upgraded connection counts toward `maxConnections` and, like an event
 * stream, is never closed to make room for a newcomer); without it Node answers them as usual.
 */
export function createWebServer(handler: Handler, credentials?: TlsCredentials, connectionLimits?: ConnectionLimits, upgrade?: UpgradeHandler): WebServer {
  const limits = resolveConnectionLimits(connectionLimits);
  if (limits.headersTimeout > limits.requestTimeout) {
    throw new TypeError(`connection limits: headersTimeout (${limits.headersTimeout}) must not exceed requestTimeout (${limits.requestTimeout})`);
  }
  const timeouts = {
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    connectionsCheckingInterval: limits.connectionsCheckingInterval,
  };
  const http: HttpServer = createHttpServer(timeouts, handler as RequestListener);
  http.keepAliveTimeout = limits.keepAliveTimeout;
  http.on('clientError', answerClientError);
  let https: HttpsServer | undefined;
  if (credentials) {
    https = createHttpsServer({ cert: credentials.cert, key: credentials.key, handshakeTimeout: limits.handshakeTimeout, ...timeouts }, handler as RequestListener);
    https.keepAliveTimeout = limits.keepAliveTimeout;
    https.on('clientError', answerClientError);
    // A phone that refuses the certificate closes the handshake: nothing to answer, nothing to log.
    https.on('tlsClientError', (_error, socket) => socket.destroy());
  }

  const open = new Set<Socket>();
  // Open connections not in the middle of a request (none yet, or between two), oldest first:
  // the ones that make room when the cap is reached. A request being answered (an event
  // stream too) is never cut for a newcomer.
  const idle = new Set<Socket>();
  // An HTTPS request's socket is the TLS layer; its raw socket is found by the peer's address.
  const byPeer = new Map<string, Socket>();
  const peer = (socket: { remoteAddress?: string; remotePort?: number }) => `${socket.remoteAddress}|${socket.remotePort}`;
  const busy = (raw: Socket | undefined, res: ServerResponse) => {
    if (!raw) return;
    idle.delete(raw);
    res.once('close', () => {
      if (open.has(raw)) idle.add(raw);
    });
  };
  http.on('request', (req: IncomingMessage, res: ServerResponse) => busy(req.socket as Socket, res));
  https?.on('request', (req: IncomingMessage, res: ServerResponse) => busy(byPeer.get(peer(req.socket)), res));
  if (upgrade) {
    // An upgraded connection is busy for good: it leaves the idle set and is closed only by its
    // own end, by closeAllConnections(), or by the upgrade handler.
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      idle.delete(req.socket as Socket);
      upgrade(req, socket, head);
    });
    https?.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const raw = byPeer.get(peer(req.socket));
      if (raw) idle.delete(raw);
      upgrade(req, socket, head);
    });
  }

  const listener: NetServer = createNetServer((socket) => {
    if (open.size >= limits.maxConnections) {
      const oldest = idle.values().next().value;
      if (!oldest) {
        socket.destroy();
        return;
      }
      oldest.destroy();
      forget(oldest);
    }
    const key = peer(socket);
    open.add(socket);
    idle.add(socket);
    byPeer.set(key, socket);
    socket.once('close', () => forget(socket, key));
    socket.setTimeout(limits.firstByteTimeout, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      // Hand the byte back so the HTTP parser or the TLS layer reads the stream from its start.
      socket.unshift(chunk);
      (https && chunk[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  function forget(socket: Socket, key = peer(socket)): void {
    open.delete(socket);
    idle.delete(socket);
    if (byPeer.get(key) === socket) byPeer.delete(key);
  }

  return {
    tls: Boolean(https),
    limits,
    get connections() {
      return open.size;
    },
    listen: async (port, host) => {
      const address = await listenOn(listener, port, host);
      // What `listen()` would do for the inner servers: start checking header and request timeouts.
      http.emit('listening');
      https?.emit('listening');
      return address;
    },
    close: () =>
      new Promise((resolve) => {
        listener.close(() => resolve());
        http.close();
        https?.close();
      }),
    closeAllConnections: () => {
      http.closeAllConnections();
      https?.closeAllConnections();
      for (const socket of open) socket.destroy();
    },
  };
}

function listenOn(server: NetServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * `preferred` when it is free on `host`, else a port the system picks (for a URL known before
 * listening). Rejects when `host` itself cannot be listened on (an address this computer does
 * not have, say): only a busy port falls back.
 */
export function freePort(preferred = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' && preferred !== 0) resolve(freePort(0, host));
      else reject(new Error(`cannot listen on ${host}:${preferred}: ${error.code ?? error.message}`));
    });
    probe.listen(preferred, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
