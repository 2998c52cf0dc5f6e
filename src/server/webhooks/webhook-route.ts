/**
 * `POST {base}/webhooks`: okID's signed deliveries. Checks the signature before reading the
 * event (every reading of okID's words, or the one `webhookScheme` pins; the first accepted
 * delivery logs which matched), refuses replays, processes each event id once (across
 * instances, through the hub). A webhook is news, not the truth: its body is never published.
 * It names a verification, which is re-read from okID at once (past the shared-read cache,
 * still one read in flight per id), and okID's answer is published to the hub. So a replayed,
 * forged-but-signed or reordered delivery costs one read, never a wrong status.
 */
import { createHash } from 'node:crypto';
import { VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { JSON_HEADERS, OkidProxyError, errors } from '../common/errors.js';
import type { OkidHub } from '../hub/hub.js';
import type { OkidProxyLogger } from '../common/log.js';
import {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  OkidWebhookError,
  OkidWebhookErrorCode,
  TIMESTAMP_HEADER,
  describeReading,
  readingOf,
  verifyWebhookSync,
} from './signature.js';
import type { OkidWebhookEvent, WebhookScheme } from './signature.js';
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
  /** Accept only this reading of the signature; default every reading. */
  scheme?: WebhookScheme;
  /**
   * Reads the verification from okID now (not from the shared-read cache; joining a read in
   * flight): the snapshot to publish, or `undefined` when it is not newer than what this
   * instance knows (a replayed or reordered delivery). Rejects with an `OkidProxyError` (404
   * when okID does not know the id).
   */
  reread: (verificationId: string) => Promise<StatusSnapshot | undefined>;
}

/** Builds the webhook route's handler. */
export function createWebhookHandler(options: WebhookHandlerOptions): (request: Request) => Promise<Response> {
  const { secrets, hub, logger } = options;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  let readingLogged = false;

  /** Lets okID retry: forgets the claimed keys (not awaited: a hung hub must not hold the answer) and answers 503. */
  const hubFailed = (claimed: readonly string[], event: OkidWebhookEvent, error: unknown): Response => {
    for (const key of claimed) hub.forget(key).catch(() => undefined);
    const message = `okid-verify: could not process webhook event ${event.id ?? '(no id)'} through the push hub (answered 503, okID retries): ${errorMessage(error)}`;
    if (options.hubLog) options.hubLog.log('webhook-hub', message, 'error');
    else logger.error(message);
    return webhookError(503, 'HUB_UNAVAILABLE', 'The event could not be processed; retry later.');
  };

  return async (request) => {
    const body = await readCapped(request, MAX_WEBHOOK_BYTES);

    let event: OkidWebhookEvent;
    try {
      event = verifyWebhookSync({ body, headers: request.headers, secret: secrets, toleranceSeconds, scheme: options.scheme });
    } catch (error) {
      if (!(error instanceof OkidWebhookError)) throw error;
      logger.warn(`okid-verify: refused a webhook delivery (${error.code}): ${error.message}`);
      // The detailed message (which may quote a header) is for the operator's log; the sender
      // gets a fixed one.
      return webhookError(error.code === OkidWebhookErrorCode.BadSignature ? 401 : 400, error.code, PUBLIC_MESSAGES[error.code]);
    }

    const reading = readingOf(event);
    if (!readingLogged && reading !== undefined) {
      readingLogged = true;
      // So the operator learns okID's real scheme (and may pin it with webhookScheme).
      logger.warn(`okid-verify: first webhook accepted; its signature matched as ${describeReading(reading)}.`);
    }
    const verificationId = verificationIdOf(event);
    if (verificationId === 'ignored') return accepted({ received: true, ignored: true });
    if (verificationId === undefined) {
      logger.warn(`okid-verify: refused webhook event ${event.id ?? '(no id)'} (${event.event}): its data names no verification.`);
      return webhookError(400, OkidWebhookErrorCode.BadPayload, 'The event data names no verification.');
    }

    // The same signed bytes again: someone replays a captured request. okID's own retries are
    // signed afresh, so they pass here and are dropped below as repeats of the event id.
    const digest = createHash('sha256').update(body).digest('hex');
    const replayKey = `webhook-delivery:${request.headers.get(TIMESTAMP_HEADER)?.trim()}.${digest}`;
    const eventKey = eventKeyOf(event);
    // Each key is counted as claimed before its call: a call that passed its deadline may still
    // reach the hub later, and must not make okID's retry look like a repeat.
    // The news says "look again": okID's answer is what browsers get. Asked at once, beside the
    // hub's repeat check, and handed to this instance's own browsers as soon as it comes: they
    // need not wait for the hub, even a frozen one (the version ordering drops the copy the hub
    // brings back). A replay can cost this one read, never a wrong status.
    const rereading = options.reread(verificationId).then(
      (snapshot) => {
        if (snapshot !== undefined) options.deliverLocally?.(snapshot);
        return { snapshot };
      },
      (error: unknown) => ({ error }),
    );
    const claimed: string[] = [];
    try {
      claimed.push(replayKey);
      if (!(await hub.markSeen(replayKey, (2 * toleranceSeconds + 60) * 1000))) {
        return webhookError(409, 'WEBHOOK_REPLAYED', 'This delivery was already received.');
      }
      claimed.push(eventKey);
      if (!(await hub.markSeen(eventKey, EVENT_ID_TTL_MS))) return accepted({ received: true, duplicate: true });
    } catch (error) {
      return hubFailed(claimed, event, error);
    }
    const reread = await rereading;
    if ('error' in reread) {
      const { error } = reread;
      if (error instanceof OkidProxyError && error.status === 404) {
        // okID does not know it under this id (a v1 record id held by another instance's
        // watch): nothing to publish; the watch's own poll will see the change.
        return accepted({ received: true, unresolved: true });
      }
      for (const key of claimed) hub.forget(key).catch(() => undefined);
      logger.warn(`okid-verify: could not re-read ${verificationId} from okID after a webhook (answered 503, okID retries): ${errorMessage(error)}`);
      return webhookError(503, 'UPSTREAM_UNAVAILABLE', 'The event could not be processed; retry later.');
    }
    const { snapshot } = reread;
    if (snapshot === undefined) return accepted({ received: true });
    try {
      await hub.publish(snapshot);
    } catch (error) {
      return hubFailed(claimed, event, error);
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
 * The verification an event is about (`data.process_token`, `data.id` or `data.verification_id`); `'ignored'` for
 * events that are not about a verification; `undefined` when a verification event names none.
 */
export function verificationIdOf(event: OkidWebhookEvent): string | 'ignored' | undefined {
  if (!event.event.startsWith('verification.')) return 'ignored';
  const data = event.data as Record<string, unknown>;
  const id = [data.process_token, data.id, data.verification_id].find((value) => typeof value === 'string' && VERIFICATION_ID_PATTERN.test(value));
  return id as string | undefined;
}

/** Reads the body into bytes, refusing (413) past `max` without reading the rest. */
async function readCapped(request: Request, max: number): Promise<Uint8Array> {
  return (await readBodyCapped(request, max, () => errors.payloadTooLarge())) ?? new Uint8Array();
}

const accepted = (body: Record<string, unknown>): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { ...JSON_HEADERS, 'Cache-Control': 'no-store' } });

const webhookError = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify({ error: message, code }), { status, headers: { ...JSON_HEADERS, 'Cache-Control': 'no-store' } });
