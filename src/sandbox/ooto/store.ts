/**
 * OOTO-AI's sessions in memory and their one state machine, from the "Verification Link"
 * document: `CREATED` → (captcha) `CAPTCHA_OK` → (start) `IN_PROGRESS`, one step per scope in the
 * order LIVENESS, DEEPFAKE, ENROLL, SEARCH → `DONE` | `FAILED`; `EXPIRED` after the TTL,
 * `CANCELED` when the person cancels. Expiry is computed on every read, plus one unref'd timer
 * per live session so the callback goes out on time; `close()` clears them all.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpError } from '../http.js';
import { SESSION_OVERHEAD_BYTES } from '../vendor.js';

/** Node's longest timer delay (about 24.8 days); a longer TTL re-arms. */
const MAX_TIMER_MS = 2_147_483_647;

/** The scopes a session may ask for, as the document spells them. */
export const OOTO_SCOPES = ['liveness', 'deepfake', 'search', 'enroll'] as const;
export type OotoScope = (typeof OOTO_SCOPES)[number];

/** The steps, in the order the flow runs them whatever order the scopes were given in. */
export const OOTO_STEPS = ['LIVENESS', 'DEEPFAKE', 'ENROLL', 'SEARCH'] as const;
export type OotoStep = (typeof OOTO_STEPS)[number];

export type OotoStatus = 'CREATED' | 'CAPTCHA_OK' | 'IN_PROGRESS' | 'DONE' | 'FAILED' | 'EXPIRED' | 'CANCELED';

/** The statuses after which nothing changes. */
export const OOTO_FINAL: ReadonlySet<OotoStatus> = new Set(['DONE', 'FAILED', 'EXPIRED', 'CANCELED']);

/** One session. `phase` counts the transitions so far: 0 CREATED, 1 CAPTCHA_OK, 2 + n after n steps. */
export interface OotoSession {
  sessionId: string;
  token: string;
  appKey: string;
  scopes: OotoScope[];
  steps: OotoStep[];
  metadata: Record<string, unknown> | null;
  callbackUrl: string | null;
  returnUrl: string | null;
  outcome: 'DONE' | 'FAILED';
  createdAt: number;
  expiresAt: number;
  status: OotoStatus;
  phase: number;
  endedAt?: number;
  bytes: number;
}

/** What a new session is made of (the create route checked every field). */
export interface NewOotoSession {
  appKey: string;
  scopes: OotoScope[];
  metadata: Record<string, unknown> | null;
  callbackUrl: string | null;
  returnUrl: string | null;
  outcome: 'DONE' | 'FAILED';
  ttlSeconds: number;
}

export interface OotoStoreOptions {
  retainEndedMs: number;
  maxHeldBytes: number;
  /** Called once when a session reaches a final status. */
  onEnd: (session: OotoSession) => void;
  now?: () => number;
}

/** The sessions of one sandbox, by token. */
export class OotoStore {
  readonly #sessions = new Map<string, OotoSession>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #options: OotoStoreOptions;
  readonly #now: () => number;
  #held = 0;

  constructor(options: OotoStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Makes a session, or 429 when the sandbox holds all it may and no ended session can go. */
  create(input: NewOotoSession): OotoSession {
    const now = this.#now();
    this.#sweep(now);
    const bytes =
      SESSION_OVERHEAD_BYTES +
      Buffer.byteLength(JSON.stringify(input.metadata ?? null)) +
      (input.callbackUrl?.length ?? 0) +
      (input.returnUrl?.length ?? 0);
    this.#makeRoom(bytes);
    const session: OotoSession = {
      sessionId: randomUUID(),
      token: randomBytes(24).toString('base64url'),
      appKey: input.appKey,
      scopes: input.scopes,
      steps: OOTO_STEPS.filter((step) => input.scopes.includes(step.toLowerCase() as OotoScope)),
      metadata: input.metadata,
      callbackUrl: input.callbackUrl,
      returnUrl: input.returnUrl,
      outcome: input.outcome,
      createdAt: now,
      expiresAt: now + input.ttlSeconds * 1000,
      status: 'CREATED',
      phase: 0,
      bytes,
    };
    this.#sessions.set(session.token, session);
    this.#held += bytes;
    this.#arm(session);
    return session;
  }

  /** The session of a token, expired first if its time is up; undefined when unknown or forgotten. */
  get(token: string): OotoSession | undefined {
    const now = this.#now();
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (this.#forgettable(session, now)) {
      this.#forget(session);
      return undefined;
    }
    if (!OOTO_FINAL.has(session.status) && now >= session.expiresAt) this.#end(session, 'EXPIRED', session.expiresAt);
    return session;
  }

  /**
   * The page's button: moves the session one transition on, when `at` is where it stands (a
   * stale or repeated form changes nothing). Captcha, start, then each step; after the last,
   * the outcome.
   */
  advance(session: OotoSession, at: number): void {
    if (OOTO_FINAL.has(session.status) || at !== session.phase) return;
    session.phase += 1;
    if (session.status === 'CREATED') session.status = 'CAPTCHA_OK';
    else if (session.status === 'CAPTCHA_OK') session.status = 'IN_PROGRESS';
    else if (session.phase - 2 >= session.steps.length) this.#end(session, session.outcome, this.#now());
  }

  /** The person cancels: `CANCELED`, unless the session already ended. */
  cancel(session: OotoSession): void {
    if (!OOTO_FINAL.has(session.status)) this.#end(session, 'CANCELED', this.#now());
  }

  /** The step `nextStep` names: the next one to perform, null once the session ended. */
  nextStep(session: OotoSession): OotoStep | null {
    if (OOTO_FINAL.has(session.status)) return null;
    return session.steps[Math.max(0, session.phase - 2)] ?? null;
  }

  /** How many sessions are held (ended ones included until forgotten). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Clears every expiry timer; nothing is sent afterwards. */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** One unref'd timer at the session's expiry (re-armed when it is past Node's longest delay). */
  #arm(session: OotoSession): void {
    const delay = Math.min(Math.max(0, session.expiresAt - this.#now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(session.token);
      const current = this.get(session.token);
      if (current && !OOTO_FINAL.has(current.status)) this.#arm(current);
    }, delay);
    timer.unref();
    this.#timers.set(session.token, timer);
  }

  #end(session: OotoSession, status: OotoStatus, at: number): void {
    session.status = status;
    session.endedAt = at;
    clearTimeout(this.#timers.get(session.token));
    this.#timers.delete(session.token);
    this.#options.onEnd(session);
  }

  #forgettable(session: OotoSession, now: number): boolean {
    return session.endedAt !== undefined && now - session.endedAt >= this.#options.retainEndedMs;
  }

  #forget(session: OotoSession): void {
    this.#sessions.delete(session.token);
    this.#held -= session.bytes;
    clearTimeout(this.#timers.get(session.token));
    this.#timers.delete(session.token);
  }

  /** Expires what is due and forgets what was ended long enough ago. */
  #sweep(now: number): void {
    for (const session of [...this.#sessions.values()]) {
      if (!OOTO_FINAL.has(session.status) && now >= session.expiresAt) this.#end(session, 'EXPIRED', session.expiresAt);
      if (this.#forgettable(session, now)) this.#forget(session);
    }
  }

  /** Forgets ended sessions, oldest first, until `bytes` fit; else 429. */
  #makeRoom(bytes: number): void {
    if (this.#held + bytes <= this.#options.maxHeldBytes) return;
    const ended = [...this.#sessions.values()].filter((s) => s.endedAt !== undefined).sort((a, b) => a.endedAt! - b.endedAt!);
    for (const session of ended) {
      this.#forget(session);
      if (this.#held + bytes <= this.#options.maxHeldBytes) return;
    }
    throw new HttpError(429, 'Sandbox full', 'The sandbox holds as many sessions as it may; retry once some have ended.', {}, { 'Retry-After': '60' });
  }
}
