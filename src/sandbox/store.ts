/**
 * The sandbox's in-memory verification records and their one state machine, shared by okID v1
 * process tokens and v2client verification ids:
 *
 *   generated → started (the flow was opened) → in_progress (terms or first capture)
 *     → processing (submit) → verified | manual_review | rejected (after `processingDelayMs`)
 *
 * plus `expired` (when `expiresAt` passes before submit) and `canceled` (the phone cancels).
 * No I/O here: routes call the methods, and every transition is reported through `onEvent`
 * (the webhook sender listens).
 *
 * A sandbox may run for days as a demo backend, so it forgets: a verification is dropped
 * `retainEndedMs` after it ended (finished, expired or canceled), and the capture bytes one
 * verification may hold are capped, so memory stays flat however many verifications go by.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DocumentType, V2Status } from '../core/protocol.js';
import { LIVENESS_PROMPTS, StoreError, isFinalV2, missingBeforeSubmit, progressOf, randomBase62, shuffled, termsDone } from './record.js';
import type { CaptureAnswer, CreateInput, StepProgress, StoreEvent, VerificationRecord } from './record.js';

export { DOCUMENT_TYPES, SANDBOX_OUTCOMES, StoreError, isFinalV2, randomBase62 } from './record.js';
export type { Capture, CaptureAnswer, CreateInput, SandboxOutcome, StepProgress, StoreEvent, VerificationRecord } from './record.js';

/** Options of {@link VerificationStore}. */
export interface StoreOptions {
  /** Verification lifetime in milliseconds. */
  ttlMs: number;
  /** How long `processing` lasts before the outcome, in milliseconds. */
  processingDelayMs: number;
  onEvent: (record: VerificationRecord, event: StoreEvent) => void;
  now?: () => number;
  /**
   * How long a verification is kept after it ended (finished, expired or canceled), in
   * milliseconds; default 1 hour. Afterwards its id answers 404, as an unknown one does.
   */
  retainEndedMs?: number;
  /**
   * The most capture bytes one verification may hold at once (a retake replaces its kind's
   * bytes); default 20 MiB. An upload past it is refused with `too_large` (HTTP 413).
   */
  maxCaptureBytes?: number;
  /**
   * The most bytes all verifications together may hold: captures, extra data and form values,
   * plus {@link RECORD_OVERHEAD_BYTES} each; default 128 MiB. When one more would not fit, ended
   * verifications are forgotten first, oldest first; if it still does not fit, a capture or form
   * is refused with `too_large` (HTTP 413) and a new verification with `full` (HTTP 429).
   */
  maxHeldBytes?: number;
}

/** Default of {@link StoreOptions.retainEndedMs}: one hour. */
export const DEFAULT_RETAIN_ENDED_MS = 60 * 60 * 1000;
/** Default of {@link StoreOptions.maxCaptureBytes}: six phone photos of a few MB each. */
export const DEFAULT_MAX_CAPTURE_BYTES = 20 * 1024 * 1024;
/** Default of {@link StoreOptions.maxHeldBytes}: about six verifications full to their capture cap. */
export const DEFAULT_MAX_HELD_BYTES = 128 * 1024 * 1024;
/** What one verification counts for before its captures and data: its record, timers and ids. */
export const RECORD_OVERHEAD_BYTES = 2048;
/** Answers kept per verification for `Idempotency-Key` replays; the oldest go first. */
const MAX_IDEMPOTENCY_ANSWERS = 64;

/** All verifications of one sandbox and the transitions between their states. */
export class VerificationStore {
  readonly #records = new Map<string, VerificationRecord>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: StoreOptions;
  readonly #now: () => number;
  readonly #retainEndedMs: number;
  readonly #maxCaptureBytes: number;
  readonly #maxHeldBytes: number;
  #closed = false;

  constructor(options: StoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#retainEndedMs = options.retainEndedMs ?? DEFAULT_RETAIN_ENDED_MS;
    this.#maxCaptureBytes = options.maxCaptureBytes ?? DEFAULT_MAX_CAPTURE_BYTES;
    this.#maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  }

  /** How many verifications are held now, ended ones not yet dropped included. */
  get size(): number {
    return this.#records.size;
  }

  /** Bytes held now as {@link StoreOptions.maxHeldBytes} counts them, over every verification. */
  get heldBytes(): number {
    let total = 0;
    for (const record of this.#records.values()) total += heldBy(record);
    return total;
  }

  /** Capture bytes held now, over every verification. */
  get captureBytes(): number {
    let total = 0;
    for (const record of this.#records.values()) for (const capture of record.captures.values()) total += capture.bytes.length;
    return total;
  }

  /** Creates a verification in `generated` and schedules its expiry check. */
  create(input: CreateInput): VerificationRecord {
    if (!this.#makeRoom(RECORD_OVERHEAD_BYTES + jsonBytes(input.extraData))) {
      throw new StoreError(
        'full',
        'Sandbox full',
        `The sandbox holds its maximum of ${this.#maxHeldBytes} bytes in verifications still running; finish or cancel some, or wait for them to expire.`,
      );
    }
    const now = this.#now();
    const id = input.api === 'v2' ? `ver_${randomBase62(24)}` : `tok_v1_${randomBytes(15).toString('hex')}`;
    const record: VerificationRecord = {
      id,
      api: input.api,
      apiKey: input.apiKey,
      status: 'generated',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.#options.ttlMs,
      completedAt: null,
      extraData: input.extraData,
      returnUrl: input.returnUrl,
      callbackUrl: input.callbackUrl ?? null,
      errorUrl: input.errorUrl ?? null,
      outcome: input.outcome,
      deviceToken: null,
      termsAccepted: false,
      captures: new Map(),
      idempotency: new Map(),
      prompts: shuffled(LIVENESS_PROMPTS),
      documentType: null,
      flow: input.flow ?? ['terms', 'document', 'liveness'],
      formFields: input.formFields ?? [],
      formData: null,
    };
    this.#records.set(id, record);
    // Expiry is also computed lazily on every read; this unref'd timer only makes the
    // `verification.expired` webhook fire on time when nobody is polling.
    this.#schedule(this.#options.ttlMs + 5, () => this.#expireIfDue(record));
    return record;
  }

  /** The record, with expiry applied; undefined when unknown. */
  get(id: string): VerificationRecord | undefined {
    const record = this.#records.get(id);
    if (record) this.#expireIfDue(record);
    return record;
  }

  /** Progress of the verification's steps (see record.ts). */
  progress(record: VerificationRecord): StepProgress {
    return progressOf(record);
  }

  /** What is still needed before submit (captures, `terms`, `form_data`), for the given document type. */
  missingCaptures(record: VerificationRecord, type: DocumentType | null): string[] {
    return missingBeforeSubmit(record, type);
  }

  /** True once the terms are accepted, or when the flow has no terms step. */
  termsDone(record: VerificationRecord): boolean {
    return termsDone(record);
  }

  /**
   * First open of the flow: `generated` → `started`, minting the device token. Returns the token
   * the caller may use, or throws `not_allowed` when another device holds the verification.
   */
  open(record: VerificationRecord, presentedToken: string | undefined): string {
    if (record.status === 'generated') {
      record.deviceToken = randomBytes(24).toString('base64url');
      this.#transition(record, 'started');
      this.#options.onEvent(record, 'started');
      return record.deviceToken;
    }
    if (record.deviceToken && presentedToken === record.deviceToken) return record.deviceToken;
    throw new StoreError(
      'not_allowed',
      'Verification is open on another device',
      'This verification was opened on another device; finish it there or start a new verification.',
    );
  }

  /** Accepts the terms (idempotent): `started` → `in_progress`. */
  acceptTerms(record: VerificationRecord): void {
    this.assertActive(record);
    if (record.termsAccepted) return;
    record.termsAccepted = true;
    if (record.status === 'started') this.#transition(record, 'in_progress');
    else this.#touch(record);
    this.#options.onEvent(record, 'progress');
  }

  /**
   * Stores one capture. A repeated `idempotencyKey` replays the first answer without storing
   * again; a new key (or none) for a kind already stored replaces it, which is a retake.
   */
  putCapture(
    record: VerificationRecord,
    kind: string,
    bytes: Buffer,
    idempotencyKey: string | undefined,
    documentType: DocumentType | null,
  ): { answer: CaptureAnswer; replay: boolean } {
    this.assertActive(record);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (idempotencyKey !== undefined) {
      const previous = record.idempotency.get(idempotencyKey);
      if (previous) {
        if (previous.kind !== kind || previous.sha256 !== sha256) {
          throw new StoreError(
            'conflict',
            'Idempotency-Key reused for a different capture',
            `This key was first used for ${previous.kind} with other bytes; use a new key for a new upload.`,
          );
        }
        return { answer: previous, replay: true };
      }
    }
    if (!this.termsDone(record)) {
      throw new StoreError('conflict', 'Terms not accepted', 'POST /v1/flow/{id}/terms before uploading captures.');
    }
    let held = bytes.length;
    for (const capture of record.captures.values()) if (capture.kind !== kind) held += capture.bytes.length;
    if (held > this.#maxCaptureBytes) {
      throw new StoreError(
        'too_large',
        'Captures too large',
        `One verification's captures may total at most ${this.#maxCaptureBytes} bytes; send smaller images.`,
      );
    }
    if (!this.#makeRoom(bytes.length - (record.captures.get(kind)?.bytes.length ?? 0))) throw this.#fullError();
    const before = this.progress(record);
    if (documentType) record.documentType = documentType;
    record.captures.set(kind, { kind, bytes, sha256 });
    const answer: CaptureAnswer = { kind, bytes: bytes.length, sha256 };
    if (idempotencyKey !== undefined) {
      record.idempotency.set(idempotencyKey, answer);
      // Endless retakes must not grow the record; a retry comes soon after its first try.
      if (record.idempotency.size > MAX_IDEMPOTENCY_ANSWERS) record.idempotency.delete(record.idempotency.keys().next().value!);
    }
    if (record.status === 'started') this.#transition(record, 'in_progress');
    else this.#touch(record);
    const after = this.progress(record);
    if (before.document !== after.document || before.liveness !== after.liveness || before.terms !== after.terms) {
      this.#options.onEvent(record, 'progress');
    }
    return { answer, replay: false };
  }

  /** Stores the form's checked values (sending them again replaces them): `started` → `in_progress`. */
  putForm(record: VerificationRecord, values: Record<string, string>): void {
    this.assertActive(record);
    const first = record.formData === null;
    if (!this.#makeRoom(jsonBytes(values) - jsonBytes(record.formData))) throw this.#fullError();
    record.formData = { ...values };
    if (record.status === 'started') this.#transition(record, 'in_progress');
    else this.#touch(record);
    if (first) this.#options.onEvent(record, 'progress');
  }

  /** All captures in: → `processing`, then the outcome after `processingDelayMs`. */
  submit(record: VerificationRecord, documentType: DocumentType | null): void {
    this.assertActive(record);
    const missing = this.missingCaptures(record, documentType);
    if (missing.length > 0) {
      throw new StoreError('invalid', 'Missing captures', `Still missing: ${missing.join(', ')}.`);
    }
    if (documentType) record.documentType = documentType;
    this.#transition(record, 'processing');
    this.#options.onEvent(record, 'progress');
    this.#schedule(this.#options.processingDelayMs, () => this.#finish(record));
  }

  /** The phone gives up: any state before `processing` → `canceled`. */
  cancel(record: VerificationRecord): void {
    this.assertActive(record);
    this.#transition(record, 'canceled');
    this.#options.onEvent(record, 'canceled');
  }

  /** Stops every timer; the store answers reads afterwards but schedules nothing. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Refuses changes once the verification was submitted, finished or expired. */
  assertActive(record: VerificationRecord): void {
    this.#expireIfDue(record);
    if (record.status === 'processing') {
      throw new StoreError('conflict', 'Verification already submitted', 'It is being processed; no more changes are accepted.');
    }
    if (isFinalV2(record.status)) {
      throw new StoreError('conflict', `Verification is ${record.status}`, 'A finished or expired verification accepts no more changes.');
    }
    if (record.status === 'generated') {
      throw new StoreError('conflict', 'Verification not opened', 'GET /v1/flow/{id} first to open it and get a device token.');
    }
  }

  /**
   * Whether `more` bytes fit under {@link StoreOptions.maxHeldBytes}, after forgetting as many
   * ended verifications as needed, oldest first. Running ones are never dropped.
   */
  #makeRoom(more: number): boolean {
    let held = this.heldBytes;
    if (more <= 0 || held + more <= this.#maxHeldBytes) return true;
    const ended = [...this.#records.values()].filter((record) => isFinalV2(record.status)).sort((a, b) => a.updatedAt - b.updatedAt);
    for (const record of ended) {
      held -= heldBy(record);
      this.#drop(record);
      if (held + more <= this.#maxHeldBytes) return true;
    }
    return false;
  }

  #fullError(): StoreError {
    return new StoreError(
      'too_large',
      'Sandbox full',
      `The sandbox holds its maximum of ${this.#maxHeldBytes} bytes in verifications still running; try again once some have ended.`,
    );
  }

  #finish(record: VerificationRecord): void {
    if (record.status !== 'processing') return;
    record.completedAt = this.#now();
    this.#transition(record, record.outcome);
    this.#options.onEvent(record, record.outcome === 'rejected' ? 'failed' : 'completed');
  }

  /**
   * Expires a verification whose time is up. A submitted one (`processing`) is left to finish:
   * the user did everything in time, and the outcome follows within `processingDelayMs`.
   */
  #expireIfDue(record: VerificationRecord): void {
    if (isFinalV2(record.status) || record.status === 'processing') return;
    if (this.#now() <= record.expiresAt) return;
    this.#transition(record, 'expired');
    this.#options.onEvent(record, 'expired');
  }

  #transition(record: VerificationRecord, status: V2Status): void {
    record.status = status;
    this.#touch(record);
    if (isFinalV2(status)) this.#schedule(this.#retainEndedMs, () => this.#drop(record));
  }

  /** Forgets an ended verification: its id answers 404 from now on, and its bytes are freed. */
  #drop(record: VerificationRecord): void {
    if (this.#records.get(record.id) === record) this.#records.delete(record.id);
    // Whoever still holds the record (a webhook being built) must not keep the images alive.
    record.captures.clear();
    record.idempotency.clear();
    record.formData = null;
  }

  /** Moves `updatedAt` forward, strictly, so two changes in one millisecond still differ. */
  #touch(record: VerificationRecord): void {
    record.updatedAt = Math.max(this.#now(), record.updatedAt + 1);
  }

  /** setTimeout that never keeps the process alive and that `close()` clears. */
  #schedule(delayMs: number, run: () => void): void {
    if (this.#closed) return;
    // Node caps timeouts at 2^31-1 ms (~24.8 days); longer ttls rely on the lazy check alone,
    // and longer retentions keep the record.
    if (delayMs > 2 ** 31 - 1) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }
}

/** The length of `value` as JSON, in UTF-16 code units (close enough to bytes for a cap); 0 for null. */
function jsonBytes(value: unknown): number {
  return value === null || value === undefined ? 0 : JSON.stringify(value).length;
}

/** What one verification holds, as {@link StoreOptions.maxHeldBytes} counts it. */
function heldBy(record: VerificationRecord): number {
  let total = RECORD_OVERHEAD_BYTES + jsonBytes(record.extraData) + jsonBytes(record.formData);
  for (const capture of record.captures.values()) total += capture.bytes.length;
  return total;
}
