/**
 * `okid.node` in a real Node http server: Express/Connect `next()`, mount paths through
 * `originalUrl`, headers and bodies handed to the hooks, the body size cap, and clients that
 * leave mid-request.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { NodeRequest, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

const logger: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

/** Resolves when `condition` holds, polling briefly; fails after `ms`. */
async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('okid.node adapter', () => {
  let sandbox: { url: string; close(): Promise<void> };
  const servers: Listening[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(async () => {
    for (const server of servers) await server.close();
    await sandbox.close();
  });

  const serve = async (handler: Parameters<typeof listen>[0]) => {
    const server = await listen(handler);
    servers.push(server);
    return server;
  };

  it('calls next() outside basePath (Express/Connect) and answers 404 without next', async () => {
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger });
    let nextCalls = 0;
    const withNext = await serve((req, res) =>
      okid.node(req, res, () => {
        nextCalls += 1;
        res.end('operator page');
      }),
    );
    const page = await fetch(`${withNext.url}/checkout?step=2`);
    assert.equal(await page.text(), 'operator page');
    assert.equal((await fetch(`${withNext.url}/okidx/verifications`)).status, 200, '/okidx is not /okid');
    assert.equal(nextCalls, 2);

    const inside = await fetch(`${withNext.url}/okid/nothing-here`);
    assert.equal(inside.status, 404, 'inside basePath the proxy answers itself');
    assert.equal(nextCalls, 2);

    const bare = await serve((req, res) => okid.node(req, res));
    const response = await fetch(`${bare.url}/checkout`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'Not found.', code: 'NOT_FOUND' });
  });

  it('honours Express originalUrl when mounted under a path', async () => {
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger });
    // What `app.use('/okid', okid.node)` does to the request before calling the handler.
    const mounted = await serve((req, res) => {
      const expressReq = req as NodeRequest;
      expressReq.originalUrl = req.url!;
      expressReq.url = req.url!.slice('/okid'.length) || '/';
      okid.node(expressReq, res, () => res.end('next'));
    });
    const id = await createV2(sandbox.url);
    const response = await fetch(`${mounted.url}/okid/verifications/${id}`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { verificationId: string }).verificationId, id);
  });

  it('hands the hooks a Request with the URL, headers and (streamed) body of the Node request', async () => {
    let seen: { url: string; cookie: string | null; body: string; host: string } | undefined;
    const okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      logger,
      create: async (req) => {
        seen = { url: req.url, cookie: req.headers.get('cookie'), body: await req.text(), host: new URL(req.url).host };
        return { extra_data: { session: 'abc' } };
      },
    });
    const server = await serve((req, res) => okid.node(req, res));
    const response = await fetch(`${server.url}/okid/verifications?from=test`, {
      method: 'POST',
      headers: { Cookie: 'session=abc', 'Content-Type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    assert.equal(response.status, 201);
    assert.ok(seen);
    assert.equal(seen.url, `${server.url}/okid/verifications?from=test`);
    assert.equal(seen.cookie, 'session=abc');
    assert.equal(seen.body, '{"hello":"world"}');
  });

  it('caps request bodies: 413 for a declared or streamed body over 1 MiB', async () => {
    let hookRan = false;
    const okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      logger,
      create: async (req) => {
        hookRan = true;
        await req.arrayBuffer();
        return {};
      },
    });
    const server = await serve((req, res) => okid.node(req, res));
    const big = new Uint8Array(2 * 1024 * 1024);

    const declared = await fetch(`${server.url}/okid/verifications`, { method: 'POST', body: big });
    assert.equal(declared.status, 413);
    assert.equal(hookRan, false, 'refused from Content-Length alone');

    // Chunked, so no Content-Length: the stream itself enforces the cap.
    const streamed = await new Promise<number>((resolve) => {
      const req = httpRequest(`${server.url}/okid/verifications`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      for (let i = 0; i < 32; i += 1) req.write(new Uint8Array(64 * 1024));
      req.end();
    });
    assert.equal(streamed, 413);
    assert.equal(hookRan, false, 'the proxy reads the create body itself, within its cap, before the hook');
  });

  it('survives a client that disconnects mid-request, and aborts the upstream call', async () => {
    const pending: IncomingMessage[] = [];
    let closedUpstream = 0;
    const hanging = await serve((req) => {
      pending.push(req);
      req.socket.on('close', () => (closedUpstream += 1));
    });
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: hanging.url, logger, timeoutMs: 30_000 });
    const server = await serve((req, res) => okid.node(req, res));

    for (const path of ['/okid/verifications/ver_abcd1234', '/okid/verifications/ver_abcd1234/qrcode.png']) {
      const before = closedUpstream;
      const controller = new AbortController();
      const request = fetch(`${server.url}${path}`, { signal: controller.signal });
      await until(() => pending.length > 0);
      controller.abort();
      await assert.rejects(request);
      // The proxy noticed the client leaving and cancelled its own upstream call.
      await until(() => closedUpstream > before);
      pending.length = 0;
    }

    // And the proxy still works.
    const healthy = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger });
    const again = await serve((req, res) => healthy.node(req, res));
    const id = await createV2(sandbox.url);
    assert.equal((await fetch(`${again.url}/okid/verifications/${id}`)).status, 200);
    assert.equal((await fetch(`${server.url}/okid/verifications/%2e%2e%2f`)).status, 400);
  });

  it('survives a client that leaves while okID is still sending the PNG, and stops reading it', async () => {
    let upstreamClosed = false;
    let asked!: () => void;
    const qrAsked = new Promise<void>((resolve) => (asked = resolve));
    const slowPng = await serve((req, res) => {
      if (!req.url?.includes('qrcode')) return void res.writeHead(503).end();
      asked();
      req.socket.on('close', () => (upstreamClosed = true));
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.write(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
      // …and never finishes.
    });
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: slowPng.url, logger, timeoutMs: 30_000 });
    const server = await serve((req, res) => okid.node(req, res));
    const controller = new AbortController();
    const pending = fetch(`${server.url}/okid/verifications/ver_abcd1234/qrcode.png`, { signal: controller.signal }).catch((error: Error) => error);
    await qrAsked;
    controller.abort();
    assert.equal(((await pending) as Error).name, 'AbortError');
    // The only reader left: the shared read is abandoned and okID's connection closed.
    await until(() => upstreamClosed);
    const alive = await fetch(`${server.url}/okid/verifications/ver_abcd1234/qrcode.png`, { signal: AbortSignal.timeout(100) }).catch((error: Error) => error);
    assert.equal((alive as Error).name, 'TimeoutError', 'the server still answers requests (and starts a new read)');
  });
});
