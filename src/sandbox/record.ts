/**
 * One sandbox verification as the store keeps it, and what follows from it without any state
 * change: which steps are done (`progress`), what submit still needs, and the sandbox's fixed
 * document types and liveness prompts. Pure; the store (store.ts) owns the transitions.
 */
import { randomInt } from 'node:crypto';
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
export const LIVENESS_PROMPTS: readonly LivenessPrompt[] = ['straight', 'left', 'right'];

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

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` uniformly random base62 characters (randomInt avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62[randomInt(BASE62.length)];
  return out;
}

export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Sides the given document type needs; unknown type → both, the stricter choice. */
export function sidesFor(type: DocumentType | null): Array<'front' | 'back'> {
  if (!type) return ['front', 'back'];
  return DOCUMENT_TYPES.find((d) => d.type === type)?.sides ?? ['front', 'back'];
}

/** The document captures still missing for `type`. */
export function missingDocument(record: VerificationRecord, type: DocumentType | null): string[] {
  return sidesFor(type)
    .map((side) => documentCaptureKind(side))
    .filter((kind) => !record.captures.has(kind));
}

/** The face captures still missing: the selfie and one per prompt, named as the capture API names them. */
export function missingLiveness(record: VerificationRecord): string[] {
  const kinds = Array.from({ length: record.prompts.length + 1 }, (_, index) => faceCaptureKind(index));
  return kinds.filter((kind) => !record.captures.has(kind));
}

/**
 * Progress of the flow's steps only: document needs front (and back when the type has one);
 * liveness a selfie and every prompt; form_data valid values.
 */
export function progressOf(record: VerificationRecord): StepProgress {
  const done = (complete: boolean): 'completed' | 'pending' => (complete ? 'completed' : 'pending');
  const progress: StepProgress = {};
  for (const step of record.flow) {
    if (step === 'terms') progress.terms = done(record.termsAccepted);
    if (step === 'document') progress.document = done(missingDocument(record, record.documentType).length === 0);
    if (step === 'liveness') progress.liveness = done(missingLiveness(record).length === 0);
    if (step === 'form_data') progress.form_data = done(record.formData !== null);
  }
  return progress;
}

/** What is still needed before submit (captures, `terms`, `form_data`), for the given document type. */
export function missingBeforeSubmit(record: VerificationRecord, type: DocumentType | null): string[] {
  const has = (step: FlowStep): boolean => record.flow.includes(step);
  return [
    ...(has('terms') && !record.termsAccepted ? ['terms'] : []),
    ...(has('document') ? missingDocument(record, type) : []),
    ...(has('liveness') ? missingLiveness(record) : []),
    ...(has('form_data') && record.formData === null ? ['form_data'] : []),
  ];
}

/** True once the terms are accepted, or when the flow has no terms step. */
export const termsDone = (record: VerificationRecord): boolean => record.termsAccepted || !record.flow.includes('terms');

/** Refusals the routes turn into HTTP errors; the store stays free of HTTP. */
export class StoreError extends Error {
  constructor(
    readonly reason: 'not_allowed' | 'conflict' | 'invalid' | 'too_large' | 'full',
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
