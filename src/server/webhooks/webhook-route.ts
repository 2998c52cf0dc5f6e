/**
 * `POST {base}/webhooks`: okID's signed deliveries. Checks the signature before reading the
 * event, refuses replays, processes each event id once (across instances, through the hub),
 * turns the event into a status snapshot (never personal data) and publishes it to the hub.
 * Answers at once: nothing slow happens before the 2xx.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod/mini';
import { StatusSnapshotSchema, V1StatusSchema, V2StatusSchema, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { snapshotFromV1, snapshotFromV2 } from '../../core/normalize.js';
import { JSON_HEADERS, errors } from '../common/errors.js';
import type { OkidHub } from '../hub/hub.js';
import { withSynthesizedTime } from '../hub/hub.js';
import type { OkidProxyLogger } from '../common/log.js';
import {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  OkidWebhookError,
  OkidWebhookErrorCode,
  TIMESTAMP_HEADER,
  verifyWebhookSync,
} from './signature.js';
import type { OkidWebhookEvent } from './signature.js';
import { readBodyCapped } from '../common/read-body.js';
import type { RateLimitedLog } from '../common/log.js';
import { errorMessage } from '../../core/error-message.js';

/** Largest webhook body accepted, in bytes. okID's events are well under 10 KB. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * How long an event id is remembered, in milliseconds. okID retries within seconds; a day
 * also covers a delivery replayed by hand.
 */
const EVENT_ID_TTL_MS = 24 * 60 * 60 * 1000;

const PUBLIC_MESSAGES: Record<OkidWebhookErrorCode, string> = {
  MISSING_HEADER: 'Missing webhook signature headers.',
  BAD_TIMESTAMP: 'Malformed webhook timestamp.',
  TIMESTAMP_OUT_OF_TOLERANCE: 'Webhook timestamp outside the accepted window.',
  BAD_SIGNATURE: 'Invalid webhook signature.',
  BAD_PAYLOAD: 'Invalid webhook payload.',
};

/** Settings of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions {
  secrets: readonly string[];
  /** With a deadline on every call (see `hub/guarded-hub.ts`), so the route always answers in time. */
  hub: OkidHub;
  /**
   * Gives a snapshot to this instance's own streams without the hub, before the hub is asked: a
   * hub that fails or hangs does not keep the browsers held here waiting.
   */
  deliverLocally?: (snapshot: StatusSnapshot) => void;
  /** Where hub failures are logged, rate-limited; default: `logger`, every time. */
  hubLog?: RateLimitedLog;
  logger: OkidProxyLogger;
  toleranceSeconds?: number;
}

/** The fields of an event's `data` a snapshot is made of; everything else is ignored. */
const WebhookDataSchema = z.looseObject({
  id: z.string().check(z.regex(VERIFICATION_ID_PATTERN)),
  status: z.string(),
  updated_at: z.optional(z.string()),
  completed_at: z.optional(z.nullable(z.string())),
  created_at: z.optional(z.string()),
  expires_at: z.optional(z.string()),
  progress: z.optional(z.record(z.string(), z.string())),
  outcome: z.optional(z.string()),
});

/** Builds the webhook route's handler. */
export function createWebhookHandler(options: WebhookHandlerOptions): (request: Request) => Promise<Response> {
  const { secrets, hub, logger } = options;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;

  return async (request) => {
    const body = await readCapped(request, MAX_WEBHOOK_BYTES);

    let event: OkidWebhookEvent;
    try {
      event = verifyWebhookSync({ body, headers: request.headers, secret: secrets, toleranceSeconds });
    } catch (error) {
      if (!(error instanceof OkidWebhookError)) throw error;
      logger.warn(`okid-verify: refused a webhook delivery (${error.code}): ${error.message}`);
      // The detailed message (which may quote a header) is for the operator's log; the sender
      // gets a fixed one.
      return webhookError(error.code === OkidWebhookErrorCode.BadSignature ? 401 : 400, error.code, PUBLIC_MESSAGES[error.code]);
    }

    const snapshot = snapshotFromEvent(event);
    if (snapshot === 'ignored') return accepted({ received: true, ignored: true });
    if (snapshot === undefined) {
      logger.warn(`okid-verify: refused webhook event ${event.id ?? '(no id)'} (${event.event}): its data is not a verification status.`);
      return webhookError(400, OkidWebhookErrorCode.BadPayload, 'The event data is not a verification status.');
    }

    // The same signed bytes again: someone replays a captured request. okID's own retries are
    // signed afresh, so they pass here and are dropped below as repeats of the event id.
    const digest = createHash('sha256').update(body).digest('hex');
    const replayKey = `webhook-delivery:${request.headers.get(TIMESTAMP_HEADER)?.trim()}.${digest}`;
    const eventKey = eventKeyOf(event);
    // This instance's own browsers first, at once: they need not wait for the hub (nor, when it
    // fails, for okID's retry). The version ordering drops the copy the hub brings back.
    options.deliverLocally?.(snapshot);
    // Each key is counted as claimed before its call: a call that passed its deadline may still
    // reach the hub later, and must not make okID's retry look like a repeat.
    const claimed: string[] = [];
    try {
      claimed.push(replayKey);
      if (!(await hub.markSeen(replayKey, (2 * toleranceSeconds + 60) * 1000))) {
        return webhookError(409, 'WEBHOOK_REPLAYED', 'This delivery was already received.');
      }
      claimed.push(eventKey);
      if (!(await hub.markSeen(eventKey, EVENT_ID_TTL_MS))) return accepted({ received: true, duplicate: true });
      await hub.publish(snapshot);
    } catch (error) {
      // Let okID retry: forget that we saw it (not awaited: a hub that hangs must not hold the
      // answer up; the hub runs one connection's commands in order, so this follows the claim),
      // and say so with a 5xx.
      for (const key of claimed) hub.forget(key).catch(() => undefined);
      const message = `okid-verify: could not process webhook event ${event.id ?? '(no id)'} through the push hub (answered 503, okID retries): ${errorMessage(error)}`;
      if (options.hubLog) options.hubLog.log('webhook-hub', message, 'error');
      else logger.error(message);
      return webhookError(503, 'HUB_UNAVAILABLE', 'The event could not be processed; retry later.');
    }
    return accepted({ received: true });
  };
}

/**
 * The key that recognises a repeat of an event: its `id`, or, for events without one (okID's
 * documented payload), everything that makes the news new: the verification, the event name,
 * the status, each step's progress, the outcome and the times `data` gives. Without progress in
 * it, a second `in_progress` event (the document done after the terms) would look like a repeat
 * of the first and be dropped for as long as the key is remembered. Hashed, so its length does
 * not depend on the sender.
 */
function eventKeyOf(event: OkidWebhookEvent): string {
  if (event.id !== undefined) return `webhook-event:${event.id}`;
  const data = event.data as Record<string, unknown>;
  const text = (part: unknown): string => (typeof part === 'string' ? part : '');
  const progress =
    typeof data.progress === 'object' && data.progress !== null
      ? Object.entries(data.progress as Record<string, unknown>)
          .map(([step, state]) => [step, text(state)])
          // Sorted: the same progress written in another key order is the same news.
          .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
      : [];
  const parts = [
    text(data.id),
    text(event.event),
    text(data.status),
    progress,
    text(data.outcome),
    text(data.updated_at),
    text(data.completed_at),
  ];
  return `webhook-event-derived:${createHash('sha256').update(JSON.stringify(parts)).digest('base64url')}`;
}

/**
 * The status snapshot an event carries; `'ignored'` for events that are not about a
 * verification's status; `undefined` when a verification event's data makes no sense.
 */
export function snapshotFromEvent(event: OkidWebhookEvent): StatusSnapshot | 'ignored' | undefined {
  if (!event.event.startsWith('verification.')) return 'ignored';
  const data = WebhookDataSchema.safeParse(event.data);
  if (!data.success) return undefined;
  const { id, status, progress, expires_at: expiresAt, outcome } = data.data;
  // okID's documented payload has no `updated_at`: the best time it gives instead, marked as
  // synthesized so that it orders by status against okID's real times (status/snapshot-version.ts).
  const synthesized = data.data.updated_at === undefined;
  const updatedAt =
    data.data.updated_at ?? data.data.completed_at ?? data.data.created_at ?? event.created_at ?? new Date().toISOString();
  let snapshot: StatusSnapshot;
  // okID v1 names (`pending`, `completed`, `failed`, …) as v1; anything else as v2's
  // `status.current`. The names both share mean the same in both.
  const v1 = V1StatusSchema.safeParse(status);
  if (v1.success) {
    snapshot = snapshotFromV1({
      id,
      status: v1.data,
      updated_at: updatedAt,
      progress,
      expires_at: expiresAt,
      outcome: outcome === 'verified' || outcome === 'manual_review' ? outcome : undefined,
    });
  } else {
    const v2 = V2StatusSchema.safeParse(status);
    if (!v2.success) return undefined;
    snapshot = snapshotFromV2({ verification_id: id, status: { current: v2.data, updated_at: updatedAt, progress }, expires_at: expiresAt });
  }
  // A fresh object of the snapshot's own fields: `extra_data` and the rest never pass.
  const parsed = StatusSnapshotSchema.safeParse(snapshot);
  if (!parsed.success) return undefined;
  return synthesized ? withSynthesizedTime(parsed.data) : parsed.data;
}

/** Reads the body into bytes, refusing (413) past `max` without reading the rest. */
async function readCapped(request: Request, max: number): Promise<Uint8Array> {
  return (await readBodyCapped(request, max, () => errors.payloadTooLarge())) ?? new Uint8Array();
}

const accepted = (body: Record<string, unknown>): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { ...JSON_HEADERS, 'Cache-Control': 'no-store' } });

const webhookError = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify({ error: message, code }), { status, headers: { ...JSON_HEADERS, 'Cache-Control': 'no-store' } });
