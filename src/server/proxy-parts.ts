/**
 * The pieces one proxy is built from, wired together once per `createOkidProxy()` call: the okID
 * client, the shared reads, the guarded hub, the request guards, the watches, the event streams,
 * the webhook handler and the routes. The Fetch and Node entry points (`proxy-dispatch.ts`,
 * `proxy-node-direct.ts`) only use what this returns.
 */
import { randomUUID } from 'node:crypto';
import type { StatusSnapshot } from '../core/protocol.js';
import { RequestGuards } from './http/request-guards.js';
import { GuardedHub, RateLimitedLog } from './hub/guarded-hub.js';
import type { OkidProxyOptions, ResolvedProxyOptions } from './options.js';
import { resolveOptions } from './options.js';
import { StatusWatchers } from './status/watchers.js';
import { createRoutes, readSnapshot } from './http/routes.js';
import type { Route } from './http/routes.js';
import { SharedReads } from './status/shared-reads.js';
import { EventStreams } from './http/event-streams.js';
import { UpstreamClient } from './okid/upstream.js';
import { createWebhookHandler } from './webhooks/webhook-route.js';

/** Everything a proxy's handlers need, built from one set of options. */
export interface ProxyParts {
  resolved: ResolvedProxyOptions;
  reads: SharedReads;
  guards: RequestGuards;
  watchers: StatusWatchers;
  events: EventStreams;
  routes: Route[];
  /** The newest snapshot of a verification: from its watch if there is one, else read from okID. */
  snapshot(id: string, signal: AbortSignal): Promise<StatusSnapshot>;
}

/** Checks the options (a `TypeError` naming the bad one) and builds the proxy's parts. */
export function buildProxyParts(options: OkidProxyOptions): ProxyParts {
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
  const webhook = webhookHandler(resolved, hub, hubLog, watchers);
  const routeOptions = { ...resolved, admitCreate: (request: Request) => guards.admitCreate(request) };
  const routes = createRoutes(routeOptions, upstream, webhook ? { events, webhook, snapshot } : { events, snapshot });
  return { resolved, reads, guards, watchers, events, routes, snapshot };
}

/** The webhook route's handler, when webhook secrets are configured. */
function webhookHandler(resolved: ResolvedProxyOptions, hub: GuardedHub, hubLog: RateLimitedLog, watchers: StatusWatchers) {
  if (resolved.webhookSecrets.length === 0) return undefined;
  return createWebhookHandler({
    secrets: resolved.webhookSecrets,
    hub,
    deliverLocally: (snapshot) => watchers.deliver(snapshot),
    hubLog,
    logger: resolved.logger,
    toleranceSeconds: resolved.webhookToleranceSeconds,
  });
}
