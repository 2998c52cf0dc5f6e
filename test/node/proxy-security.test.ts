/**
 * What the proxy refuses before okID ever hears of it: hostile ids (through the Fetch handler
 * and as raw bytes on a real socket), the operator's `authorize` hook, wrong methods and bad
 * options.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxyLogger, OkidProxyOptions } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen, recordingFetch, request } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';

const logger: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

/** Ids (as they appear in a path) that must never reach okID. */
const HOSTILE_IDS = [
  '%2e%2e%2f',
  '%2E%2E%2F%2E%2E%2Fapi%2Fgenerate-verification',
  'ver_abcd%2F..%2F..%2Fapi',
  'ver_abcd%2fx',
  `ver_${'a'.repeat(10_000)}`,
  encodeURIComponent('"><img src=x onerror=alert(1)>'),
  'ver_abcd%00',
  'ver_ab%20cd',
  'ver_abcd%E0%A4%A', // malformed percent-encoding
  'ver_abcd%252f', // double-encoded slash
  'tok_%C3%A9abcd', // non-ASCII
  'a'.repeat(201), // one past the longest id
  'ab%2Fcd',
  'ab%3Fcd',
  'ab%23cd',
  'ab+cd',
  "ab'cd",
];

/** Sends a raw path on a real socket, bypassing URL normalization of `fetch`. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/`, { path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxy refusals', () => {
  let sandbox: { url: string; close(): Promise<void> };
  let calls: UpstreamCall[];
  let upstreamFetch: typeof fetch;
  let http: Listening;
  let options: OkidProxyOptions;

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    ({ fetch: upstreamFetch, calls } = recordingFetch());
    options = { apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, fetch: upstreamFetch, logger };
    const okid = createOkidProxy(options);
    http = await listen((req, res) => okid.node(req, res));
  });
  after(async () => {
    await http.close();
    await sandbox.close();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  it('refuses hostile ids with 400 INVALID_ID, without echoing them and without any upstream call', async () => {
    const okid = createOkidProxy(options);
    for (const id of HOSTILE_IDS) {
      for (const suffix of ['', '/qrcode.png']) {
        const response = await okid.fetch(request(`/okid/verifications/${id}${suffix}`));
        const text = await response.text();
        assert.equal(response.status, 400, `${id}${suffix}: ${text}`);
        const body = JSON.parse(text) as { error: string; code: string };
        assert.equal(body.code, 'INVALID_ID');
        assert.ok(!text.includes('img') && !text.includes('%') && !text.includes('..') && text.length < 300, text);
        assert.equal(response.headers.get('Cache-Control'), 'no-store');
      }
    }
    assert.equal(calls.length, 0, `upstream saw ${calls.map((c) => c.url).join(', ')}`);
  });

  it('accepts opaque ids (UUIDs, . _ ~ : -, 200 characters) and asks okID with each one encoded in the path', async () => {
    const okid = createOkidProxy(options);
    const accepted = ['3f2b8c1e-4d5a-4e6f-9a0b-1c2d3e4f5a6b', 'a.b~c:d-e_f', 'x'.repeat(200), 'A', 'tok_a:b', 'ver_..', '...'];
    for (const id of accepted) {
      calls.length = 0;
      const response = await okid.fetch(request(`/okid/verifications/${encodeURIComponent(id)}`));
      // The sandbox does not know these ids: okID was asked, and its 404 came back as such.
      assert.equal(response.status, 404, `${id}: ${await response.clone().text()}`);
      assert.equal(((await response.json()) as { code: string }).code, 'VERIFICATION_NOT_FOUND');
      assert.equal(calls.length, 1, id);
      const path = new URL(calls[0]!.url).pathname;
      assert.ok(path.endsWith(`/${encodeURIComponent(id)}`), `${id} → ${path}`);
      assert.equal(decodeURIComponent(path.split('/').pop()!), id);
      assert.equal(path.startsWith('/v1/verification/'), id.startsWith('tok_'), `${id} → ${path}`);
    }
  });

  it('refuses the same ids sent raw over HTTP through okid.node', async () => {
    for (const id of HOSTILE_IDS) {
      const { status, body } = await rawGet(http.url, `/okid/verifications/${id}`);
      assert.equal(status, 400, `${id}: ${body}`);
      assert.equal((JSON.parse(body) as { code: string }).code, 'INVALID_ID');
    }
    // Bare dot segments are resolved by the URL parser before routing: they can only ever
    // climb out of the proxy's routes (404), never into an upstream path.
    for (const path of ['/okid/verifications/..', '/okid/verifications/%2E', '/okid/verifications/%2e%2E', '/okid/verifications/../../api/generate-verification', '/okid/verifications/./ver_abcd1234/..']) {
      const { status } = await rawGet(http.url, path);
      assert.ok(status === 400 || status === 404, `${path} → ${status}`);
    }
    assert.equal(calls.length, 0);
  });

  it('runs authorize with the decoded id before any upstream call: false → 403, throw → 500', async () => {
    const id = await createV2(sandbox.url);
    const seen: string[] = [];
    const allow = createOkidProxy({ ...options, authorize: async (req, verificationId) => (seen.push(`${req.method} ${verificationId}`), true) });
    assert.equal((await allow.fetch(request(`/okid/verifications/${id}`))).status, 200);
    assert.equal((await allow.fetch(request(`/okid/verifications/${id}/qrcode.png`))).status, 200);
    assert.deepEqual(seen, [`GET ${id}`, `GET ${id}`]);
    calls.length = 0;

    const deny = createOkidProxy({ ...options, authorize: (_req, verificationId) => verificationId !== id });
    for (const path of [`/okid/verifications/${id}`, `/okid/verifications/${id}/qrcode.png`]) {
      const response = await deny.fetch(request(path));
      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { code: string }).code, 'ACCESS_DENIED');
    }

    // A hook that forgets to return fails closed.
    const forgetful = createOkidProxy({ ...options, authorize: (() => undefined) as unknown as () => boolean });
    assert.equal((await forgetful.fetch(request(`/okid/verifications/${id}`))).status, 403);

    const errors: string[] = [];
    const broken = createOkidProxy({
      ...options,
      logger: { warn: () => undefined, error: (m) => errors.push(m) },
      authorize: () => {
        throw new Error(`session store down at 10.0.0.7 (config ${API_KEY})`);
      },
    });
    const response = await broken.fetch(request(`/okid/verifications/${id}`));
    const text = await response.text();
    assert.equal(response.status, 500);
    assert.equal((JSON.parse(text) as { code: string }).code, 'INTERNAL_ERROR');
    assert.ok(!text.includes('10.0.0.7'), 'no details to the browser');
    assert.ok(errors.some((m) => m.includes('authorize') && m.includes('10.0.0.7')), 'but the operator hears of it');
    assert.ok(errors.every((m) => !m.includes(API_KEY)), 'logs never carry the key, even when an error quotes it');

    // Hostile ids are refused before the hook sees them.
    const hookSaw: string[] = [];
    const guarded = createOkidProxy({ ...options, authorize: (_r, v) => (hookSaw.push(v), true) });
    assert.equal((await guarded.fetch(request('/okid/verifications/%2e%2e%2f'))).status, 400);
    assert.deepEqual(hookSaw, []);
    assert.equal(calls.length, 0);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const okid = createOkidProxy(options);
    for (const [path, method] of [
      ['/okid/verifications/ver_abcd1234', 'POST'],
      ['/okid/verifications/ver_abcd1234', 'DELETE'],
      ['/okid/verifications/tok_abcd1234/qrcode.png', 'PUT'],
    ] as const) {
      const response = await okid.fetch(request(path, { method }));
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('Allow'), 'GET');
      assert.equal(((await response.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
    }
    assert.equal(calls.length, 0);
  });

  it('answers 404 NOT_FOUND outside basePath and for unknown paths inside it', async () => {
    const okid = createOkidProxy({ ...options, basePath: '/api/identity/' });
    for (const path of ['/', '/okid/verifications/ver_abcd1234', '/api/identityx/verifications/ver_abcd1234', '/api/identity', '/api/identity/nope', '/api/identity/verifications/ver_abcd1234/']) {
      const response = await okid.fetch(request(path));
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { code: string }).code, 'NOT_FOUND');
    }
    const id = await createV2(sandbox.url);
    assert.equal((await okid.fetch(request(`/api/identity/verifications/${id}`))).status, 200);
  });

  it('create: refuses cross-site and cross-origin POSTs with 403 ACCESS_DENIED before the hook (CSRF)', async () => {
    let hookRuns = 0;
    const warnings: string[] = [];
    const okid = createOkidProxy({
      ...options,
      logger: { warn: (m) => warnings.push(m), error: () => undefined },
      create: () => ((hookRuns += 1), {}),
    });
    const post = (headers: Record<string, string>) => okid.fetch(request('/okid/verifications', { method: 'POST', headers }));
    for (const headers of [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://operator.test' },
      { Origin: 'https://evil.test' },
      { Origin: 'http://operator.test.evil.test' },
      { Origin: 'http://operator.test:8080' },
      { Origin: 'null' },
      { Origin: 'https://evil.test', 'Sec-Fetch-Site': 'same-origin' },
      // Issue 9: the scheme counts (an http:// page against an https:// site, or the reverse
      // without trustProxy), and without Origin only same-origin or no header at all pass.
      { Origin: 'https://operator.test' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'none' },
    ] as Record<string, string>[]) {
      const response = await post(headers);
      const text = await response.text();
      assert.equal(response.status, 403, `${JSON.stringify(headers)}: ${text}`);
      const body = JSON.parse(text) as { error: string; code: string };
      assert.equal(body.code, 'ACCESS_DENIED');
      assert.ok(!text.includes('evil'), 'the origin is not echoed');
    }
    assert.equal(hookRuns, 0, 'the create hook never ran');
    assert.equal(calls.length, 0, 'okID never heard of it');
    assert.ok(warnings.some((m) => m.includes('allowedOrigins')), 'the operator is told how to allow an origin');

    // Same origin and header-less server-to-server calls pass.
    for (const headers of [
      {},
      { Origin: 'http://operator.test' },
      { Origin: 'http://operator.test', 'Sec-Fetch-Site': 'same-origin' },
      { 'Sec-Fetch-Site': 'same-origin' },
    ] as Record<string, string>[]) {
      const response = await post(headers);
      assert.equal(response.status, 201, `${JSON.stringify(headers)}: ${await response.clone().text()}`);
    }
    assert.equal(hookRuns, 4);
  });

  it('create: allowedOrigins lets the listed origins through, and only them', async () => {
    const okid = createOkidProxy({ ...options, create: () => ({}), allowedOrigins: ['https://shop.example/', 'http://localhost:5173'] });
    const post = (headers: Record<string, string>) => okid.fetch(request('/okid/verifications', { method: 'POST', headers }));
    assert.equal((await post({ Origin: 'https://shop.example', 'Sec-Fetch-Site': 'cross-site' })).status, 201);
    assert.equal((await post({ Origin: 'http://localhost:5173', 'Sec-Fetch-Site': 'same-site' })).status, 201);
    assert.equal((await post({ Origin: 'http://operator.test' })).status, 201, 'its own origin still passes');
    for (const origin of ['http://shop.example', 'https://evil.test', 'https://shop.example:444']) {
      const response = await post({ Origin: origin, 'Sec-Fetch-Site': 'cross-site' });
      assert.equal(response.status, 403, origin);
      assert.equal(((await response.json()) as { code: string }).code, 'ACCESS_DENIED');
    }
    assert.equal((await post({ 'Sec-Fetch-Site': 'cross-site' })).status, 403, 'cross-site without an Origin');

    // Through okid.node, the proxy's own origin is the Host it was reached at.
    const server = await listen((req, res) => okid.node(req, res));
    try {
      const same = await fetch(`${server.url}/okid/verifications`, { method: 'POST', headers: { Origin: server.url } });
      assert.equal(same.status, 201, await same.clone().text());
      const cross = await fetch(`${server.url}/okid/verifications`, { method: 'POST', headers: { Origin: 'https://evil.test' } });
      assert.equal(cross.status, 403);
    } finally {
      await server.close();
    }
  });

  it('validates options at creation with a TypeError naming the option, never the key', () => {
    const secret = 'sk_live_do_not_print';
    const cases: Array<[Partial<OkidProxyOptions>, RegExp]> = [
      [{ apiKey: '' }, /apiKey/],
      [{ apiKey: undefined as unknown as string }, /apiKey/],
      [{ apiKey: ` ${secret}\n` }, /apiKey.*whitespace/],
      [{ apiKey: `${secret}é` }, /apiKey/],
      [{ baseUrl: 'ftp://okid.test' }, /baseUrl/],
      [{ baseUrl: 'verify.okid.io' }, /baseUrl/],
      [{ baseUrl: "" }, /baseUrl/],
      [{ basePath: 'okid' }, /basePath/],
      [{ basePath: '/okid?x=1' }, /basePath/],
      [{ frontendUrl: 'javascript:alert(1)' }, /frontendUrl/],
      [{ timeoutMs: 0 }, /timeoutMs/],
      [{ timeoutMs: Number.NaN }, /timeoutMs/],
      [{ create: 'yes' as unknown as OkidProxyOptions['create'] }, /create/],
      [{ authorize: true as unknown as OkidProxyOptions['authorize'] }, /authorize/],
      [{ webhookSecret: '' }, /webhookSecret/],
      [{ allowedOrigins: 'https://shop.example' as unknown as string[] }, /allowedOrigins/],
      [{ allowedOrigins: ['shop.example'] }, /allowedOrigins/],
      [{ allowedOrigins: ['https://shop.example/path'] }, /allowedOrigins/],
      [{ allowedOrigins: ['*'] }, /allowedOrigins/],
    ];
    for (const [override, message] of cases) {
      assert.throws(
        () => createOkidProxy({ apiKey: secret, baseUrl: 'https://verify.okid.test', ...override }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes(secret), 'the key is never in the message');
          return true;
        },
      );
    }
    assert.doesNotThrow(() => createOkidProxy({ apiKey: secret, baseUrl: 'http://127.0.0.1:1/', basePath: '/' }));
  });
});
