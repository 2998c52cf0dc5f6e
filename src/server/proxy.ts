/**
 * `createOkidProxy()`: the operator-side half of the proxy contract. Browsers ask it about a
 * verification; it asks okID with the API key and answers with the status snapshot, so the
 * key never leaves the server. Stateless apart from the push hub: every answer comes from okID,
 * a webhook, or another instance through the hub.
 */
import { randomUUID } from 'node:crypto';
import { ProxyErrorCode, VERIFICATION_ID_PATTERN } from '../core/protocol.js';
import type { StatusSnapshot } from '../core/protocol.js';
import { ClientGoneError, OkidProxyError, errorParts, errorResponse, errors } from './errors.js';
import { abortedOnClose, createNodeHandler, writePlain } from './node-adapter.js';
import type { NodeHandler, NodeRequest } from './node-adapter.js';
import type { ServerResponse } from 'node:http';
import { resolveOptions } from './options.js';
import type { OkidProxyOptions } from './options.js';
import { StatusWatchers } from './poller.js';
import { ID_SEGMENT, createRoutes, describe, readSnapshot, snapshotAnswer } from './routes.js';
import type { PlainParts } from './plain-response.js';
import type { Route } from './routes.js';
import { EventStreams } from './sse.js';
import { SharedReads } from './shared-reads.js';
import { GuardedHub, RateLimitedLog } from './hub-guard.js';
import { RequestGuards } from './guards.js';
import { rememberSocketAddress, socketAddressOf } from './client-address.js';
import type { FetchClientInfo } from './client-address.js';
import { MAX_WEBHOOK_BYTES } from './webhook-route.js';
import { UpstreamClient } from './upstream.js';
import { createWebhookHandler } from './webhook-route.js';

/** The handlers returned by {@link createOkidProxy}. */
export interface OkidProxy {
  /**
   * Fetch API handler (Next.js route handlers, Hono, Bun, Deno, workers). Never rejects:
   * every failure is an `{ error, code }` response. Answers 404 outside `basePath`.
   *
   * `info` tells the per-client limits who sent the request: `{ clientAddress }`, or what the
   * runtime passes a fetch handler (Deno's `info`, Bun's `server`), so `Deno.serve(okid.fetch)`
   * and `Bun.serve({ fetch: okid.fetch })` work as they are. Without an address (and without
   * `trustProxy`), per-client limits do not apply to the request.
   */
  fetch(request: Request, info?: FetchClientInfo | object): Promise<Response>;
  /**
   * Node `http` / Express / Connect handler. Outside `basePath` it calls `next()`, or answers
   * 404 when there is no `next`.
   */
  node: NodeHandler;
  /**
   * Ends every open event stream and stops polling okID, for a graceful shutdown (call it
   * before `server.close()`, which otherwise waits for the streams). Leaves the hub open.
   */
  close(): Promise<void>;
}

/**
 * Creates the okID proxy. Throws a `TypeError` naming the option when options are invalid.
 *
 * @example
 * const okid = createOkidProxy({ apiKey: process.env.OKID_API_KEY!, baseUrl: 'https://verify.prod.okid.io' });
 * app.use(okid.node);
 */
export function createOkidProxy(options: OkidProxyOptions): OkidProxy {
  const resolved = resolveOptions(options);
  const { basePath, logger } = resolved;
  const upstream = new UpstreamClient(resolved);
  // Every okID read of a verification's status goes through here: one in flight per id.
  const reads = new SharedReads({ read: (id, signal) => readSnapshot(upstream, id, signal) });
  // Every hub call with a deadline, and hub trouble logged once a minute per kind.
  const hubLog = new RateLimitedLog(logger);
  const hub = new GuardedHub(resolved.hub, { log: hubLog });
  // Who the client is, its limits, the create route's origin check and the body caps.
  const guards = new RequestGuards({
    basePath,
    allowedOrigins: resolved.allowedOrigins,
    trustProxy: resolved.trustProxy,
    limits: resolved.limits,
    hub: resolved.hub,
    logger,
    bodyTimeoutMs: resolved.bodyTimeoutMs,
  });
  const watchers = new StatusWatchers({
    hub,
    read: (id, signal, options) => reads.read(id, signal, options),
    pollIntervalMs: resolved.pollIntervalMs,
    logger,
    owner: randomUUID(),
    onSnapshot: (snapshot) => reads.offer(snapshot.verificationId, snapshot),
  });
  const snapshot = async (id: string, signal: AbortSignal): Promise<StatusSnapshot> =>
    watchers.latest(id) ?? (await reads.read(id, signal)).snapshot;
  const events = new EventStreams({
    watchers,
    heartbeatMs: resolved.heartbeatMs,
    retryMs: resolved.sseRetryMs,
    lifetimeMs: resolved.limits.streamLifetimeMs,
    admit: (source) => guards.limiter.openStream(source instanceof Request ? guards.clientOf(source) : guards.clientOfNode(source)),
  });
  const webhook =
    resolved.webhookSecrets.length > 0
      ? createWebhookHandler({
          secrets: resolved.webhookSecrets,
          hub,
          deliverLocally: (snapshot) => watchers.deliver(snapshot),
          hubLog,
          logger,
          toleranceSeconds: resolved.webhookToleranceSeconds,
        })
      : undefined;
  const routeOptions = { ...resolved, admitCreate: (request: Request) => guards.admitCreate(request) };
  const routes = createRoutes(routeOptions, upstream, webhook ? { events, webhook, snapshot } : { events, snapshot });

  /** The path below `basePath` (starting with `/`, or empty), or `undefined` outside it. */
  const relativePath = (pathname: string): string | undefined => {
    if (pathname === basePath) return '';
    if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length);
    return undefined;
  };

  async function handle(request: Request, info?: unknown): Promise<Response> {
    if (info !== undefined) rememberSocketAddress(request, socketAddressOf(request, info));
    try {
      const path = relativePath(new URL(request.url).pathname);
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

    if (verificationId !== undefined && resolved.authorize) {
      let allowed: boolean;
      try {
        allowed = await resolved.authorize(request, verificationId);
      } catch (error) {
        logger.error(`okid-verify: the authorize hook threw: ${describe(error)}`);
        throw errors.internal(error);
      }
      // Only an explicit `true` lets the request through: a hook that forgets to return fails closed.
      if (allowed !== true) throw errors.accessDenied();
    }
    if (verificationId === undefined) return handler({ request });
    try {
      return await handler({ request, verificationId });
    } catch (error) {
      if (error instanceof OkidProxyError && error.code === ProxyErrorCode.VerificationNotFound) await guards.limiter.countUnknown(guards.clientOf(request));
      throw error;
    }
  }

  const idPrefix = `${basePath}/verifications/`;
  /**
   * The status and events routes without a Fetch `Request`, for `okid.node`: taken only for a
   * target that is literally `{basePath}/verifications/{valid id}` or `…/{valid id}/events`
   * (with any query), when no `authorize` hook needs the `Request`. Anything else, however
   * close, takes the ordinary path, so both paths always agree.
   */
  function directGet(target: string, req: NodeRequest, res: ServerResponse): Promise<void> | undefined {
    if (resolved.authorize || !target.startsWith(idPrefix)) return undefined;
    const query = target.indexOf('?');
    let id = target.slice(idPrefix.length, query === -1 ? undefined : query);
    const stream = id.endsWith('/events');
    if (stream) id = id.slice(0, -'/events'.length);
    if (!VERIFICATION_ID_PATTERN.test(id)) return undefined;
    const header = (name: string): string | null => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : null;
    };
    // The unknown-id limit, as `dispatch` applies it; the client is worked out only when needed.
    const blocked = guards.limiter.blocking ? guards.limiter.checkUnknown(guards.clientOfNode(req)) : undefined;
    if (blocked) return Promise.resolve(writePlain(req, res, errorParts(blocked)));
    const failed = async (error: unknown): Promise<void> => {
      if (error instanceof OkidProxyError && error.code === ProxyErrorCode.VerificationNotFound) await guards.limiter.countUnknown(guards.clientOfNode(req));
      writePlain(req, res, failure(error));
    };
    if (stream) {
      return events.handleNode(res, id, header('last-event-id')).then((answer) => answer && writePlain(req, res, answer), failed);
    }
    const answer = (current: StatusSnapshot): void => writePlain(req, res, snapshotAnswer(current, header('if-none-match')));
    // Known already (watched, or read within the second): answered without waiting.
    const known = watchers.latest(id) ?? reads.peek(id);
    if (known instanceof OkidProxyError) return Promise.resolve(writePlain(req, res, errorParts(known)));
    if (known) return Promise.resolve(answer('snapshot' in known ? known.snapshot : known));
    // The signal is made only when okID must be asked, so a browser leaving can end the read.
    return snapshot(id, abortedOnClose(res)).then(answer, failed);
  }

  /** What `handle` answers for an error, as plain parts. */
  function failure(error: unknown): PlainParts {
    if (error instanceof OkidProxyError) return errorParts(error);
    // Nobody is left to read it; 499 is the customary "client closed request".
    if (error instanceof ClientGoneError) return { status: 499, headers: {}, body: undefined };
    logger.error(`okid-verify: unexpected proxy error: ${describe(error)}`);
    return errorParts(errors.internal());
  }

  return {
    fetch: handle,
    node: createNodeHandler({
      handle,
      isInBasePath: (pathname) => relativePath(pathname) !== undefined,
      directGet,
    }),
    async close() {
      events.close();
      watchers.close();
      reads.clear();
    },
  };
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
