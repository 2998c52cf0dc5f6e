/**
 * `GET {base}/verifications/{id}`: the newest snapshot of a verification, from this instance's
 * watch or a shared okID read (one in flight per id, reused for a second), as JSON with a strong
 * ETag, or 304 when the browser already has it.
 */
import { createHash } from 'node:crypto';
import type { StatusSnapshot } from '../../core/protocol.js';
import { JSON_HEADERS, OkidProxyError } from '../common/errors.js';
import type { PlainParts } from '../common/plain-response.js';
import type { SharedReads } from '../status/shared-reads.js';
import type { StatusWatchers } from '../status/watchers.js';
import type { RouteHandler } from './request-path.js';

/** Where the status route finds snapshots. */
export interface SnapshotSources {
  watchers: StatusWatchers;
  reads: SharedReads;
}

/** The newest snapshot of a verification: its watch's when this instance watches it, else a shared okID read. */
export async function currentSnapshot({ watchers, reads }: SnapshotSources, id: string, signal: AbortSignal): Promise<StatusSnapshot> {
  return watchers.latest(id) ?? (await reads.read(id, signal)).snapshot;
}

/** The status route's handler. */
export function statusRoute(sources: SnapshotSources): RouteHandler {
  return async ({ exchange, verificationId }) => {
    const id = verificationId!;
    // Known already (watched, or read within the second, found or not): answered without a read.
    const known = sources.watchers.latest(id) ?? sources.reads.peek(id);
    if (known instanceof OkidProxyError) throw known;
    const snapshot = known === undefined ? await currentSnapshot(sources, id, exchange.signal) : 'snapshot' in known ? known.snapshot : known;
    return snapshotAnswer(snapshot, exchange.header('if-none-match'));
  };
}

/** Strong ETag of a JSON body: the SHA-256 of its bytes. */
const etagOf = (json: string): string => `"${createHash('sha256').update(json).digest('base64url')}"`;

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
    const etag = etagOf(json);
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

/**
 * The status route's answer to a snapshot: 200 with its JSON, or 304 when `If-None-Match`
 * names its ETag.
 */
export function snapshotAnswer(snapshot: StatusSnapshot, ifNoneMatch: string | null): PlainParts {
  const { json, notModifiedHeaders, headers, etag } = serialize(snapshot);
  if (matchesIfNoneMatch(ifNoneMatch, etag)) return { status: 304, headers: notModifiedHeaders, body: undefined };
  return { status: 200, headers, body: json };
}
