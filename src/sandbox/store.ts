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
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { DocumentType, FlowStep, FormField, LivenessPrompt, Progress, V2Status } from '../core/protocol.js';
import { documentCaptureKind, faceCaptureKind } from '../core/capture-api.js';

/** What `extra_data.sandbox_outcome` (v1: `metadata.sandbox_outcome`) may ask for. */
export const SANDBOX_OUTCOMES = ['verified', 'manual_review', 'rejected'] as const;
export type SandboxOutcome = (typeof SANDBOX_OUTCOMES)[number];

/** Document types the flow offers, with the sides each needs. */
export const DOCUMENT_TYPES: ReadonlyArray<{ type: DocumentType; sides: Array<'front' | 'back'> }> = [
  { type: 'passport', sides: ['front'] },
  { type: 'id_card', sides: ['front', 'back'] },
  { type: 'driving_licence', sides: ['front', 'back'] },
];

/** The prompts every verification asks for, in a per-verification shuffled order. */
const LIVENESS_PROMPTS: readonly LivenessPrompt[] = ['straight', 'left', 'right'];

/** Statuses after which nothing changes any more. */
const FINAL: ReadonlySet<V2Status> = new Set(['verified', 'manual_review', 'rejected', 'expired', 'canceled']);

/** True for the v2 statuses after which nothing changes (expired and canceled included). */
export const isFinalV2 = (status: V2Status): boolean => FINAL.has(status);

/** One stored capture image. */
export interface Capture {
  kind: string;
  bytes: Buffer;
  sha256: string;
}

/** The answer of a capture upload, replayed as is for a repeated `Idempotency-Key`. */
export interface CaptureAnswer {
  kind: string;
  bytes: number;
  sha256: string;
}

/** One verification as the sandbox keeps it; dates are epoch milliseconds. */
export interface VerificationRecord {
  /** `ver_…` (v2client) or `tok_v1_…` (v1). */
  id: string;
  /** Which API created it; both APIs can read it. */
  api: 'v1' | 'v2';
  /** The key that created it: only that key may read it (others get 403). */
  apiKey: string;
  status: V2Status;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  completedAt: number | null;
  /** v2 `extra_data` or v1 `metadata`, returned as given. */
  extraData: Record<string, unknown> | null;
  /** v2 `return_url` or v1 `success_url`. */
  returnUrl: string | null;
  /** v1 `callback_url`: where this verification's webhooks go instead of the global URL. */
  callbackUrl: string | null;
  errorUrl: string | null;
  outcome: SandboxOutcome;
  /** Minted by the first `GET /v1/flow/{id}`; binds the capture API to that device. */
  deviceToken: string | null;
  termsAccepted: boolean;
  captures: Map<string, Capture>;
  idempotency: Map<string, CaptureAnswer>;
  prompts: LivenessPrompt[];
  /** Known once a capture or the submit names it. */
  documentType: DocumentType | null;
  /** The steps of this verification, in okID's order (`extra_data.sandbox_flow`, else the sandbox's flow). */
  flow: FlowStep[];
  /** The fields of its form step (used only when `flow` has `form_data`). */
  formFields: FormField[];
  /** The form's values once the phone sent valid ones: personal data, for the operator only. */
  formData: Record<string, string> | null;
}

/** Transitions reported to listeners (the webhook sender). */
export type StoreEvent = 'started' | 'progress' | 'completed' | 'failed' | 'expired' | 'canceled';

/** Per-step progress as okID reports it in `status.progress`: only the steps of the verification's flow. */
export type StepProgress = Progress;

/** What the generate routes (v1 and v2) hand to {@link VerificationStore.create}. */
export interface CreateInput {
  api: 'v1' | 'v2';
  apiKey: string;
  extraData: Record<string, unknown> | null;
  returnUrl: string | null;
  callbackUrl?: string | null;
  errorUrl?: string | null;
  outcome: SandboxOutcome;
  /** The steps; default terms, document, liveness. */
  flow?: FlowStep[];
  /** The form's fields, where the flow has `form_data`. */
  formFields?: FormField[];
}

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
}

/** Default of {@link StoreOptions.retainEndedMs}: one hour. */
export const DEFAULT_RETAIN_ENDED_MS = 60 * 60 * 1000;
/** Default of {@link StoreOptions.maxCaptureBytes}: six phone photos of a few MB each. */
export const DEFAULT_MAX_CAPTURE_BYTES = 20 * 1024 * 1024;
/** Answers kept per verification for `Idempotency-Key` replays; the oldest go first. */
const MAX_IDEMPOTENCY_ANSWERS = 64;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` uniformly random base62 characters (randomInt avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62[randomInt(BASE62.length)];
  return out;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Sides the given document type needs; unknown type → both, the stricter choice. */
function sidesFor(type: DocumentType | null): Array<'front' | 'back'> {
  if (!type) return ['front', 'back'];
  return DOCUMENT_TYPES.find((d) => d.type === type)?.sides ?? ['front', 'back'];
}

/** Refusals the routes turn into HTTP errors; the store stays free of HTTP. */
export class StoreError extends Error {
  constructor(
    readonly reason: 'not_allowed' | 'conflict' | 'invalid' | 'too_large',
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** All verifications of one sandbox and the transitions between their states. */
export class VerificationStore {
  private readonly records = new Map<string, VerificationRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly retainEndedMs: number;
  private readonly maxCaptureBytes: number;
  private closed = false;

  constructor(private readonly options: StoreOptions) {
    this.now = options.now ?? Date.now;
    this.retainEndedMs = options.retainEndedMs ?? DEFAULT_RETAIN_ENDED_MS;
    this.maxCaptureBytes = options.maxCaptureBytes ?? DEFAULT_MAX_CAPTURE_BYTES;
  }

  /** How many verifications are held now, ended ones not yet dropped included. */
  get size(): number {
    return this.records.size;
  }

  /** Capture bytes held now, over every verification. */
  get captureBytes(): number {
    let total = 0;
    for (const record of this.records.values()) for (const capture of record.captures.values()) total += capture.bytes.length;
    return total;
  }

  /** Creates a verification in `generated` and schedules its expiry check. */
  create(input: CreateInput): VerificationRecord {
    const now = this.now();
    const id = input.api === 'v2' ? `ver_${randomBase62(24)}` : `tok_v1_${randomBytes(15).toString('hex')}`;
    const record: VerificationRecord = {
      id,
      api: input.api,
      apiKey: input.apiKey,
      status: 'generated',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.options.ttlMs,
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
    this.records.set(id, record);
    // Expiry is also computed lazily on every read; this unref'd timer only makes the
    // `verification.expired` webhook fire on time when nobody is polling.
    this.schedule(this.options.ttlMs + 5, () => this.expireIfDue(record));
    return record;
  }

  /** The record, with expiry applied; undefined when unknown. */
  get(id: string): VerificationRecord | undefined {
    const record = this.records.get(id);
    if (record) this.expireIfDue(record);
    return record;
  }

  /**
   * Progress of the flow's steps only: document needs front (and back when the type has one);
   * liveness a selfie and every prompt; form_data valid values.
   */
  progress(record: VerificationRecord): StepProgress {
    const done = (complete: boolean): 'completed' | 'pending' => (complete ? 'completed' : 'pending');
    const progress: StepProgress = {};
    for (const step of record.flow) {
      if (step === 'terms') progress.terms = done(record.termsAccepted);
      if (step === 'document') progress.document = done(this.missingDocument(record, record.documentType).length === 0);
      if (step === 'liveness') progress.liveness = done(this.missingLiveness(record).length === 0);
      if (step === 'form_data') progress.form_data = done(record.formData !== null);
    }
    return progress;
  }

  /** What is still needed before submit (captures, `terms`, `form_data`), for the given document type. */
  missingCaptures(record: VerificationRecord, type: DocumentType | null): string[] {
    const has = (step: FlowStep): boolean => record.flow.includes(step);
    return [
      ...(has('terms') && !record.termsAccepted ? ['terms'] : []),
      ...(has('document') ? this.missingDocument(record, type) : []),
      ...(has('liveness') ? this.missingLiveness(record) : []),
      ...(has('form_data') && record.formData === null ? ['form_data'] : []),
    ];
  }

  /** True once the terms are accepted, or when the flow has no terms step. */
  termsDone(record: VerificationRecord): boolean {
    return record.termsAccepted || !record.flow.includes('terms');
  }

  /**
   * First open of the flow: `generated` → `started`, minting the device token. Returns the token
   * the caller may use, or throws `not_allowed` when another device holds the verification.
   */
  open(record: VerificationRecord, presentedToken: string | undefined): string {
    if (record.status === 'generated') {
      record.deviceToken = randomBytes(24).toString('base64url');
      this.transition(record, 'started');
      this.options.onEvent(record, 'started');
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
    if (record.status === 'started') this.transition(record, 'in_progress');
    else this.touch(record);
    this.options.onEvent(record, 'progress');
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
    if (held > this.maxCaptureBytes) {
      throw new StoreError(
        'too_large',
        'Captures too large',
        `One verification's captures may total at most ${this.maxCaptureBytes} bytes; send smaller images.`,
      );
    }
    const before = this.progress(record);
    if (documentType) record.documentType = documentType;
    record.captures.set(kind, { kind, bytes, sha256 });
    const answer: CaptureAnswer = { kind, bytes: bytes.length, sha256 };
    if (idempotencyKey !== undefined) {
      record.idempotency.set(idempotencyKey, answer);
      // Endless retakes must not grow the record; a retry comes soon after its first try.
      if (record.idempotency.size > MAX_IDEMPOTENCY_ANSWERS) record.idempotency.delete(record.idempotency.keys().next().value!);
    }
    if (record.status === 'started') this.transition(record, 'in_progress');
    else this.touch(record);
    const after = this.progress(record);
    if (before.document !== after.document || before.liveness !== after.liveness || before.terms !== after.terms) {
      this.options.onEvent(record, 'progress');
    }
    return { answer, replay: false };
  }

  /** Stores the form's checked values (sending them again replaces them): `started` → `in_progress`. */
  putForm(record: VerificationRecord, values: Record<string, string>): void {
    this.assertActive(record);
    const first = record.formData === null;
    record.formData = { ...values };
    if (record.status === 'started') this.transition(record, 'in_progress');
    else this.touch(record);
    if (first) this.options.onEvent(record, 'progress');
  }

  /** All captures in: → `processing`, then the outcome after `processingDelayMs`. */
  submit(record: VerificationRecord, documentType: DocumentType | null): void {
    this.assertActive(record);
    const missing = this.missingCaptures(record, documentType);
    if (missing.length > 0) {
      throw new StoreError('invalid', 'Missing captures', `Still missing: ${missing.join(', ')}.`);
    }
    if (documentType) record.documentType = documentType;
    this.transition(record, 'processing');
    this.options.onEvent(record, 'progress');
    this.schedule(this.options.processingDelayMs, () => this.finish(record));
  }

  /** The phone gives up: any state before `processing` → `canceled`. */
  cancel(record: VerificationRecord): void {
    this.assertActive(record);
    this.transition(record, 'canceled');
    this.options.onEvent(record, 'canceled');
  }

  /** Stops every timer; the store answers reads afterwards but schedules nothing. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Refuses changes once the verification was submitted, finished or expired. */
  assertActive(record: VerificationRecord): void {
    this.expireIfDue(record);
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

  private finish(record: VerificationRecord): void {
    if (record.status !== 'processing') return;
    record.completedAt = this.now();
    this.transition(record, record.outcome);
    this.options.onEvent(record, record.outcome === 'rejected' ? 'failed' : 'completed');
  }

  /**
   * Expires a verification whose time is up. A submitted one (`processing`) is left to finish:
   * the user did everything in time, and the outcome follows within `processingDelayMs`.
   */
  private expireIfDue(record: VerificationRecord): void {
    if (isFinalV2(record.status) || record.status === 'processing') return;
    if (this.now() <= record.expiresAt) return;
    this.transition(record, 'expired');
    this.options.onEvent(record, 'expired');
  }

  private missingDocument(record: VerificationRecord, type: DocumentType | null): string[] {
    return sidesFor(type)
      .map((side) => documentCaptureKind(side))
      .filter((kind) => !record.captures.has(kind));
  }

  private missingLiveness(record: VerificationRecord): string[] {
    // The selfie and one capture per prompt: kinds 0..prompts.length, named as the capture API names them.
    const kinds = Array.from({ length: record.prompts.length + 1 }, (_, index) => faceCaptureKind(index));
    return kinds.filter((kind) => !record.captures.has(kind));
  }

  private transition(record: VerificationRecord, status: V2Status): void {
    record.status = status;
    this.touch(record);
    if (isFinalV2(status)) this.schedule(this.retainEndedMs, () => this.drop(record));
  }

  /** Forgets an ended verification: its id answers 404 from now on, and its bytes are freed. */
  private drop(record: VerificationRecord): void {
    if (this.records.get(record.id) === record) this.records.delete(record.id);
    // Whoever still holds the record (a webhook being built) must not keep the images alive.
    record.captures.clear();
    record.idempotency.clear();
    record.formData = null;
  }

  /** Moves `updatedAt` forward, strictly, so two changes in one millisecond still differ. */
  private touch(record: VerificationRecord): void {
    record.updatedAt = Math.max(this.now(), record.updatedAt + 1);
  }

  /** setTimeout that never keeps the process alive and that `close()` clears. */
  private schedule(delayMs: number, run: () => void): void {
    if (this.closed) return;
    // Node caps timeouts at 2^31-1 ms (~24.8 days); longer ttls rely on the lazy check alone,
    // and longer retentions keep the record.
    if (delayMs > 2 ** 31 - 1) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}
