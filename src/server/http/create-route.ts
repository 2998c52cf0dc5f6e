/**
 * `POST {base}/verifications`: a new verification, made only when the operator opted in with a
 * `create` hook (creating verifications costs money). The guards run first (origin, the client's
 * create limit, the body's caps), then the hook decides what okID is sent, or refuses.
 */
import { z } from 'zod/mini';
import { errorMessage } from '../../core/error-message.js';
import { JSON_HEADERS, OkidProxyError, errors } from '../common/errors.js';
import type { OkidProxyLogger } from '../common/log.js';
import type { ProviderCreateInput, ProviderSession } from '../providers/provider.js';

/**
 * The operator's hook: what to send okID for this request (`extra_data`, `return_url`), or
 * `null`/`false` to refuse with 403.
 */
export type CreateHook = (request: Request) => CreateVerificationInput | null | false | Promise<CreateVerificationInput | null | false>;

/** What a `create` hook returns: the body sent to okID `POST /api/generate-verification`. */
export interface CreateVerificationInput {
  /** Operator metadata stored with the verification and returned in webhooks. */
  extra_data?: Record<string, unknown>;
  /** Where the phone is sent after the result (after a 3-second countdown). */
  return_url?: string;
}

/** What the create route needs. */
export interface CreateRouteSettings {
  basePath: string;
  /** The provider's create (okID's generate, OOTO's session, uqudo's session). */
  createSession(input: ProviderCreateInput, signal: AbortSignal): Promise<ProviderSession>;
  logger: OkidProxyLogger;
  /** The guards' checks before the hook runs; returns the request with its body read. */
  admitCreate(request: Request): Promise<Request>;
}

/** Validates what an operator's `create` hook returned before it is sent to okID. */
const CreateInputSchema = z.object({
  extra_data: z.optional(z.record(z.string(), z.unknown())),
  return_url: z.optional(z.url({ protocol: /^https?$/ })),
});

/** The create route's handler for `create`. */
export const createRoute =
  (settings: CreateRouteSettings, create: CreateHook) =>
  (request: Request): Promise<Response> =>
    handleCreate(settings, create, request);

async function handleCreate(settings: CreateRouteSettings, create: CreateHook, request: Request): Promise<Response> {
  const { logger } = settings;
  // Before the hook: a refused request must not reach the operator's code, nor okID. The guards
  // (request-guards.ts) check the origin and the client's create limit, and read the body within its caps.
  request = await settings.admitCreate(request);
  let input: unknown;
  try {
    input = await create(request);
  } catch (error) {
    // E.g. the hook read the request body and it was over the size cap (413).
    if (error instanceof OkidProxyError) throw error;
    logger.error(`okid-verify: the create hook threw: ${errorMessage(error)}`);
    throw errors.internal(error);
  }
  if (input === null || input === false) throw errors.accessDenied();
  const parsed = CreateInputSchema.safeParse(input);
  if (!parsed.success) {
    logger.error(
      'okid-verify: the create hook must return { extra_data?: object, return_url?: http(s) URL }, null or false.',
    );
    throw errors.internal();
  }
  const body: ProviderCreateInput = {};
  if (parsed.data.extra_data !== undefined) body.extra_data = parsed.data.extra_data;
  if (parsed.data.return_url !== undefined) body.return_url = parsed.data.return_url;

  const session = await settings.createSession(body, request.signal);
  // `handoff` only when the QR code holds text for a vendor's app: a URL is the contract's default.
  const created: Omit<ProviderSession, 'handoff'> & { handoff?: 'app' } = {
    verificationId: session.verificationId,
    verificationUrl: session.verificationUrl,
    expiresAt: session.expiresAt,
    ...(session.handoff === 'app' ? { handoff: 'app' as const } : {}),
  };
  return new Response(JSON.stringify(created), {
    status: 201,
    headers: {
      ...JSON_HEADERS,
      'Cache-Control': 'no-store',
      Location: `${settings.basePath}/verifications/${encodeURIComponent(session.verificationId)}`,
    },
  });
}
