/**
 * `okid.node`'s short way for the two requests a page makes most, a status GET and an event
 * stream: answered from the Node request without building a Fetch `Request`, with the same
 * limits and answers as the Fetch path.
 */
import type { ServerResponse } from 'node:http';
import { ProxyErrorCode, VERIFICATION_ID_PATTERN } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { OkidProxyError, errorParts } from '../common/errors.js';
import { abortedOnClose, writePlain } from './node-handler.js';
import type { NodeRequest } from './node-handler.js';
import { failure } from './fetch-handler.js';
import type { ProxyParts } from '../proxy-parts.js';
import { snapshotAnswer } from './routes.js';

/** The direct path over `parts`, for the Node adapter: `undefined` when a request does not take it. */
export function createDirectGet(parts: ProxyParts): (target: string, req: NodeRequest, res: ServerResponse) => Promise<void> | undefined {
  const { resolved, guards, watchers, reads, events, snapshot } = parts;
  const { basePath, logger } = resolved;
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
      writePlain(req, res, failure(error, logger));
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

  return directGet;
}
