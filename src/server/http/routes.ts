/**
 * The proxy's routes as a table. Handlers run once the request path (`request-path.ts`) has
 * matched the route, checked the id and asked `authorize`, so they only talk to okID, the
 * watches and the streams, and shape answers.
 */
import type { UpstreamClient } from '../okid/upstream.js';
import type { CreateHook, CreateRouteSettings } from './create-route.js';
import { createRoute } from './create-route.js';
import type { EventStreams } from './event-streams.js';
import type { Exchange, Reply } from './exchange.js';
import { ID_SEGMENT } from './request-path.js';
import type { Route } from './request-path.js';
import type { RequestGuards } from './request-guards.js';
import { statusRoute } from './status-route.js';
import { MAX_WEBHOOK_BYTES } from '../webhooks/webhook-route.js';
import type { SnapshotSources } from './status-route.js';

/** What the route table is built from. */
export interface RouteSettings extends Omit<CreateRouteSettings, 'admitCreate'> {
  sources: SnapshotSources;
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
  const { events, guards, upstream, webhook, create } = settings;
  const routes: Route[] = [
    { segments: ['verifications', ID_SEGMENT], methods: { GET: statusRoute(settings.sources) } },
    {
      segments: ['verifications', ID_SEGMENT, 'events'],
      methods: { GET: ({ exchange, verificationId }) => events.serve(exchange, verificationId!) },
    },
    {
      segments: ['verifications', ID_SEGMENT, 'qrcode.png'],
      methods: { GET: ({ exchange, verificationId }) => qrCode(upstream, exchange, verificationId!) },
    },
  ];
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

/** `GET {base}/verifications/{id}/qrcode.png`: okID's QR code image, streamed. */
async function qrCode(upstream: UpstreamClient, exchange: Exchange, id: string): Promise<Reply> {
  const png = await upstream.getQrCode(id, exchange.signal);
  return new Response(png.body, {
    status: 200,
    headers: {
      'Content-Type': 'image/png',
      // It only changes when the verification leaves `generated`; a minute of reuse is harmless.
      'Cache-Control': 'private, max-age=60',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
