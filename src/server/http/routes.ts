/**
 * The proxy's routes as a table, and the handlers behind them. Each handler receives a
 * request whose path matched, whose id (if any) already passed {@link VERIFICATION_ID_PATTERN}
 * and the operator's `authorize` hook, so handlers only talk to okID and shape answers.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod/mini';
import { ProxyErrorCode, StatusSnapshotSchema, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { CreatedVerification, StatusSnapshot } from '../../core/protocol.js';
import { snapshotFromV1, snapshotFromV2 } from '../../core/normalize.js';
import { joinUrl } from '../../core/verification-id.js';
import { JSON_HEADERS, OkidProxyError, errors } from '../common/errors.js';
import type { ResolvedProxyOptions } from '../options.js';
import type { EventStreams } from './event-streams.js';
import { plainResponse } from '../common/plain-response.js';
import type { PlainParts } from '../common/plain-response.js';
import type { GenerateVerificationBody, UpstreamClient } from '../okid/upstream.js';
import type { SnapshotRead } from '../status/shared-reads.js';
import { errorMessage } from '../../core/error-message.js';

/** What a route handler gets: the browser's request and the checked verification id. */
export interface RouteContext {
  request: Request;
  /** Present on per-verification routes; already validated and authorized. */
  verificationId?: string;
}

/** Answers one method of one route. */
export type RouteHandler = (context: RouteContext) => Promise<Response>;

/**
 * One entry of the route table. `segments` are literal path segments below the base path,
 * with `ID_SEGMENT` where the verification id goes.
 */
export interface Route {
  segments: readonly string[];
  methods: Readonly<Partial<Record<string, RouteHandler>>>;
}

/** Placeholder for the verification id in {@link Route.segments}. */
export const ID_SEGMENT = ':id';

/** Validates what an operator's `create` hook returned before it is sent to okID. */
const CreateInputSchema = z.object({
  extra_data: z.optional(z.record(z.string(), z.unknown())),
  return_url: z.optional(z.url({ protocol: /^https?$/ })),
});

/** The push side of the proxy, built around the hub (see `proxy.ts`). */
export interface PushHandlers {
  events: EventStreams;
  /**
   * The current snapshot of a verification: the watch's when this instance watches it, else a
   * shared okID read (see `shared-reads.ts`).
   */
  snapshot: (verificationId: string, signal: AbortSignal) => Promise<StatusSnapshot>;
  /** Present only when a webhook secret was given. */
  webhook?: (request: Request) => Promise<Response>;
}

/**
 * Builds the route table. `POST {base}/webhooks` exists only with a webhook secret: without
 * one it answers 404 like any unknown path.
 */
export function createRoutes(options: ResolvedProxyOptions, upstream: UpstreamClient, push: PushHandlers): Route[] {
  const routes: Route[] = [
    {
      segments: ['verifications', ID_SEGMENT],
      methods: { GET: ({ request, verificationId }) => handleSnapshot(push.snapshot, request, verificationId!) },
    },
    {
      segments: ['verifications', ID_SEGMENT, 'events'],
      methods: { GET: ({ request, verificationId }) => push.events.handle(request, verificationId!) },
    },
    {
      segments: ['verifications', ID_SEGMENT, 'qrcode.png'],
      methods: { GET: ({ request, verificationId }) => handleQrCode(upstream, request, verificationId!) },
    },
  ];
  const { webhook } = push;
  if (webhook) routes.push({ segments: ['webhooks'], methods: { POST: ({ request }) => webhook(request) } });
  // Creating verifications costs the operator money: only when it opted in with a hook.
  const { create } = options;
  if (create) {
    routes.push({
      segments: ['verifications'],
      methods: { POST: ({ request }) => handleCreate(options, create, upstream, request) },
    });
  }
  return routes;
}


/** Reads a verification from okID (v2 for `ver_`, v1 for `tok_`) as a snapshot. */
export async function readSnapshot(upstream: UpstreamClient, id: string, signal: AbortSignal): Promise<SnapshotRead> {
  let raw: StatusSnapshot;
  let alias: string | undefined;
  if (id.startsWith('ver_')) {
    const details = await upstream.getV2Details(id, signal);
    // Another verification's status under this id would be worse than no answer.
    if (details.verification_id !== id) throw upstreamMismatch();
    raw = snapshotFromV2(details);
  } else {
    // okID v1 may name the record differently (its documents show a `ver_` id for a `tok_`
    // token); the browser keys everything by the id it asked for.
    const record = await upstream.getV1Verification(id, signal);
    if (record.id !== id && record.id.startsWith('ver_') && VERIFICATION_ID_PATTERN.test(record.id)) alias = record.id;
    raw = { ...snapshotFromV1(record), verificationId: id };
  }
  // Re-parse into a fresh object: only the snapshot's own fields can reach the browser.
  const parsed = StatusSnapshotSchema.safeParse(raw);
  if (!parsed.success) throw upstreamMismatch();
  return alias === undefined ? { snapshot: parsed.data } : { snapshot: parsed.data, alias };
}

/** {@link readSnapshot}'s snapshot alone. */
export async function fetchSnapshot(upstream: UpstreamClient, id: string, signal: AbortSignal): Promise<StatusSnapshot> {
  return (await readSnapshot(upstream, id, signal)).snapshot;
}

const upstreamMismatch = (): OkidProxyError =>
  new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');

/** Strong ETag of a JSON body: the SHA-256 of its bytes. */
export async function etagOf(json: string): Promise<string> {
  return etagOfSync(json);
}

const etagOfSync = (json: string): string => `"${createHash('sha256').update(json).digest('base64url')}"`;

/**
 * The JSON and ETag of each snapshot served, computed once: a thousand browsers polling one
 * verification get the same snapshot object (from the watch or the shared read), so hashing
 * it again for each of them would be most of the route's cost.
 */
const serialized = new WeakMap<StatusSnapshot, Serialized>();

interface Serialized {
  json: string;
  etag: string;
  /** Headers of the 200 answer. */
  headers: Readonly<Record<string, string>>;
  /** Headers of the 304 answer. */
  notModifiedHeaders: Readonly<Record<string, string>>;
}

function serialize(snapshot: StatusSnapshot): Serialized {
  let entry = serialized.get(snapshot);
  if (!entry) {
    const json = JSON.stringify(snapshot);
    const etag = etagOfSync(json);
    // `no-cache`: a browser may keep it but must revalidate (cheap, thanks to the ETag);
    // `private`: it describes one user's verification, shared caches must not keep it.
    const notModifiedHeaders = { ETag: etag, 'Cache-Control': 'no-cache, private' };
    entry = { json, etag, notModifiedHeaders, headers: { ...JSON_HEADERS, ...notModifiedHeaders } };
    serialized.set(snapshot, entry);
  }
  return entry;
}

/**
 * True when `If-None-Match` names `etag` (or is `*`). RFC 9110 compares `If-None-Match` weakly,
 * so a `W/` prefix added by an intermediary still matches.
 */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

async function handleSnapshot(current: PushHandlers['snapshot'], request: Request, id: string): Promise<Response> {
  const { status, headers, body } = snapshotAnswer(await current(id, request.signal), request.headers.get('If-None-Match'));
  return plainResponse(status, headers, body);
}

/**
 * The status route's answer to a snapshot: 200 with its JSON, or 304 when `If-None-Match`
 * names its ETag. Shared by the Fetch route and the Node adapter's direct path.
 */
export function snapshotAnswer(snapshot: StatusSnapshot, ifNoneMatch: string | null): PlainParts {
  const { json, notModifiedHeaders, headers, etag } = serialize(snapshot);
  if (matchesIfNoneMatch(ifNoneMatch, etag)) return { status: 304, headers: notModifiedHeaders, body: undefined };
  return { status: 200, headers, body: json };
}

async function handleQrCode(upstream: UpstreamClient, request: Request, id: string): Promise<Response> {
  const png = await upstream.getQrCode(id, request.signal);
  // Streamed, not buffered: the bytes go to the browser as okID sends them.
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

async function handleCreate(
  options: ResolvedProxyOptions,
  create: NonNullable<ResolvedProxyOptions['create']>,
  upstream: UpstreamClient,
  request: Request,
): Promise<Response> {
  // Before the hook: a refused request must not reach the operator's code, nor okID. The guards
  // (guards.ts) check the origin and the client's create limit, and read the body within its caps.
  if (options.admitCreate) request = await options.admitCreate(request);
  let input: unknown;
  try {
    input = await create(request);
  } catch (error) {
    // E.g. the hook read the request body and it was over the size cap (413).
    if (error instanceof OkidProxyError) throw error;
    options.logger.error(`okid-verify: the create hook threw: ${describe(error)}`);
    throw errors.internal(error);
  }
  if (input === null || input === false) throw errors.accessDenied();
  const parsed = CreateInputSchema.safeParse(input);
  if (!parsed.success) {
    options.logger.error(
      'okid-verify: the create hook must return { extra_data?: object, return_url?: http(s) URL }, null or false.',
    );
    throw errors.internal();
  }
  const body: GenerateVerificationBody = {};
  if (parsed.data.extra_data !== undefined) body.extra_data = parsed.data.extra_data;
  if (parsed.data.return_url !== undefined) body.return_url = parsed.data.return_url;

  const generated = await upstream.generateVerification(body, request.signal);
  const created: CreatedVerification = {
    verificationId: generated.verificationId,
    verificationUrl: joinUrl(options.frontendUrl, `/verify?verification_id=${encodeURIComponent(generated.verificationId)}`),
    expiresAt: generated.expiresAt,
  };
  return new Response(JSON.stringify(created), {
    status: 201,
    headers: {
      ...JSON_HEADERS,
      'Cache-Control': 'no-store',
      Location: `${options.basePath}/verifications/${encodeURIComponent(generated.verificationId)}`,
    },
  });
}

/** An error's message for operator logs (never sent to a browser). */
export const describe = errorMessage;
