/**
 * One port that speaks both plain HTTP and HTTPS. A phone on the local network needs HTTPS for
 * the camera (browsers give `getUserMedia` only to secure pages), while `http://localhost` is
 * already secure and should stay free of certificate warnings on the computer. So the server
 * reads the first byte of each connection: 0x16 opens a TLS handshake, anything else is HTTP.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';

/** A PEM certificate (chain) and its private key. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

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
}

/** The first byte of a TLS record that carries a handshake (every TLS connection starts so). */
const TLS_HANDSHAKE = 0x16;
/** A client that connects and says nothing is dropped after this long. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A request Node cannot even parse gets a bare 400 instead of an unhandled error. */
function answerClientError(_error: Error, socket: { writable: boolean; end(data: string): void; destroy(): void }): void {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
}

/**
 * A server for `handler` on one port: plain HTTP always, and HTTPS on the same port when
 * `credentials` are given. Without credentials it is a plain `node:http` server.
 */
export function createWebServer(handler: Handler, credentials?: TlsCredentials): WebServer {
  const http: HttpServer = createHttpServer(handler as RequestListener);
  http.on('clientError', answerClientError);
  if (!credentials) {
    return {
      tls: false,
      listen: (port, host) => listenOn(http, port, host),
      close: () => new Promise((resolve) => http.close(() => resolve())),
      closeAllConnections: () => http.closeAllConnections(),
    };
  }

  const https: HttpsServer = createHttpsServer({ cert: credentials.cert, key: credentials.key }, handler as RequestListener);
  https.on('clientError', answerClientError);
  // A phone that refuses the certificate closes the handshake: nothing to answer, nothing to log.
  https.on('tlsClientError', (_error, socket) => socket.destroy());
  const sockets = new Set<Socket>();
  const listener: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      // Hand the byte back so the HTTP parser or the TLS layer reads the stream from its start.
      socket.unshift(chunk);
      (chunk[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  return {
    tls: true,
    listen: (port, host) => listenOn(listener, port, host),
    close: () =>
      new Promise((resolve) => {
        listener.close(() => resolve());
        http.close();
        https.close();
      }),
    closeAllConnections: () => {
      http.closeAllConnections();
      https.closeAllConnections();
      for (const socket of sockets) socket.destroy();
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
