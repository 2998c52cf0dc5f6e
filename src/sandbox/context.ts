/**
 * What every route handler shares: the store, the accepted keys, the rate limiter and the
 * resolved options. Also the key and ownership checks of the keyed okID APIs (v1, v2client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlowStep, FormField } from '../core/capture-api.js';
import { isVerificationId } from '../core/verification-id.js';
import { HttpError, header } from './http.js';
import type { Operator } from './operator.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { VerificationRecord, VerificationStore } from './store.js';

export interface SandboxContext {
  store: VerificationStore;
  apiKeys: ReadonlySet<string>;
  /**
   * Which v1 `callback_url`s a verification may name: any on loopback; beyond loopback only the
   * configured webhook URL (none when there is none).
   */
  callbackUrls: 'any' | { only: string | undefined };
  limiter: SlidingWindowLimiter;
  /** Base of verification URLs and QR codes, without a trailing slash. */
  frontendUrl: () => string;
  /**
   * False when the sandbox acts as okID does today: the capture API answers only the sandbox's
   * own `/verify` page (okID's hosted portal), and 404 to every other origin.
   */
  captureApi: boolean;
  /** The steps of a verification that does not pick its own (`extra_data.sandbox_flow`). */
  flow: readonly FlowStep[];
  /** The form step's fields of a verification that does not pick its own (`extra_data.sandbox_form`). */
  formFields: readonly FormField[];
  /** The operator the phone's first screen names; none: nothing shown. */
  operator?: Operator;
  /**
   * `'documented'`: okID's answers carry only what its documents show (see `views.ts`).
   * Default `'sandbox'`: the sandbox's fuller answers.
   */
  dialect: 'sandbox' | 'documented';
  /** Whether v1 (`/v1/verification/…`) answers on its own origin, and the main origin refuses it. */
  v1OwnOrigin: boolean;
  /** The built element (IIFE) served at `/okid-verify.iife.js`. */
  elementScriptPath: string;
  log: (line: string) => void;
}

/** A route handler; `params` are the decoded path captures. */
export type Handler = (
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
) => Promise<void> | void;

/** The `X-SDK-Key` of the request, or 401 (missing or unknown), as okID answers. */
export function requireApiKey(ctx: SandboxContext, req: IncomingMessage): string {
  const key = header(req, 'X-SDK-Key')?.trim();
  if (!key) {
    throw new HttpError(401, 'Missing API key', 'Send your API key in the X-SDK-Key header.');
  }
  if (!ctx.apiKeys.has(key)) {
    throw new HttpError(401, 'Invalid API key provided', 'The X-SDK-Key header contains an invalid or inactive API key');
  }
  return key;
}

/** A record by id: 404 for a malformed or unknown id. */
export function findRecord(ctx: SandboxContext, id: string | undefined): VerificationRecord {
  const record = id !== undefined && isVerificationId(id) ? ctx.store.get(id) : undefined;
  if (!record) {
    throw new HttpError(404, 'Verification not found', 'No verification exists with this id.');
  }
  return record;
}

/** A record the key created: 404 when unknown, 403 when another key created it. */
export function findOwnedRecord(ctx: SandboxContext, key: string, id: string | undefined): VerificationRecord {
  const record = findRecord(ctx, id);
  if (record.apiKey !== key) {
    throw new HttpError(403, 'Access denied', 'This API key cannot access this verification.');
  }
  return record;
}

/** Counts one generation for the key, or 429 with `Retry-After`. */
export function takeGeneration(ctx: SandboxContext, key: string): void {
  const result = ctx.limiter.take(key);
  if (!result.allowed) {
    throw new HttpError(
      429,
      'Rate limit exceeded',
      `At most 100 verifications per minute per API key; retry in ${result.retryAfterSeconds} s.`,
      {},
      { 'Retry-After': String(result.retryAfterSeconds) },
    );
  }
}

/** Reads `sandbox_outcome` from extra data; anything but the three outcomes is a 400. */
export function pickOutcome(extra: Record<string, unknown> | null, field: string): 'verified' | 'manual_review' | 'rejected' {
  const value = extra?.sandbox_outcome;
  if (value === undefined) return 'verified';
  if (value === 'verified' || value === 'manual_review' || value === 'rejected') return value;
  throw new HttpError(400, 'Invalid sandbox_outcome', `${field}.sandbox_outcome must be verified, manual_review or rejected.`);
}
