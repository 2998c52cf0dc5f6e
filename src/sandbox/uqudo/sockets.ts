/**
 * uqudo's WebSocket server (`/ws/v1/session`), on the sandbox's own HTTP(S) server through the
 * `ws` package: a socket's first message is the `qrCodeText` that authenticates it (an unknown
 * one, a binary frame or silence past the auth timeout: close 1008); from then on it receives
 * `{ service, sessionId }` as the reader app plays, with no replay of what came before, and is
 * closed with 1000 after INFO, when the session is deleted or when it expires.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TOKEN_PATTERN } from '../vendor.js';
import type { UqudoService, UqudoSession, UqudoStore } from './store.js';

/** The WebSocket path of the document. */
export const UQUDO_SOCKET_PATH = '/ws/v1/session';
/** The largest message a socket may send (a qrCodeText is 32 characters); larger closes with 1009. */
const MAX_MESSAGE_BYTES = 1024;
/** The most sockets one session may have authenticated at once. */
export const MAX_SOCKETS_PER_SESSION = 20;

/** Closes code 1008 ("policy violation") with a short reason. */
const refuse = (socket: WebSocket, reason: string) => socket.close(1008, reason);

export class UqudoSockets {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  readonly #bySession = new Map<string, Set<WebSocket>>();
  readonly #all = new Set<WebSocket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #store: () => UqudoStore;
  readonly #authTimeoutMs: number;
  readonly #log: (line: string) => void;

  constructor(store: () => UqudoStore, authTimeoutMs: number, log: (line: string) => void) {
    this.#store = store;
    this.#authTimeoutMs = authTimeoutMs;
    this.#log = log;
  }

  /** Takes an HTTP upgrade: the socket path becomes a WebSocket, any other path a 404. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
    if (path !== UQUDO_SOCKET_PATH && path !== `${UQUDO_SOCKET_PATH}/`) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  /** Sends `{ service, sessionId }` to every socket authenticated for the session. */
  broadcast(session: UqudoSession, service: UqudoService): number {
    const sockets = this.#bySession.get(session.qrCodeText);
    const message = JSON.stringify({ service, sessionId: session.sessionId });
    for (const ws of sockets ?? []) ws.send(message);
    return sockets?.size ?? 0;
  }

  /** Closes every socket of the session with `code` and `reason`. */
  closeSession(session: UqudoSession, code: number, reason: string): void {
    for (const ws of this.#bySession.get(session.qrCodeText) ?? []) ws.close(code, reason);
    this.#bySession.delete(session.qrCodeText);
  }

  /** Ends every socket at once and clears every auth timer. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const ws of this.#all) ws.terminate();
    this.#all.clear();
    this.#bySession.clear();
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    this.#all.add(ws);
    ws.on('error', () => ws.terminate());
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      refuse(ws, 'Send the qrCodeText first');
    }, this.#authTimeoutMs);
    timer.unref();
    this.#timers.add(timer);
    let session: UqudoSession | undefined;
    ws.on('close', () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
      this.#all.delete(ws);
      if (session) this.#bySession.get(session.qrCodeText)?.delete(ws);
    });
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      this.#timers.delete(timer);
      const text = isBinary ? '' : data.toString();
      const found = TOKEN_PATTERN.test(text) ? this.#store().byText(text) : undefined;
      if (!found) {
        refuse(ws, 'Unknown qrCodeText');
        return;
      }
      const sockets = this.#bySession.get(found.qrCodeText) ?? new Set<WebSocket>();
      if (sockets.size >= MAX_SOCKETS_PER_SESSION) {
        refuse(ws, 'Too many sockets for this session');
        return;
      }
      if (ws.readyState !== ws.OPEN) return;
      session = found;
      sockets.add(ws);
      this.#bySession.set(found.qrCodeText, sockets);
      this.#log(`websocket authenticated for session ${found.sessionId} (${sockets.size} open)`);
    });
  }
}
