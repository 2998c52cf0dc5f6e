/**
 * The proxy's routes as a table. Handlers run once the request path (`request-path.ts`) has
 * matched the route, checked the id and asked `authorize`, so they only talk to okID, the
 * watches and the streams, and shape answers.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';
import type { SingleFlight } from '../common/single-flight.js';
import type { CreateHook, CreateRouteSettings } from './create-route.js';
import { createRoute } from './create-route.js';
import type { EventStreams } from './event-streams.js';
import type { Exchange, Reply } from './exchange.js';
import { ID_SEGMENT, PARAM_SEGMENT } from './request-path.js';
import type { ProviderRoute } from '../providers/provider.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import type { Route } from './request-path.js';
import type { RequestGuards } from './request-guards.js';
import { currentSnapshot, snapshotAnswer, statusRoute } from './status-route.js';
import { MAX_WEBHOOK_BYTES } from '../webhooks/webhook-route.js';
import type { SnapshotSources } from './status-route.js';

/** What the route table is built from. */
export interface RouteSettings extends Omit<CreateRouteSettings, 'admitCreate'> {
  sources: SnapshotSources;
  /** okID's QR code images, one read per id at a time and reused for a minute (okID only). */
  qrCodes: SingleFlight<Uint8Array<ArrayBuffer>> | undefined;
  /** The provider's own routes (a vendor's callback). */
  providerRoutes?: readonly ProviderRoute[] | undefined;
  /** Cancels a session at the vendor (`DELETE {base}/verifications/{id}`), where the provider can. */
  cancel?: ((verificationId: string, signal: AbortSignal) => Promise<StatusSnapshot>) | undefined;
  events: EventStreams;
  guards: RequestGuards;
  /** The operator's hook; without it there is no create route. */
  create: CreateHook | undefined;
  /** The webhook handler; present only when a webhook secret was given. */
  webhook: ((request: Request) => Promise<Response>) | undefined;
}

/**
 * Builds the route table. `POST {base}/webhooks` exists only with a webhook secret and
 * `POST {base}/verifications` only with a `create` hook: without them they answer 404 like any
 * unknown path.
 */
export function createRoutes(settings: RouteSettings): Route[] {
  const { events, guards, webhook, create, cancel } = settings;
  const status: Route['methods'] = { GET: statusRoute(settings.sources) };
  const routes: Route[] = [
    {
      segments: ['verifications', ID_SEGMENT],
      methods: cancel
        ? { ...status, DELETE: async ({ exchange, verificationId }) => {
              // A cancel changes the session: refused cross-site, as a create is (CSRF).
              guards.admitOrigin(exchange.request());
              return snapshotAnswer(await cancel(verificationId!, exchange.signal), null);
            },
          }
        : status,
    },
    {
      segments: ['verifications', ID_SEGMENT, 'events'],
      methods: { GET: ({ exchange, verificationId }) => events.serve(exchange, verificationId!) },
    },
  ];
  const { qrCodes } = settings;
  if (qrCodes) {
    routes.push({
      segments: ['verifications', ID_SEGMENT, 'qrcode.png'],
      methods: { GET: ({ exchange, verificationId }) => qrCode(settings, qrCodes, exchange, verificationId!) },
    });
  }
  for (const route of settings.providerRoutes ?? []) {
    if (route.segments.some((segment) => segment === ID_SEGMENT)) throw new TypeError('A provider route has no id segment.');
    const handle = async ({ exchange, params }: { exchange: Exchange; params?: readonly string[] }): Promise<Reply> =>
      route.handle(await guards.bounded(exchange.request(), route.maxBytes), params ?? []);
    routes.push({ segments: route.segments.map((segment) => (segment === '*' ? PARAM_SEGMENT : segment)), methods: { [route.method]: handle } });
  }
  if (webhook) {
    // Read whole within its cap and the body deadline (413, 408) before the handler sees it.
    const POST = async ({ exchange }: { exchange: Exchange }): Promise<Reply> => webhook(await guards.bounded(exchange.request(), MAX_WEBHOOK_BYTES));
    routes.push({ segments: ['webhooks'], methods: { POST } });
  }
  if (create) {
    const handle = createRoute({ ...settings, admitCreate: (request) => guards.admitCreate(request) }, create);
    routes.push({ segments: ['verifications'], methods: { POST: ({ exchange }) => handle(exchange.request()) } });
  }
  return routes;
}

/**
 * `GET {base}/verifications/{id}/qrcode.png`: okID's QR code image, while the verification is
 * still `created` (a phone that opened it ends the code's use: 409 `QR_UNAVAILABLE` with the
 * status). The status comes from the shared status read that the page's own polling uses (one okID
 * read per id per second), and the image, which never changes, is read once per id and reused for
 * a minute by every client: holding an id buys no okID calls. Each request counts toward the
 * client's own limit.
 */
async function qrCode({ guards, sources }: RouteSettings, qrCodes: SingleFlight<Uint8Array<ArrayBuffer>>, exchange: Exchange, id: string): Promise<Reply> {
  await guards.limiter.takeQrCode(exchange.client());
  const status = await knownStatus(sources, id, exchange.signal);
  if (status !== undefined && status !== 'created') {
    throw new OkidProxyError(409, ProxyErrorCode.QrUnavailable, 'A QR code is only available before the verification has been opened.', { currentStatus: status });
  }
  const png = await qrCodes.read(id, exchange.signal);
  return {
    status: 200,
    headers: { 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=60', 'X-Content-Type-Options': 'nosniff' },
    body: png,
  };
}

/**
 * The verification's status from the shared read, or `undefined` when okID's status answer could
 * not be read (okID's QR endpoint then has the last word). An unknown id is a 404 all the same.
 */
async function knownStatus(sources: SnapshotSources, id: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await currentSnapshot(sources, id, signal)).status;
  } catch (error) {
    // A failed read (502, 504, 429) leaves it to the QR endpoint; a 404 or a browser gone does not.
    if (error instanceof OkidProxyError && error.status !== 404) return undefined;
    throw error;
  }
}
