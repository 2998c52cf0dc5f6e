/**
 * The capture API (phone ↔ okID, no key, scoped by the verification id). The first
 * `GET /v1/flow/{id}` opens the verification and binds it to that device; every write then
 * needs `X-Okid-Device: {deviceToken}`:
 *
 * - header missing → 401 (the caller forgot a required credential, as with a missing key);
 * - header present but not the bound device's → 409 (the verification is open elsewhere).
 *
 * Reads of a finished or expired verification still answer, so the phone can show the result
 * screen, but mint no binding: such a reply carries the caller's own token when it matches and
 * an empty `deviceToken` otherwise.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CAPTURE_KIND_PATTERN, DEVICE_HEADER, DocumentTypeSchema, type DocumentType } from '../core/protocol.js';
import type { Handler } from './context.js';
import { findRecord } from './context.js';
import { HttpError, MAX_IMAGE_BYTES, header, readBody, readJsonObject, sendJson } from './http.js';
import { isFinalV2, type VerificationRecord } from './store.js';
import { toFlowConfig, toFlowStatus } from './views.js';

/** CORS for the capture API only: the phone page may be served from another origin. */
export const FLOW_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
  'Access-Control-Allow-Headers': `Content-Type, ${DEVICE_HEADER}, Idempotency-Key`,
  'Access-Control-Max-Age': '600',
};

const sameToken = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** 401 without the device header, 409 for another device (or a flow nobody opened yet). */
export function requireDevice(record: VerificationRecord, req: IncomingMessage): void {
  const presented = header(req, DEVICE_HEADER);
  if (!presented) {
    throw new HttpError(401, 'Missing device token', `Send the ${DEVICE_HEADER} header with the deviceToken from GET /v1/flow/{id}.`);
  }
  if (!record.deviceToken) {
    throw new HttpError(409, 'Verification not opened', 'GET /v1/flow/{id} first to open it and get a device token.');
  }
  if (!sameToken(presented, record.deviceToken)) {
    throw new HttpError(
      409,
      'Verification is open on another device',
      'This verification was opened on another device; finish it there or start a new verification.',
    );
  }
}

function parseDocumentType(value: unknown, field: string): DocumentType {
  const parsed = DocumentTypeSchema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, `Invalid ${field}`, `${field} must be passport, id_card or driving_licence.`);
  }
  return parsed.data;
}

/** `GET /v1/flow/{id}`: the flow config; opens and binds on the first call. */
export const handleFlowGet: Handler = (ctx, req, res, [id]) => {
  const record = findRecord(ctx, id);
  const presented = header(req, DEVICE_HEADER);
  let token: string;
  if (isFinalV2(record.status)) {
    token = presented && record.deviceToken && sameToken(presented, record.deviceToken) ? presented : '';
  } else {
    // Throws StoreError('not_allowed') → 409 for a second device.
    token = ctx.store.open(record, presented);
  }
  sendJson(res, 200, toFlowConfig(ctx.store, record, token, ctx.operator));
};

/** `POST /v1/flow/{id}/terms`: accept the terms (repeating it is harmless). */
export const handleFlowTerms: Handler = (ctx, req, res, [id]) => {
  const record = findRecord(ctx, id);
  requireDevice(record, req);
  ctx.store.acceptTerms(record);
  sendJson(res, 200, toFlowStatus(ctx.store, record));
};

/**
 * `PUT /v1/flow/{id}/captures/{kind}`: one JPEG. Everything that can be refused from the headers
 * is refused before the (up to 10 MB) body is read. An optional `?document_type=` records the
 * chosen type early, so `progress.document` completes without waiting for the submit.
 */
export const handleFlowCapture: Handler = async (ctx, req, res, [id, kind], url) => {
  const record = findRecord(ctx, id);
  requireDevice(record, req);
  ctx.store.assertActive(record);
  if (kind === undefined || !CAPTURE_KIND_PATTERN.test(kind)) {
    throw new HttpError(400, 'Invalid capture kind', 'kind must be document_front, document_back, selfie or liveness_{n}.');
  }
  const step = kind.startsWith('document_') ? 'document' : 'liveness';
  if (!record.flow.includes(step)) {
    throw new HttpError(400, 'Invalid capture kind', `This verification's flow (${record.flow.join(', ')}) has no ${step} step.`);
  }
  const livenessIndex = /^liveness_(\d+)$/.exec(kind)?.[1];
  if (livenessIndex !== undefined && Number(livenessIndex) >= record.prompts.length) {
    throw new HttpError(
      400,
      'Invalid capture kind',
      `This verification has ${record.prompts.length} liveness prompts: liveness_0 to liveness_${record.prompts.length - 1}.`,
    );
  }
  const typeParam = url.searchParams.get('document_type');
  const documentType = typeParam === null ? null : parseDocumentType(typeParam, 'document_type');
  const idempotencyKey = header(req, 'Idempotency-Key');
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
    throw new HttpError(400, 'Invalid Idempotency-Key', 'The Idempotency-Key header must be 1 to 255 characters.');
  }
  if (!ctx.store.termsDone(record)) {
    throw new HttpError(409, 'Terms not accepted', 'POST /v1/flow/{id}/terms before uploading captures.');
  }
  const contentType = header(req, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'image/jpeg') {
    throw new HttpError(400, 'Unsupported image type', 'Send the capture as Content-Type: image/jpeg.');
  }
  const bytes = await readBody(req, MAX_IMAGE_BYTES);
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    throw new HttpError(400, 'Invalid image', 'The body is not a JPEG (it must start with FF D8 FF).');
  }
  const { answer, replay } = ctx.store.putCapture(record, kind, bytes, idempotencyKey, documentType);
  sendJson(res, replay ? 200 : 201, answer);
};

/**
 * `POST /v1/flow/{id}/submit` with `{ documentType }` (optional when the flow has no document
 * step): 400 naming what is missing, else 202.
 */
export const handleFlowSubmit: Handler = async (ctx, req, res, [id]) => {
  const record = findRecord(ctx, id);
  requireDevice(record, req);
  ctx.store.assertActive(record);
  const body = await readJsonObject(req);
  const needsType = record.flow.includes('document') || body.documentType !== undefined;
  const documentType = needsType ? parseDocumentType(body.documentType, 'documentType') : null;
  const missing = ctx.store.missingCaptures(record, documentType);
  if (missing.length > 0) {
    throw new HttpError(400, 'Missing captures', `Still missing: ${missing.join(', ')}.`, { missing });
  }
  ctx.store.submit(record, documentType);
  sendJson(res, 202, { status: 'processing' });
};

/**
 * `POST /v1/flow/{id}/cancel` (a sandbox addition; okID does not document one): the user gives
 * up on the phone → `canceled`. Refused (409) once submitted or finished.
 */
export const handleFlowCancel: Handler = (ctx, req, res, [id]) => {
  const record = findRecord(ctx, id);
  requireDevice(record, req);
  ctx.store.cancel(record);
  sendJson(res, 200, toFlowStatus(ctx.store, record));
};
