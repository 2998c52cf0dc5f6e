/**
 * okID v2client routes: generate, details, QR code and the accepted images. All need
 * `X-SDK-Key`, and a key sees only the verifications it created.
 */
import QRCode from 'qrcode';
import { joinUrl } from '../core/verification-id.js';
import type { Handler } from './context.js';
import { findOwnedRecord, pickOutcome, requireApiKey, takeGeneration } from './context.js';
import { flowModules, pickFlow, pickFormFields } from './flow-options.js';
import { HttpError, optionalObject, optionalUrl, readJsonObject, sendBytes, sendJson } from './http.js';
import { documentedV2Word, toV2Details, toV2Documented } from './views.js';

/** `{frontendUrl}/verify?verification_id={id}`: what the QR code and the links point to. */
export const verificationUrl = (frontendUrl: string, id: string): string =>
  joinUrl(frontendUrl, `/verify?verification_id=${encodeURIComponent(id)}`);

/** `POST /api/generate-verification`. */
export const handleGenerate: Handler = async (ctx, req, res) => {
  const key = requireApiKey(ctx, req);
  const body = await readJsonObject(req);
  const extraData = optionalObject(body, 'extra_data');
  const returnUrl = optionalUrl(body, 'return_url');
  const outcome = pickOutcome(extraData, 'extra_data');
  const flow = pickFlow(extraData, 'extra_data', ctx.flow);
  const formFields = pickFormFields(extraData, 'extra_data', ctx.formFields);
  takeGeneration(ctx, key);
  const record = ctx.store.create({ api: 'v2', apiKey: key, extraData, returnUrl, outcome, flow, formFields });
  sendJson(res, 200, {
    verificationId: record.id,
    expiresAt: new Date(record.expiresAt).toISOString(),
    verificationUrl: verificationUrl(ctx.frontendUrl(), record.id),
    modules: flowModules(record),
    flow: [...record.flow],
  });
};

/** `GET /api/get-verification-details/{id}`. */
export const handleDetails: Handler = (ctx, req, res, [id]) => {
  const key = requireApiKey(ctx, req);
  const record = findOwnedRecord(ctx, key, id);
  sendJson(res, 200, ctx.dialect === 'documented' ? toV2Documented(ctx.store, record) : toV2Details(ctx.store, record));
};

/** `GET /api/get-verification-qrcode/{id}`: a 400×400 PNG, only while `generated`. */
export const handleQrCode: Handler = async (ctx, req, res, [id]) => {
  const key = requireApiKey(ctx, req);
  const record = findOwnedRecord(ctx, key, id);
  if (record.status !== 'generated') {
    throw new HttpError(
      409,
      "Verification must be in 'generated' state to generate a QR code",
      'The verification was already opened, finished or expired.',
      { current_status: ctx.dialect === 'documented' ? documentedV2Word(record.status) : record.status },
    );
  }
  const png = await QRCode.toBuffer(verificationUrl(ctx.frontendUrl(), record.id), {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 400,
  });
  sendBytes(res, 200, 'image/png', png, { 'Cache-Control': 'no-store' });
};

const IMAGE_KINDS = { front: 'document_front', back: 'document_back', selfie: 'selfie' } as const;

/**
 * `GET /api/get-verification-image-{front|back|selfie}/{id}`: the exact JPEG the phone uploaded,
 * once submitted. The sandbox does no image processing, so `image_type=cropped` returns the same
 * bytes as `original`.
 */
export const handleImage =
  (which: keyof typeof IMAGE_KINDS): Handler =>
  (ctx, req, res, [id], url) => {
    const key = requireApiKey(ctx, req);
    const imageType = url.searchParams.get('image_type');
    if (imageType !== null && imageType !== 'original' && imageType !== 'cropped') {
      throw new HttpError(400, 'Invalid image_type', 'image_type must be original or cropped.');
    }
    const record = findOwnedRecord(ctx, key, id);
    const submitted = record.status === 'processing' || ['verified', 'manual_review', 'rejected'].includes(record.status);
    const capture = submitted ? record.captures.get(IMAGE_KINDS[which]) : undefined;
    if (!capture) {
      throw new HttpError(404, 'Image not available', `No accepted ${which} image for this verification.`);
    }
    sendBytes(res, 200, 'image/jpeg', capture.bytes, { 'Cache-Control': 'no-store' });
  };
