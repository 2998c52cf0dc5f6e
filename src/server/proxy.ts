/**
 * `createOkidProxy()`: the operator-side half of the proxy contract. Browsers ask it about a
 * verification; it asks okID with the API key and answers with the status snapshot, so the
 * key never leaves the server. Stateless apart from the push hub: every answer comes from okID,
 * a webhook, or another instance through the hub. This file wires the rooms together once per
 * proxy; every request then takes the one request path (`http/request-path.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { StatusSnapshot } from '../core/protocol.js';
import type { FetchClientInfo } from './http/client-address.js';
import { createFetchHandler } from './http/fetch-handler.js';
import { createNodeHandler } from './http/node-handler.js';
import type { NodeHandler } from './http/node-handler.js';
import { EventStreams } from './http/event-streams.js';
import { RequestGuards } from './http/request-guards.js';
import { createRoutes } from './http/routes.js';
import { GuardedHub } from './hub/guarded-hub.js';
import { RateLimitedLog } from './common/log.js';
import { SingleFlight } from './common/single-flight.js';
import { OkidAnswers } from './okid/answers.js';
import { okidSessions } from './okid/provider.js';
import { UpstreamClient } from './okid/upstream.js';
import { StatusSnapshotSchema, ProxyErrorCode } from '../core/protocol.js';
import { withSynthesizedTime } from './hub/hub.js';
import type { ProviderCreateInput, ProviderInstance, ProviderRead, ProviderSession } from './providers/provider.js';
import type { SnapshotRead } from './status/shared-reads.js';
import type { OkidProxyOptions, ResolvedProxyOptions, VendorProxyOptions } from './options.js';
import { resolveOptions } from './options.js';
import { SharedReads } from './status/shared-reads.js';
import { isNewer, versionOf } from './status/snapshot-version.js';
import { OkidProxyError } from './common/errors.js';
import { StatusWatchers } from './status/watchers.js';
import { createWebhookHandler } from './webhooks/webhook-route.js';

/** Most `ver_` → `tok_` aliases remembered; the oldest go first. */
const MAX_ALIASES = 10_000;

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
export function createOkidProxy(options: OkidProxyOptions | VendorProxyOptions): OkidProxy {
  const resolved = resolveOptions(options);
  const { basePath, logger } = resolved;
  const owner = randomUUID();
  // Every hub call with a deadline, and hub trouble logged once a minute per kind.
  const hubLog = new RateLimitedLog(logger);
  const hub = new GuardedHub(resolved.hub, { log: hubLog });
  // okID's `ver_` record id of each v1 `tok_` token read, so a webhook naming the record re-reads the token.
  const aliases = new Map<string, string>();
  // The okID edge, when okID is the provider (the default).
  const okid = resolved.provider === undefined ? okidEdge(resolved) : undefined;
  // Another vendor, started below once the watches exist (its news reaches them).
  let vendor: ProviderInstance | undefined;
  const readVendor = async (id: string, signal: AbortSignal): Promise<ProviderRead> =>
    okid ? okid.sessions.read(id, signal) : vendor!.read(id, signal);
  // Every read of a verification's status goes through here: one in flight per id.
  const reads = new SharedReads({
    read: async (id, signal) => {
      const read = snapshotReadOf(await readVendor(id, signal));
      if (read.alias !== undefined) {
        aliases.delete(read.alias);
        aliases.set(read.alias, id);
        if (aliases.size > MAX_ALIASES) aliases.delete(aliases.keys().next().value!);
      }
      return read;
    },
  });
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
    read: (id, signal, readOptions) => reads.read(id, signal, readOptions),
    pollIntervalMs: resolved.pollIntervalMs,
    logger,
    owner,
    onSnapshot: (snapshot) => reads.offer(snapshot.verificationId, snapshot),
  });
  const events = new EventStreams({
    watchers,
    heartbeatMs: resolved.heartbeatMs,
    retryMs: resolved.sseRetryMs,
    lifetimeMs: resolved.limits.streamLifetimeMs,
    admit: (client) => guards.limiter.openStream(client),
  });
  /** A re-read past the cache (a webhook or callback means the vendor changed): the snapshot, or `undefined` when nothing is new. */
  const reread = async (id: string): Promise<StatusSnapshot | undefined> => {
    const target = aliases.get(id) ?? id;
    const remembered = reads.peek(target);
    const previous = watchers.latest(target) ?? (remembered instanceof OkidProxyError ? undefined : remembered?.snapshot);
    // Still one read in flight per id.
    const { snapshot } = await reads.read(target, new AbortController().signal, { reuse: false });
    // Nothing new at the vendor (a replayed or reordered delivery): no event.
    return previous !== undefined && !isNewer(versionOf(snapshot), versionOf(previous)) ? undefined : snapshot;
  };
  if (resolved.provider !== undefined) {
    vendor = resolved.provider.start({
      basePath,
      logger,
      hub,
      owner,
      pollIntervalMs: resolved.pollIntervalMs,
      reread,
      async news(read) {
        const { snapshot } = snapshotReadOf(read);
        reads.offer(snapshot.verificationId, snapshot);
        // This instance's streams at once; every other instance through the hub.
        watchers.deliver(snapshot);
        await hub.publish(snapshot).catch(() => undefined);
      },
    });
  }
  const createSession = (input: ProviderCreateInput, signal: AbortSignal): Promise<ProviderSession> =>
    okid ? okid.sessions.create(input, signal) : vendor!.create(input, signal);
  const routes = createRoutes({
    basePath,
    createSession,
    logger,
    sources: { watchers, reads },
    qrCodes: okid?.qrCodes,
    events,
    guards,
    create: resolved.create,
    providerRoutes: vendor?.routes,
    cancel: vendor?.cancel ? (id, signal) => vendor!.cancel!(id, signal) : undefined,
    webhook: okid ? webhookHandler(resolved, hub, hubLog, watchers, reread) : undefined,
  });
  const path = {
    basePath,
    routes,
    limiter: guards.limiter,
    logger,
    authorize: resolved.authorize,
    // Past its unknown-id limit a client is still served what is evidently no guess.
    isKnown: (id: string) => watchers.latest(id) !== undefined || reads.known(id),
  };
  const handle = createFetchHandler(path, (request) => guards.clientOf(request));
  return {
    fetch: handle,
    node: createNodeHandler({ path, clientOf: (req) => guards.clientOfNode(req), handle }),
    async close() {
      events.close();
      watchers.close();
      reads.clear();
      okid?.qrCodes.clear();
      await vendor?.close();
    },
  };
}

/** The okID edge of a proxy whose provider is okID: its client, its status words, its QR images. */
function okidEdge(resolved: ResolvedProxyOptions) {
  const upstream = new UpstreamClient(resolved);
  // Every okID answer about a status is read here, with one status-word table.
  const answers = new OkidAnswers(resolved.statusWords, resolved.logger);
  // okID's QR image of a verification changes only when it leaves `generated`: one read per id,
  // reused for a minute (its own Cache-Control); a 404 or "no longer available" for two seconds.
  const qrCodes = new SingleFlight<Uint8Array<ArrayBuffer>>({
    read: (id, signal) => upstream.getQrCode(id, signal),
    freshMs: 60_000,
    remember: (error) => error.status === 404 || error.status === 409,
    maxEntries: 1000,
  });
  return { sessions: okidSessions({ upstream, answers, frontendUrl: resolved.frontendUrl }), qrCodes };
}

/**
 * A provider's read as the shared reads keep it: parsed again (only the snapshot's own fields can
 * reach a browser) and marked when its time is the proxy's, not the vendor's.
 */
function snapshotReadOf(read: ProviderRead): SnapshotRead {
  const parsed = StatusSnapshotSchema.safeParse(read.snapshot);
  if (!parsed.success) throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  const snapshot = read.timeSynthesized ? withSynthesizedTime(parsed.data) : parsed.data;
  return read.alias === undefined ? { snapshot } : { snapshot, alias: read.alias };
}

/** The webhook route's handler, when webhook secrets are configured. */
function webhookHandler(
  resolved: ResolvedProxyOptions,
  hub: GuardedHub,
  hubLog: RateLimitedLog,
  watchers: StatusWatchers,
  reread: (id: string) => Promise<StatusSnapshot | undefined>,
) {
  if (resolved.webhookSecrets.length === 0) return undefined;
  return createWebhookHandler({
    secrets: resolved.webhookSecrets,
    hub,
    deliverLocally: (snapshot) => watchers.deliver(snapshot),
    hubLog,
    logger: resolved.logger,
    toleranceSeconds: resolved.webhookToleranceSeconds,
    scheme: resolved.webhookScheme,
    reread,
  });
}
