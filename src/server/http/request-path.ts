/**
 * The proxy's one request path. Every request below `basePath`, from `okid.fetch` and `okid.node`
 * alike, goes through {@link serveRequest}: the route is matched, the id decoded and checked, the
 * client's unknown-id limit applied, the operator's `authorize` hook asked, the handler run, and
 * every failure turned into an `{ error, code }` answer. The transports only build an
 * {@link Exchange} and write the {@link Reply}.
 */
import { ProxyErrorCode, VERIFICATION_ID_MAX_LENGTH, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import { errorMessage } from '../../core/error-message.js';
import { ClientGoneError, OkidProxyError, errorParts, errors } from '../common/errors.js';
import type { OkidProxyLogger } from '../common/log.js';
import type { PlainParts } from '../common/plain-response.js';
import type { Exchange, Reply } from './exchange.js';
import type { Limiter } from './limits.js';

/** What a route handler gets: the exchange and, on per-verification routes, the checked id. */
export interface RouteContext {
  exchange: Exchange;
  /** Present on per-verification routes; already validated and authorized. */
  verificationId?: string;
  /** The raw (still percent-encoded) segments matched by {@link PARAM_SEGMENT}, in order. */
  params?: readonly string[];
}

/** Answers one method of one route. */
export type RouteHandler = (context: RouteContext) => Promise<Reply>;

/**
 * One entry of the route table. `segments` are literal path segments below the base path,
 * with {@link ID_SEGMENT} where the verification id goes.
 */
export interface Route {
  segments: readonly string[];
  methods: Readonly<Partial<Record<string, RouteHandler>>>;
}

/** Placeholder for the verification id in {@link Route.segments}. */
export const ID_SEGMENT = ':id';

/**
 * Placeholder for any other non-empty segment (a provider's callback secret), handed to the
 * handler raw: no id check, no unknown-id limit, no `authorize` (the handler checks it).
 */
export const PARAM_SEGMENT = '*';

/** What the request path needs of one proxy. */
export interface RequestPathSettings {
  basePath: string;
  routes: readonly Route[];
  limiter: Limiter;
  logger: OkidProxyLogger;
  /**
   * True for a verification that is evidently no guess (watched here, or read from okID within
   * the unknown-id window): a client past its unknown-id limit is still served it.
   */
  isKnown?: (verificationId: string) => boolean;
  /** The operator's hook: only an explicit `true` lets a per-verification request through. */
  authorize?: ((request: Request, verificationId: string) => boolean | Promise<boolean>) | undefined;
}

/** The path below `basePath` (starting with `/`, or empty), or `undefined` outside it. */
export function relativePath(basePath: string, pathname: string): string | undefined {
  if (pathname === basePath) return '';
  if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length);
  return undefined;
}

/** Answers the request for `path` (below `basePath`); never rejects. */
export async function serveRequest(settings: RequestPathSettings, path: string, exchange: Exchange): Promise<Reply> {
  let verificationId: string | undefined;
  try {
    const match = findRoute(settings.routes, path.split('/').slice(1));
    if (!match) throw errors.notFound();
    // Checked on the decoded segment, before anything else, so `%2e%2e%2f` or an encoded slash
    // can never reach an upstream URL.
    if (match.rawId !== undefined) verificationId = decodeId(match.rawId);
    const handler = match.route.methods[exchange.method];
    if (!handler) throw errors.methodNotAllowed(Object.keys(match.route.methods));
    if (verificationId === undefined) return await handler(match.params.length > 0 ? { exchange, params: match.params } : { exchange });

    // A client that kept asking about ids okID does not know is refused before anything else,
    // for ids it might be guessing: a verification known here is still served (behind one NAT,
    // one prober must not stall everybody's status page).
    const { limiter } = settings;
    const blocked = limiter.blocking ? limiter.checkUnknown(exchange.client()) : undefined;
    if (blocked && !settings.isKnown?.(verificationId)) throw blocked;
    if (settings.authorize) await authorize(settings, exchange, verificationId);
    return await handler({ exchange, verificationId });
  } catch (error) {
    if (verificationId !== undefined && error instanceof OkidProxyError && error.code === ProxyErrorCode.VerificationNotFound) {
      await settings.limiter.countUnknown(exchange.client());
    }
    return failure(error, settings.logger);
  }
}

/** Runs the operator's `authorize` hook: 403 unless it answers exactly `true`. */
async function authorize(settings: RequestPathSettings, exchange: Exchange, verificationId: string): Promise<void> {
  let allowed: boolean;
  try {
    allowed = await settings.authorize!(exchange.request(), verificationId);
  } catch (error) {
    settings.logger.error(`okid-verify: the authorize hook threw: ${errorMessage(error)}`);
    throw errors.internal(error);
  }
  // Only an explicit `true` lets the request through: a hook that forgets to return fails closed.
  if (allowed !== true) throw errors.accessDenied();
}

/** The answer to an error: its `{ error, code }` parts; a 500 (logged) for anything unexpected. */
export function failure(error: unknown, logger: OkidProxyLogger): PlainParts {
  if (error instanceof OkidProxyError) return errorParts(error);
  // Nobody is left to read it; 499 is the customary "client closed request".
  if (error instanceof ClientGoneError) return { status: 499, headers: {}, body: undefined };
  logger.error(`okid-verify: unexpected proxy error: ${errorMessage(error)}`);
  return errorParts(errors.internal());
}

/** Finds the route whose segments match; returns the raw (still encoded) id segment. */
function findRoute(routes: readonly Route[], segments: readonly string[]): { route: Route; rawId?: string; params: string[] } | undefined {
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    let rawId: string | undefined;
    const params: string[] = [];
    const matches = route.segments.every((expected, index) => {
      const actual = segments[index]!;
      if (expected === ID_SEGMENT) {
        rawId = actual;
        return actual !== '';
      }
      if (expected === PARAM_SEGMENT) {
        params.push(actual);
        return actual !== '';
      }
      return expected === actual;
    });
    if (matches) return rawId === undefined ? { route, params } : { route, rawId, params };
  }
  return undefined;
}

/** Decodes a path segment and checks it is a verification id; 400 otherwise. */
function decodeId(raw: string): string {
  // Longer than any valid id even when fully percent-encoded: refuse without decoding.
  if (raw.length > 3 * VERIFICATION_ID_MAX_LENGTH) throw errors.invalidId();
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw errors.invalidId();
  }
  if (!VERIFICATION_ID_PATTERN.test(decoded)) throw errors.invalidId();
  return decoded;
}
