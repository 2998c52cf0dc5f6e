/**
 * uqudo's QR-code sessions in memory, from its "QR Code App" document: a session made by the
 * operator's backend, found by its `qrCodeText`, played by the reader app one service at a time
 * (SCAN, READ, FACE, BACKGROUND_CHECK, INFO: the ones its `data` asks for), and deleted 30 minutes
 * (`ttlSeconds`) after its creation or on `DELETE`. One unref'd timer per session deletes it on
 * time (and so closes its sockets); `close()` clears them all.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpError } from '../http.js';
import { SESSION_OVERHEAD_BYTES } from '../vendor.js';

/** The services the WebSocket announces, in the order the reader app plays them. */
export const UQUDO_SERVICES = ['SCAN', 'READ', 'FACE', 'BACKGROUND_CHECK', 'INFO'] as const;
export type UqudoService = (typeof UQUDO_SERVICES)[number];

export interface UqudoSession {
  sessionId: string;
  qrCodeText: string;
  /** The reader's SDK token (fake). */
  token: string;
  /** `data` exactly as the backend sent it (base64). */
  data: string;
  /** The services this session's reader plays, in order; always SCAN first and INFO last. */
  services: UqudoService[];
  /** How many services were played. */
  played: number;
  apiKey: string;
  createdAt: number;
  expiresAt: number;
  bytes: number;
}

export interface NewUqudoSession {
  apiKey: string;
  data: string;
  services: UqudoService[];
  ttlSeconds: number;
}

export interface UqudoStoreOptions {
  maxHeldBytes: number;
  /** Called once when a session goes (deleted or expired), to close its sockets. */
  onGone: (session: UqudoSession, why: 'deleted' | 'expired') => void;
  now?: () => number;
}

/** Node's longest timer delay; a longer TTL re-arms. */
const MAX_TIMER_MS = 2_147_483_647;

export class UqudoStore {
  readonly #byText = new Map<string, UqudoSession>();
  readonly #byId = new Map<string, UqudoSession>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #options: UqudoStoreOptions;
  readonly #now: () => number;
  #held = 0;

  constructor(options: UqudoStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  create(input: NewUqudoSession): UqudoSession {
    const now = this.#now();
    for (const session of [...this.#byText.values()]) if (now >= session.expiresAt) this.#remove(session, 'expired');
    const bytes = SESSION_OVERHEAD_BYTES + input.data.length;
    if (this.#held + bytes > this.#options.maxHeldBytes) {
      throw new HttpError(429, 'Sandbox full', 'The sandbox holds as many sessions as it may; retry once some are deleted.', {}, { 'Retry-After': '60' });
    }
    const session: UqudoSession = {
      sessionId: randomUUID(),
      qrCodeText: randomBytes(24).toString('base64url'),
      token: `sandbox.${randomBytes(24).toString('base64url')}`,
      data: input.data,
      services: input.services,
      played: 0,
      apiKey: input.apiKey,
      createdAt: now,
      expiresAt: now + input.ttlSeconds * 1000,
      bytes,
    };
    this.#byText.set(session.qrCodeText, session);
    this.#byId.set(session.sessionId, session);
    this.#held += bytes;
    this.#arm(session);
    return session;
  }

  /** The live session of a `qrCodeText`; undefined when unknown, deleted or past its time. */
  byText(qrCodeText: string): UqudoSession | undefined {
    return this.#live(this.#byText.get(qrCodeText));
  }

  /** The live session of a `sessionId`. */
  byId(sessionId: string): UqudoSession | undefined {
    return this.#live(this.#byId.get(sessionId));
  }

  /** `DELETE /api/v1/session/{qrCodeText}`. */
  delete(session: UqudoSession): void {
    this.#remove(session, 'deleted');
  }

  /**
   * The reader pressed the button drawn for service number `at`: the service it plays, or
   * undefined when `at` is not where the session stands (a stale or repeated form).
   */
  play(session: UqudoSession, at: number): UqudoService | undefined {
    if (at !== session.played || session.played >= session.services.length) return undefined;
    session.played += 1;
    return session.services[at];
  }

  /** True once INFO was played. */
  finished(session: UqudoSession): boolean {
    return session.played >= session.services.length;
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #live(session: UqudoSession | undefined): UqudoSession | undefined {
    if (!session) return undefined;
    if (this.#now() >= session.expiresAt) {
      this.#remove(session, 'expired');
      return undefined;
    }
    return session;
  }

  #arm(session: UqudoSession): void {
    const delay = Math.min(Math.max(0, session.expiresAt - this.#now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(session.qrCodeText);
      if (this.#live(session)) this.#arm(session);
    }, delay);
    timer.unref();
    this.#timers.set(session.qrCodeText, timer);
  }

  #remove(session: UqudoSession, why: 'deleted' | 'expired'): void {
    if (this.#byText.get(session.qrCodeText) !== session) return;
    this.#byText.delete(session.qrCodeText);
    this.#byId.delete(session.sessionId);
    this.#held -= session.bytes;
    clearTimeout(this.#timers.get(session.qrCodeText));
    this.#timers.delete(session.qrCodeText);
    this.#options.onGone(session, why);
  }
}
