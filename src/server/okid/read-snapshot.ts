/**
 * okID's answer about one verification, as the snapshot a browser may see: v2 details for a
 * `ver_` id, the v1 record for a `tok_` token, normalized (`core/normalize.ts`) and parsed again
 * so that nothing but the snapshot's own fields can reach a browser.
 */
import { ProxyErrorCode, StatusSnapshotSchema, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { snapshotFromV1, snapshotFromV2 } from '../../core/normalize.js';
import { OkidProxyError } from '../common/errors.js';
import type { UpstreamClient } from './upstream.js';

/** A verification as read from okID. */
export interface SnapshotRead {
  snapshot: StatusSnapshot;
  /**
   * The other id okID gives the same verification: the `ver_…` record id of a v1 `tok_…`
   * process token. okID's webhooks name the record by that id.
   */
  alias?: string;
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

const upstreamMismatch = (): OkidProxyError =>
  new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
