/**
 * `createOkidClient()`: the typed okID API client, for the operator's own server and behind the
 * proxy. The one place in the package that talks to okID's keyed API and the one place the key
 * is used. Every call is bounded by a timeout, every answer checked with a zod schema, every
 * failure an {@link OkidApiError}. Requests are described in `calls.ts` and sent
 * (with timeouts and retries) by `transport.ts`.
 *
 * @module
 */
import {
  GenerateTokenInputSchema,
  GenerateVerificationInputSchema,
  GeneratedTokenSchema,
  GeneratedVerificationSchema,
  V1VerificationSchema,
  V2DetailsSchema,
} from '../../core/protocol.js';
import { IMAGE_SIDES, MAX_IMAGE_BYTES, MAX_QR_BYTES, PNG_TYPE, bytesCall, checkId, checkInput, invalid, jsonCall, textCall } from './calls.js';
import { createTransport, run } from './transport.js';
import { OkidApiError, OkidApiErrorCode } from './api-error.js';
import type { OkidClient, OkidClientOptions, OkidRequestOptions } from './types.js';

export type {
  OkidClient,
  OkidClientOptions,
  OkidImage,
  OkidImageOptions,
  OkidImageSide,
  OkidImageType,
  OkidRequestOptions,
} from './types.js';

/**
 * Creates an okID API client. Throws a `TypeError` for bad options (the message never contains
 * the key).
 *
 * ```ts
 * const okid = createOkidClient({ apiKey: process.env.OKID_API_KEY!, baseUrl: 'https://verify.prod.okid.io' });
 * const { verificationId } = await okid.generateVerification({ extra_data: { user_id: 'u_42' } });
 * ```
 */
export function createOkidClient(options: OkidClientOptions): OkidClient {
  return createClientCore(options).client;
}

/** What the proxy needs beyond the public client: okID's answers as text, for the tolerant reader. Package-internal. */
export interface OkidClientCore {
  client: OkidClient;
  /** v2 details as okID sent them (text), for the tolerant reader (`answers.ts`). */
  readV2Text(id: string, options?: OkidRequestOptions): Promise<string>;
  /** The v1 record as okID sent it (text), for the tolerant reader (`answers.ts`). */
  readV1Text(id: string, options?: OkidRequestOptions): Promise<string>;
}

/** {@link createOkidClient} and the package-internal extras, over one set of options. */
export function createClientCore(options: OkidClientOptions): OkidClientCore {
  const transport = createTransport(options);
  const { baseUrl, v1BaseUrl } = transport;
  const qrPath = (id: unknown) => `/api/get-verification-qrcode/${checkId(id)}`;
  const client: OkidClient = {
    baseUrl,
    v1BaseUrl,
    async generateVerification(input = {}, options = {}) {
      const body = checkInput(GenerateVerificationInputSchema, input, 'generateVerification');
      return run(transport, jsonCall('POST', '/api/generate-verification', 'generate', GeneratedVerificationSchema, body), options.signal);
    },
    async getVerificationDetails(id, options = {}) {
      const path = `/api/get-verification-details/${checkId(id)}`;
      return run(transport, jsonCall('GET', path, 'details', V2DetailsSchema), options.signal);
    },
    async getQrCode(id, options = {}) {
      return (await run(transport, bytesCall(qrPath(id), 'qrcode', PNG_TYPE, MAX_QR_BYTES), options.signal)).bytes;
    },
    async getImage(id, side, options = {}) {
      if (!IMAGE_SIDES.has(side)) throw invalid('side must be front, back or selfie.');
      const { imageType } = options;
      if (imageType !== undefined && imageType !== 'original' && imageType !== 'cropped') {
        throw invalid('imageType must be original or cropped.');
      }
      const query = imageType === undefined ? '' : `?image_type=${imageType}`;
      const path = `/api/get-verification-image-${side}/${checkId(id)}${query}`;
      try {
        return await run(transport, bytesCall(path, 'image', /^image\/[a-z0-9.+-]+(;|$)/i, MAX_IMAGE_BYTES), options.signal);
      } catch (error) {
        // An expiry (or any other code okID's body names) stands; only a plain 404 is ambiguous.
        const ambiguous = error instanceof OkidApiError && error.status === 404 && (error.code === OkidApiErrorCode.ImageNotAvailable || error.code === OkidApiErrorCode.VerificationNotFound);
        if (!ambiguous) throw error;
        // okID answers 404 both for an unknown id and for an image not (yet) accepted, and its
        // wording is not documented: ask whether the verification exists.
        await run(transport, textCall(`/api/get-verification-details/${checkId(id)}`), options.signal).catch((detailsError: unknown) => {
          if (detailsError instanceof OkidApiError && detailsError.status === 404) {
            throw new OkidApiError(OkidApiErrorCode.VerificationNotFound, `Verification not found (404 on ${error.request}).`, {
              status: 404,
              request: error.request,
            });
          }
          throw detailsError;
        });
        throw new OkidApiError(OkidApiErrorCode.ImageNotAvailable, `No accepted image of this kind yet (404 on ${error.request}).`, {
          status: 404,
          request: error.request,
        });
      }
    },
    async generateToken(input = {}, options = {}) {
      const body = checkInput(GenerateTokenInputSchema, input, 'generateToken');
      return run(transport, jsonCall('POST', '/v1/verification/generate', 'generate', GeneratedTokenSchema, body), options.signal);
    },
    async getVerification(id, options = {}) {
      return run(transport, jsonCall('GET', `/v1/verification/${checkId(id)}`, 'details', V1VerificationSchema), options.signal);
    },
  };

  const readText = (path: string, options: OkidRequestOptions = {}): Promise<string> => run(transport, textCall(path), options.signal);
  const readV2Text = (id: string, options?: OkidRequestOptions) => readText(`/api/get-verification-details/${checkId(id)}`, options);
  const readV1Text = (id: string, options?: OkidRequestOptions) => readText(`/v1/verification/${checkId(id)}`, options);

  return { client, readV2Text, readV1Text };
}
