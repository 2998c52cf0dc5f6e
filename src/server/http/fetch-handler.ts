/**
 * The proxy's Fetch API path: a request below `basePath` is matched to its route, its id decoded
 * and checked, the unknown-id limit, the body cap and the `authorize` hook applied, and every
 * failure turned into an `{ error, code }` answer. `okid.node` ends up here too, through the
 * Node adapter, for everything the direct path (`proxy-node-direct.ts`) does not take.
 */
import { ProxyErrorCode, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import { ClientGoneError, OkidProxyError, errorParts, errorResponse, errors } from '../common/errors.js';
import { rememberSocketAddress, socketAddressOf } from './client-address.js';
import type { PlainParts } from '../common/plain-response.js';
import type { ProxyParts } from '../proxy-parts.js';
import { ID_SEGMENT, describe } from './routes.js';
import type { Route } from './routes.js';
import { MAX_WEBHOOK_BYTES } from '../webhooks/webhook-route.js';

/** The path below `basePath` (starting with `/`, or empty), or `undefined` outside it. */
export function relativePath(basePath: string, pathname: string): string | undefined {
  if (pathname === basePath) return '';
  if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length);
  return undefined;
}

/** The proxy's Fetch handler over `parts`; never rejects. */
export function createFetchHandler(parts: ProxyParts): (request: Request, info?: unknown) => Promise<Response> {
  const { resolved, guards, routes } = parts;
  const { basePath, logger } = resolved;

  async function handle(request: Request, info?: unknown): Promise<Response> {
    if (info !== undefined) rememberSocketAddress(request, socketAddressOf(request, info));
    try {
      const path = relativePath(basePath, new URL(request.url).pathname);
      if (path === undefined) throw errors.notFound();
      return await dispatch(request, path);
    } catch (error) {
      if (error instanceof OkidProxyError) return errorResponse(error);
      // Nobody is left to read it; 499 is the customary "client closed request".
      if (error instanceof ClientGoneError) return new Response(null, { status: 499 });
      logger.error(`okid-verify: unexpected proxy error: ${describe(error)}`);
      return errorResponse(errors.internal());
    }
  }

  async function dispatch(request: Request, path: string): Promise<Response> {
    const segments = path.split('/').slice(1);
    const match = findRoute(routes, segments);
    if (!match) throw errors.notFound();
    const { route, rawId } = match;

    let verificationId: string | undefined;
    if (rawId !== undefined) {
      // Checked on the decoded segment, before anything else, so `%2e%2e%2f` or an encoded
      // slash can never reach an upstream URL.
      verificationId = decodeId(rawId);
    }

    const handler = route.methods[request.method];
    if (!handler) throw errors.methodNotAllowed(Object.keys(route.methods));

    // A client that kept asking about ids okID does not know is refused before anything else.
    const blocked = verificationId !== undefined && guards.limiter.blocking ? guards.limiter.checkUnknown(guards.clientOf(request)) : undefined;
    if (blocked) throw blocked;
    // Read whole within its cap and the body deadline (413, 408) before the route sees it.
    if (segments[0] === 'webhooks') request = await guards.bounded(request, MAX_WEBHOOK_BYTES);

    if (verificationId !== undefined) await authorize(parts, request, verificationId);
    if (verificationId === undefined) return handler({ request });
    try {
      return await handler({ request, verificationId });
    } catch (error) {
      if (error instanceof OkidProxyError && error.code === ProxyErrorCode.VerificationNotFound) await guards.limiter.countUnknown(guards.clientOf(request));
      throw error;
    }
  }

  return handle;
}

/** Runs the operator's `authorize` hook, if any: 403 unless it answers exactly `true`. */
async function authorize({ resolved }: ProxyParts, request: Request, verificationId: string): Promise<void> {
  if (!resolved.authorize) return;
  let allowed: boolean;
  try {
    allowed = await resolved.authorize(request, verificationId);
  } catch (error) {
    resolved.logger.error(`okid-verify: the authorize hook threw: ${describe(error)}`);
    throw errors.internal(error);
  }
  // Only an explicit `true` lets the request through: a hook that forgets to return fails closed.
  if (allowed !== true) throw errors.accessDenied();
}

/** What the Fetch handler answers for an error, as plain parts (for the Node direct path). */
export function failure(error: unknown, logger: ProxyParts['resolved']['logger']): PlainParts {
  if (error instanceof OkidProxyError) return errorParts(error);
  // Nobody is left to read it; 499 is the customary "client closed request".
  if (error instanceof ClientGoneError) return { status: 499, headers: {}, body: undefined };
  logger.error(`okid-verify: unexpected proxy error: ${describe(error)}`);
  return errorParts(errors.internal());
}

/** Finds the route whose segments match; returns the raw (still encoded) id segment. */
function findRoute(routes: readonly Route[], segments: readonly string[]): { route: Route; rawId?: string } | undefined {
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    let rawId: string | undefined;
    const matches = route.segments.every((expected, index) => {
      const actual = segments[index]!;
      if (expected === ID_SEGMENT) {
        rawId = actual;
        return actual !== '';
      }
      return expected === actual;
    });
    if (matches) return rawId === undefined ? { route } : { route, rawId };
  }
  return undefined;
}

/** Decodes a path segment and checks it is a verification id; 400 otherwise. */
function decodeId(raw: string): string {
  // Longer than any valid id even when fully percent-encoded: refuse without decoding.
  if (raw.length > 3 * 132) throw errors.invalidId();
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw errors.invalidId();
  }
  if (!VERIFICATION_ID_PATTERN.test(decoded)) throw errors.invalidId();
  return decoded;
}
