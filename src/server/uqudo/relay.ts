/**
 * uqudo's WebSocket, held by the proxy. uqudo tells a session's progress only on its socket
 * (`/ws/v1/session`, authenticated by sending the session's `qrCodeText` first) and replays
 * nothing to a socket that connects later, so the proxy holds one from the moment the session is
 * created until INFO, a cancel or uqudo's 30 minutes. One instance of a fleet holds it: the hub's
 * lease `uqudo:socket:{sessionId}`, renewed every poll interval and lost after three; every
 * instance that knows the session (it created it, or a browser asked about it) tries to take the
 * lease on each tick, so when the holder dies another takes over. A socket that drops is reopened
 * with exponential backoff and full jitter. Each message becomes a snapshot handed to the proxy as
 * news (this instance's streams, the hub) and kept in the hub (`remember`), since a cold instance
 * could not learn it otherwise.
 */
import WebSocket from 'ws';
import { fullJitterDelay } from '../../core/backoff.js';
import { isFinalStatus } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { StatusSnapshotSchema } from '../../core/status-schemas.js';
import type { ProviderRuntime } from '../providers/provider.js';
import { parseJson, isRecord, text } from '../providers/vendor-text.js';
import type { UqudoSession } from './sealed-id.js';
import { afterService, endedSnapshot, firstSnapshot } from './status.js';
import type { UqudoSteps } from './status.js';

/** uqudo deletes a session 30 minutes after its creation (its document). */
export const UQUDO_SESSION_MS = 30 * 60_000;
/** Most sessions one instance follows at once; the oldest go first. */
const MAX_SESSIONS = 10_000;
/** How long after INFO the session is deleted at uqudo, in milliseconds. */
const DELETE_GRACE_MS = 5_000;
/** Most bytes of one socket message. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Settings of {@link SocketRelay}. */
export interface RelaySettings {
  /** The socket's URL (`wss://…/ws/v1/session`). */
  wsUrl: string;
  steps: UqudoSteps;
  runtime: ProviderRuntime;
  /** Milliseconds the socket's opening handshake may take. */
  timeoutMs: number;
  /** Backoff of reconnects: first cap and largest delay, in milliseconds. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** The session at uqudo is deleted (INFO, cancel); failures are logged by the caller. */
  deleteSession(session: UqudoSession): Promise<void>;
}

interface Followed {
  id: string;
  session: UqudoSession;
  expiresAt: number;
  latest: StatusSnapshot | undefined;
  socket: WebSocket | undefined;
  holding: boolean;
  attempt: number;
  reconnect: ReturnType<typeof setTimeout> | undefined;
  ended: boolean;
}

/** The sockets (and the sessions followed) of one proxy instance. */
export class SocketRelay {
  readonly #settings: RelaySettings;
  readonly #sessions = new Map<string, Followed>();
  readonly #ticker: ReturnType<typeof setInterval>;
  readonly #loggedWords = new Set<string>();
  /** Deletes of finished sessions waiting out their grace. */
  readonly #deletes = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(settings: RelaySettings) {
    this.#settings = settings;
    this.#ticker = setInterval(() => this.#tick(), settings.runtime.pollIntervalMs);
    this.#ticker.unref?.();
  }

  /** Sockets open on this instance (for tests and metrics). */
  get openSockets(): number {
    let open = 0;
    for (const followed of this.#sessions.values()) if (followed.socket !== undefined) open += 1;
    return open;
  }

  /** Follows a session (from its creation, or a browser asking); takes its socket if nobody holds it. */
  follow(id: string, session: UqudoSession): void {
    if (this.#closed || this.#sessions.has(id)) return;
    const expiresAt = session.createdAt * 1000 + UQUDO_SESSION_MS;
    const followed: Followed = { id, session, expiresAt, latest: undefined, socket: undefined, holding: false, attempt: 0, reconnect: undefined, ended: Date.now() >= expiresAt };
    this.#sessions.set(id, followed);
    if (this.#sessions.size > MAX_SESSIONS) this.#forget(this.#sessions.values().next().value!);
    if (!followed.ended) void this.#claim(followed);
  }

  /** The newest snapshot known here or in the hub; else what a new session (or an expired one) is. */
  async latest(id: string, session: UqudoSession): Promise<StatusSnapshot> {
    const followed = this.#sessions.get(id);
    const now = Date.now();
    const base = firstSnapshot(id, this.#settings.steps, session.createdAt * 1000, session.createdAt * 1000 + UQUDO_SESSION_MS, now);
    const kept = await this.#settings.runtime.hub.recall(this.#key(session)).catch(() => undefined);
    const parsed = kept === undefined ? undefined : StatusSnapshotSchema.safeParse(parseJson(kept));
    const fromHub = parsed?.success && parsed.data.verificationId === id ? parsed.data : undefined;
    const candidates = [followed?.latest, fromHub].filter((s): s is StatusSnapshot => s !== undefined);
    // A final status wins; else the one with the most steps done; uqudo's 30 minutes end the rest.
    const best = candidates.find((s) => isFinalStatus(s.status)) ?? candidates.sort((a, b) => stepsOf(b) - stepsOf(a))[0];
    if (best === undefined || (!isFinalStatus(best.status) && base.status === 'expired')) return base;
    if (followed !== undefined && (followed.latest === undefined || stepsOf(best) > stepsOf(followed.latest) || isFinalStatus(best.status))) followed.latest = best;
    return best;
  }

  /** Ends a session here: `status` as news, the socket closed, the lease given up. */
  async end(id: string, session: UqudoSession, status: 'canceled' | 'expired'): Promise<StatusSnapshot> {
    this.follow(id, session);
    const followed = this.#sessions.get(id)!;
    // What the hub knows too: another instance may have ended it already.
    const previous = await this.latest(id, session);
    if (isFinalStatus(previous.status)) {
      this.#release(followed);
      return previous;
    }
    const snapshot = endedSnapshot(previous, status, Date.now());
    await this.#publish(followed, snapshot);
    this.#release(followed);
    return snapshot;
  }

  /** Closes every socket and timer (proxy shutdown); the leases go back to the hub. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#ticker);
    // A delete still in its grace is dropped: uqudo deletes the session itself 30 minutes after creation.
    for (const timer of this.#deletes) {
      clearTimeout(timer);
    }
    this.#deletes.clear();
    for (const followed of [...this.#sessions.values()]) this.#forget(followed);
  }

  #key(session: UqudoSession): string {
    return `uqudo:last:${session.sessionId}`;
  }

  #lease(session: UqudoSession): string {
    return `uqudo:socket:${session.sessionId}`;
  }

  /** Each poll interval: renew held leases, try to take free ones, end what uqudo's 30 minutes ended. */
  #tick(): void {
    const now = Date.now();
    for (const followed of [...this.#sessions.values()]) {
      if (followed.ended) {
        // Kept while a browser may still ask (answers come from the hub too); then forgotten.
        if (now >= followed.expiresAt + UQUDO_SESSION_MS) this.#forget(followed);
        continue;
      }
      if (now >= followed.expiresAt) {
        void this.end(followed.id, followed.session, 'expired');
        continue;
      }
      void this.#claim(followed);
    }
  }

  /** Takes or renews the lease; opens the socket when this instance holds it, closes it when another does. */
  async #claim(followed: Followed): Promise<void> {
    const { hub, owner, pollIntervalMs } = this.#settings.runtime;
    let held: boolean;
    try {
      held = await hub.acquireLease(this.#lease(followed.session), owner, pollIntervalMs * 3);
    } catch {
      // The hub does not answer: better two sockets than none (the snapshots' order drops duplicates).
      held = true;
    }
    if (followed.ended || this.#closed || this.#sessions.get(followed.id) !== followed) return;
    if (held && !followed.holding) {
      followed.holding = true;
      this.#open(followed);
    } else if (!held && followed.holding) {
      // Another instance holds it now (this one was too slow to renew): it relays.
      followed.holding = false;
      this.#closeSocket(followed);
    }
  }

  #open(followed: Followed): void {
    if (followed.socket !== undefined || followed.ended || !followed.holding || this.#closed) return;
    const socket = new WebSocket(this.#settings.wsUrl, { handshakeTimeout: this.#settings.timeoutMs, maxPayload: MAX_MESSAGE_BYTES, followRedirects: false });
    followed.socket = socket;
    let heard = false;
    socket.on('open', () => socket.send(followed.session.qrCodeText));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      heard = true;
      followed.attempt = 0;
      void this.#message(followed, String(data));
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      if (followed.socket === socket) followed.socket = undefined;
      if (followed.ended || this.#closed || !followed.holding) return;
      if (code === 1008) {
        // uqudo no longer knows the session: deleted, or past its 30 minutes.
        void this.end(followed.id, followed.session, 'expired');
        return;
      }
      if (!heard) followed.attempt += 1;
      const delay = fullJitterDelay(followed.attempt, { baseMs: this.#settings.reconnectBaseMs, maxMs: this.#settings.reconnectMaxMs, minMs: 50 });
      this.#settings.runtime.logger.warn(`okid-verify: uqudo's WebSocket closed (${code}) mid-session; reopening in ${delay} ms.`);
      followed.reconnect = setTimeout(() => {
        followed.reconnect = undefined;
        this.#open(followed);
      }, delay);
      followed.reconnect.unref?.();
    });
  }

  async #message(followed: Followed, data: string): Promise<void> {
    const message = parseJson(data);
    const service = isRecord(message) ? text(message.service) : undefined;
    if (service === undefined || followed.ended) return;
    const previous = followed.latest ?? (await this.latest(followed.id, followed.session));
    const { snapshot, unknown } = afterService(previous, service, this.#settings.steps, Date.now());
    if (unknown && !this.#loggedWords.has(service) && this.#loggedWords.size < 100) {
      this.#loggedWords.add(service);
      this.#settings.runtime.logger.warn(`okid-verify: uqudo sent the service "${service.slice(0, 64)}", which the proxy does not know; shown as in progress.`);
    }
    await this.#publish(followed, snapshot);
    if (snapshot.status === 'completed') {
      // The onboarding is over: uqudo's session is deleted, as its document suggests, after a
      // short grace so the reader app's last screen (which may still read the session) is not cut.
      this.#release(followed);
      const timer = setTimeout(() => {
        this.#deletes.delete(timer);
        this.#settings.deleteSession(followed.session).catch(() => undefined);
      }, DELETE_GRACE_MS);
      timer.unref?.();
      this.#deletes.add(timer);
    }
  }

  async #publish(followed: Followed, snapshot: StatusSnapshot): Promise<void> {
    followed.latest = snapshot;
    if (isFinalStatus(snapshot.status)) followed.ended = true;
    const { runtime } = this.#settings;
    const ttl = Math.max(60_000, followed.expiresAt + UQUDO_SESSION_MS - Date.now());
    await runtime.hub.remember(this.#key(followed.session), JSON.stringify(snapshot), ttl).catch(() => undefined);
    await runtime.news({ snapshot, timeSynthesized: true });
  }

  /** Stops relaying a session that ended: socket closed, lease given back. */
  #release(followed: Followed): void {
    followed.ended = true;
    this.#closeSocket(followed);
    if (followed.holding) {
      followed.holding = false;
      this.#settings.runtime.hub.releaseLease(this.#lease(followed.session), this.#settings.runtime.owner).catch(() => undefined);
    }
  }

  #closeSocket(followed: Followed): void {
    if (followed.reconnect !== undefined) clearTimeout(followed.reconnect);
    followed.reconnect = undefined;
    const socket = followed.socket;
    followed.socket = undefined;
    if (socket !== undefined) {
      socket.removeAllListeners('close');
      socket.on('close', () => undefined);
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000);
    }
  }

  #forget(followed: Followed): void {
    this.#release(followed);
    this.#sessions.delete(followed.id);
  }
}

const stepsOf = (snapshot: StatusSnapshot): number =>
  (snapshot.status === 'created' ? 0 : 1) + Object.values(snapshot.progress).filter((state) => state === 'completed').length + (snapshot.status === 'processing' ? 1 : 0);
