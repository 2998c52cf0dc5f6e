/**
 * Issue 9, bodies and origins: the create route's body is capped at 64 KiB (413) and must arrive
 * within the body deadline (408) on both `okid.fetch` and `okid.node`, chunked or trickled; the
 * create route compares scheme, host and port of `Origin`, and without `Origin` accepts only
 * `Sec-Fetch-Site: same-origin` or a request with neither header. Over real HTTP with the sandbox.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger, OkidProxyOptions } from '../../src/server/index.js';
import { BODY_TIMEOUT_OPTION } from '../../src/server/options.js';
import { DEFAULT_BODY_TIMEOUT_MS } from '../../src/server/http/body.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, listen, recordingFetch } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';

const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const KIB = 1024;

/** POSTs a chunked body (no Content-Length) over raw Node HTTP, `chunks` apart by `gapMs`; resolves with the status (-1: the connection failed). */
function postChunked(url: string, chunks: Uint8Array[], gapMs = 0): Promise<{ status: number; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const req = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode ?? 0, elapsedMs: Date.now() - started });
      req.destroy();
    });
    req.on('error', () => {
      clearTimeout(timer);
      resolve({ status: -1, elapsedMs: Date.now() - started });
    });
    let index = 0;
    const next = (): void => {
      if (req.destroyed) return;
      if (index >= chunks.length) return void req.end();
      req.write(chunks[index++]);
      if (gapMs > 0) timer = setTimeout(next, gapMs);
      else next();
    };
    req.flushHeaders();
    next();
  });
}

/** A `ReadableStream` body for `okid.fetch` giving `chunks`, `gapMs` apart. */
function streamOf(chunks: Uint8Array[], gapMs = 0): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    async pull(controller) {
      if (gapMs > 0 && index > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (index >= chunks.length) return controller.close();
      controller.enqueue(chunks[index++]!);
    },
  });
}

describe('create bodies and origins', () => {
  let sandbox: Sandbox;
  const running: { okid: OkidProxy; http: Listening }[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(async () => {
    for (const { okid, http } of running) {
      await okid.close();
      await http.close();
    }
    await sandbox.close();
  });

  async function start(options: Partial<OkidProxyOptions> & { bodyTimeoutMs?: number } = {}) {
    const { bodyTimeoutMs, ...rest } = options;
    const recording = recordingFetch();
    const hook = { runs: 0, bodies: [] as string[], lengths: [] as (string | null)[], encodings: [] as (string | null)[] };
    const okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      fetch: recording.fetch,
      logger: silent,
      authorize: 'public',
      create: async (req) => {
        hook.runs += 1;
        hook.lengths.push(req.headers.get('content-length'));
        hook.encodings.push(req.headers.get('transfer-encoding'));
        hook.bodies.push(await req.text());
        return {};
      },
      ...rest,
      ...(bodyTimeoutMs === undefined ? {} : { [BODY_TIMEOUT_OPTION]: bodyTimeoutMs }),
    } as OkidProxyOptions);
    const http = await listen((req, res) => okid.node(req, res));
    running.push({ okid, http });
    const calls: UpstreamCall[] = recording.calls;
    return { okid, http, hook, calls, url: `${http.url}/okid/verifications` };
  }

  it('a chunked 70 KiB create body is refused with 413 on okid.node and okid.fetch, before the hook and okID', async () => {
    const { okid, hook, calls, url } = await start();
    const chunks = Array.from({ length: 70 }, () => new Uint8Array(KIB).fill(0x20));
    assert.equal((await postChunked(url, chunks)).status, 413, 'okid.node');
    const response = await okid.fetch(
      new Request('http://operator.test/okid/verifications', { method: 'POST', body: streamOf(chunks), duplex: 'half' } as RequestInit),
      { clientAddress: '192.0.2.1' },
    );
    assert.equal(response.status, 413, 'okid.fetch');
    assert.equal(((await response.json()) as { code: string }).code, 'BAD_REQUEST');
    // A declared length over the cap is refused before a byte is read.
    const declared = await okid.fetch(new Request('http://operator.test/okid/verifications', { method: 'POST', body: new Uint8Array(65 * KIB) }));
    assert.equal(declared.status, 413);
    assert.equal(hook.runs, 0, 'the create hook never ran');
    assert.equal(calls.length, 0, 'okID never heard of it');

    // Just under the cap passes, and the hook reads the whole body.
    const fits = await postChunked(url, [new Uint8Array(64 * KIB).fill(0x20)]);
    assert.equal(fits.status, 201);
    assert.equal(hook.bodies.at(-1)?.length, 64 * KIB);
    // The hook's request describes the bytes it holds, not how they travelled.
    assert.equal(hook.lengths.at(-1), String(64 * KIB));
    assert.equal(hook.encodings.at(-1), null);
  });

  it('a body trickled past the deadline is cut with 408 on okid.node and okid.fetch', async () => {
    const { okid, hook, url } = await start({ bodyTimeoutMs: 400 });
    const trickle = Array.from({ length: 40 }, () => new Uint8Array([0x20]));
    const node = await postChunked(url, trickle, 50);
    assert.equal(node.status, 408, 'okid.node');
    assert.ok(node.elapsedMs >= 400 && node.elapsedMs < 1500, `answered after ${node.elapsedMs} ms`);
    const started = Date.now();
    const response = await okid.fetch(
      new Request('http://operator.test/okid/verifications', { method: 'POST', body: streamOf(trickle, 50), duplex: 'half' } as RequestInit),
    );
    assert.equal(response.status, 408, 'okid.fetch');
    assert.ok(Date.now() - started < 1500);
    assert.equal(hook.runs, 0);
    // A body that arrives in time, even in pieces, passes.
    assert.equal((await postChunked(url, trickle.slice(0, 4), 20)).status, 201);
  });

  it(`the real default deadline (${DEFAULT_BODY_TIMEOUT_MS} ms) cuts a trickled body with 408`, async () => {
    const { url } = await start();
    const trickle = Array.from({ length: 200 }, () => new Uint8Array([0x20]));
    const { status, elapsedMs } = await postChunked(url, trickle, 100);
    assert.equal(status, 408);
    assert.ok(elapsedMs >= DEFAULT_BODY_TIMEOUT_MS && elapsedMs < DEFAULT_BODY_TIMEOUT_MS + 1500, `answered after ${elapsedMs} ms`);
  });

  it('origins: scheme, host and port must match; without Origin only same-origin or no header', async () => {
    const { okid, hook } = await start();
    const post = (headers: Record<string, string>, url = 'https://shop.example/okid/verifications') =>
      okid.fetch(new Request(url, { method: 'POST', headers }), { clientAddress: '192.0.2.1' });
    for (const headers of [
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'none' },
      { Origin: 'http://shop.example' },
      { Origin: 'https://shop.example:8443' },
      { Origin: 'https://sub.shop.example', 'Sec-Fetch-Site': 'same-site' },
    ] as Record<string, string>[]) {
      const response = await post(headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(((await response.json()) as { code: string }).code, 'ACCESS_DENIED');
    }
    assert.equal(hook.runs, 0);
    for (const headers of [{}, { 'Sec-Fetch-Site': 'same-origin' }, { Origin: 'https://shop.example', 'Sec-Fetch-Site': 'same-origin' }] as Record<string, string>[]) {
      assert.equal((await post(headers)).status, 201, JSON.stringify(headers));
    }
  });

  it('origins behind a TLS-ending proxy: X-Forwarded-Proto counts only with trustProxy', async () => {
    const headers = { Origin: '', 'X-Forwarded-Proto': 'https' };
    const plain = await start();
    headers.Origin = `https://${new URL(plain.http.url).host}`;
    assert.equal((await fetch(plain.url, { method: 'POST', headers })).status, 403, 'without trustProxy the scheme is the socket\'s');
    const trusting = await start({ trustProxy: true });
    headers.Origin = `https://${new URL(trusting.http.url).host}`;
    assert.equal((await fetch(trusting.url, { method: 'POST', headers })).status, 201);
    // The scheme still counts: an http:// page against the https:// site.
    headers.Origin = `http://${new URL(trusting.http.url).host}`;
    assert.equal((await fetch(trusting.url, { method: 'POST', headers })).status, 403);
  });
});
