/**
 * `createOkidProxy()`: the operator-side half of the proxy contract. Browsers ask it about a
 * verification; it asks okID with the API key and answers with the status snapshot, so the
 * key never leaves the server. Stateless apart from the push hub: every answer comes from okID,
 * a webhook, or another instance through the hub. The parts are wired in `proxy-parts.ts`; the
 * Fetch path is `proxy-dispatch.ts`, Node's short way `proxy-node-direct.ts`.
 */
import type { FetchClientInfo } from './http/client-address.js';
import { createNodeHandler } from './http/node-handler.js';
import type { NodeHandler } from './http/node-handler.js';
import type { OkidProxyOptions } from './options.js';
import { createFetchHandler, relativePath } from './http/fetch-handler.js';
import { createDirectGet } from './http/node-direct.js';
import { buildProxyParts } from './proxy-parts.js';

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
  const parts = buildProxyParts(options);
  const { resolved, events, watchers, reads } = parts;
  const handle = createFetchHandler(parts);
  return {
    fetch: handle,
    node: createNodeHandler({
      handle,
      isInBasePath: (pathname) => relativePath(resolved.basePath, pathname) !== undefined,
      directGet: createDirectGet(parts),
    }),
    async close() {
      events.close();
      watchers.close();
      reads.clear();
    },
  };
}
