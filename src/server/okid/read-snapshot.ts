/**
 * okID's answer about one verification, as the snapshot a browser may see: v2 details for a
 * `ver_` id, the v1 record for a `tok_` token (on `v1BaseUrl`; other id forms as `apiVersionOf` says), read by `answers.ts` and parsed
 * again so that nothing but the snapshot's own fields can reach a browser.
 */
import { ProxyErrorCode, StatusSnapshotSchema, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';
import type { OkidAnswers } from './answers.js';
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

/** Reads a verification from okID (v1 for `tok_`, else v2 unless `apiVersionOf` says v1) as a snapshot. */
export async function readSnapshot(upstream: UpstreamClient, answers: OkidAnswers, id: string, signal: AbortSignal): Promise<SnapshotRead> {
  const api = upstream.apiOf(id);
  const body = api === 'v1' ? await upstream.readV1Text(id, signal) : await upstream.readV2Text(id, signal);
  const { snapshot, recordId } = answers.read(api, id, body);
  // okID v1 may name the record differently (its documents show a `ver_` id for a `tok_`
  // token); the browser keys everything by the id it asked for.
  const alias = recordId !== undefined && VERIFICATION_ID_PATTERN.test(recordId) ? recordId : undefined;
  // Re-parse into a fresh object: only the snapshot's own fields can reach the browser.
  const parsed = StatusSnapshotSchema.safeParse(snapshot);
  if (!parsed.success) throw new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
  return alias === undefined ? { snapshot: parsed.data } : { snapshot: parsed.data, alias };
}
