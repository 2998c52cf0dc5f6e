/**
 * okID v1 routes: generate a process token and read a verification. A v1 token lives in the
 * same store and state machine as a v2 id; only the wire shape differs.
 */
import type { Handler } from './context.js';
import { findOwnedRecord, pickOutcome, requireApiKey, takeGeneration } from './context.js';
import { pickFlow, pickFormFields } from './flow-options.js';
import { HttpError, optionalObject, optionalUrl, readJsonObject, sendJson } from './http.js';
import { toV1Documented, toV1Verification } from './views.js';

/** `POST /v1/verification/generate` → `{ process_token, expires_at }`. */
export const handleV1Generate: Handler = async (ctx, req, res) => {
  const key = requireApiKey(ctx, req);
  const body = await readJsonObject(req);
  const metadata = optionalObject(body, 'metadata');
  const callbackUrl = optionalUrl(body, 'callback_url');
  if (callbackUrl !== null && ctx.callbackUrls !== 'any' && !sameUrl(callbackUrl, ctx.callbackUrls.only)) {
    throw new HttpError(
      400,
      'Invalid callback_url',
      ctx.callbackUrls.only
        ? `This sandbox is reachable from the network, so it sends webhooks only to its configured webhook URL (${ctx.callbackUrls.only}); leave callback_url out or set it to that URL.`
        : 'This sandbox is reachable from the network, so it sends webhooks only to a webhook URL configured at start (--webhook-url); leave callback_url out.',
    );
  }
  const successUrl = optionalUrl(body, 'success_url');
  const errorUrl = optionalUrl(body, 'error_url');
  const outcome = pickOutcome(metadata, 'metadata');
  const flow = pickFlow(metadata, 'metadata', ctx.flow);
  const formFields = pickFormFields(metadata, 'metadata', ctx.formFields);
  takeGeneration(ctx, key);
  const record = ctx.store.create({
    api: 'v1',
    apiKey: key,
    extraData: metadata,
    returnUrl: successUrl,
    callbackUrl,
    errorUrl,
    outcome,
    flow,
    formFields,
  });
  sendJson(res, 200, { process_token: record.id, expires_at: new Date(record.expiresAt).toISOString() });
};

/** `GET /v1/verification/:id`. */
export const handleV1Get: Handler = (ctx, req, res, [id]) => {
  const key = requireApiKey(ctx, req);
  const record = findOwnedRecord(ctx, key, id);
  sendJson(res, 200, ctx.dialect === 'documented' ? toV1Documented(record) : toV1Verification(ctx.store, record));
};

/** Whether two absolute URLs are the same once normalized (case of scheme and host, default port). */
function sameUrl(a: string, b: string | undefined): boolean {
  return b !== undefined && new URL(a).href === new URL(b).href;
}
