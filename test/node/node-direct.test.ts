/**
 * `okid.node` answers the status route without building a Fetch `Request` (the throughput fix):
 * over real HTTP its answers must be the very ones `okid.fetch` gives, for every target close to
 * that route, and an `authorize` hook must still see every request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen, request } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const COMPARED_HEADERS = ['content-type', 'cache-control', 'etag', 'x-content-type-options', 'allow', 'retry-after'];

async function summary(response: Response): Promise<Record<string, unknown>> {
  const headers = Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)]));
  return { status: response.status, headers, body: await response.text() };
}

describe('okid.node direct status path', () => {
  let sandbox: Sandbox;
  let okid: OkidProxy;
  let http: Listening;

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger: silent });
    http = await listen((req, res) => okid.node(req, res));
  });
  after(async () => {
    await okid.close();
    await http.close();
    await sandbox.close();
  });

  it('answers exactly what okid.fetch answers, for the route and every target near it', async () => {
    const id = await createV2(sandbox.url);
    const etag = (await okid.fetch(request(`/okid/verifications/${id}`))).headers.get('ETag')!;
    const cases: [string, Record<string, string>][] = [
      [`/okid/verifications/${id}`, {}],
      [`/okid/verifications/${id}?t=1`, {}],
      [`/okid/verifications/${id}`, { 'If-None-Match': etag }],
      [`/okid/verifications/${id}`, { 'If-None-Match': `W/${etag}` }],
      [`/okid/verifications/${id}`, { 'If-None-Match': '"other"' }],
      ['/okid/verifications/ver_direct_unknown1', {}],
      [`/okid/verifications/%76er${id.slice(3)}`, {}],
      [`/okid/verifications/${id}/`, {}],
      ['/okid/verifications/%2e%2e%2f', {}],
      ['/okid/verifications/ver_x', {}],
      [`/okid/verifications/${id}/events/../`, {}],
    ];
    for (const [path, headers] of cases) {
      const direct = await summary(await fetch(`${http.url}${path}`, { headers }));
      const viaFetch = await summary(await okid.fetch(request(path, { headers })));
      assert.deepEqual(direct, viaFetch, path);
    }
  });

  it('takes the ordinary path when an authorize hook needs the Request', async () => {
    const seen: string[] = [];
    const guarded = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      logger: silent,
      authorize: (req, verificationId) => (seen.push(`${req.method} ${verificationId}`), verificationId.endsWith('1')),
    });
    const server = await listen((req, res) => guarded.node(req, res));
    try {
      const id = await createV2(sandbox.url);
      const refused = await fetch(`${server.url}/okid/verifications/ver_direct_denied0`);
      assert.equal(refused.status, 403);
      const answer = await fetch(`${server.url}/okid/verifications/${id}`);
      assert.equal(answer.status, id.endsWith('1') ? 200 : 403);
      assert.deepEqual(seen, ['GET ver_direct_denied0', `GET ${id}`]);
    } finally {
      await guarded.close();
      await server.close();
    }
  });
});
