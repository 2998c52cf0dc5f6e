/**
 * How the proxy answers when okID misbehaves: down, hanging, garbage, each error status. The
 * upstream here is a scripted real HTTP server, so timeouts and broken bodies are real.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxyLogger } from '../../src/server/index.js';
import { API_KEY, listen, request } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

type Script = (req: IncomingMessage, res: ServerResponse) => void;

const V2_DETAILS = {
  verification_id: 'ver_abcd1234',
  status: { current: 'started', updated_at: '2025-01-01T00:00:00.000Z', progress: { terms: 'pending' } },
  expires_at: '2025-01-01T01:00:00.000Z',
};

describe('proxy against a failing okID', () => {
  let upstream: Listening;
  let script: Script;
  let seen: IncomingMessage[];
  const logs: string[] = [];
  const logger: OkidProxyLogger = { warn: (m) => logs.push(m), error: (m) => logs.push(m) };

  before(async () => {
    upstream = await listen((req, res) => {
      seen.push(req);
      script(req, res);
    });
  });
  after(() => upstream.close());
  beforeEach(() => {
    seen = [];
    logs.length = 0;
  });

  const proxy = (timeoutMs = 2000) => createOkidProxy({ apiKey: API_KEY, baseUrl: upstream.url, v1BaseUrl: upstream.url, timeoutMs, logger });

  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Script => (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  /** Asserts an `{ error, code }` answer that leaks neither the key nor the upstream body. */
  async function assertError(response: Response, status: number, code: string): Promise<Record<string, unknown>> {
    assert.equal(response.status, status);
    assert.equal(response.headers.get('Cache-Control'), 'no-store');
    assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/);
    const text = await response.text();
    assert.ok(!text.includes(API_KEY), 'no key in the body');
    assert.ok(!text.includes('UPSTREAM-SECRET-TEXT'), 'no upstream body in the answer');
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.equal(body.code, code);
    assert.equal(typeof body.error, 'string');
    return body;
  }

  it('passes a valid answer through as a snapshot (the scripted upstream works)', async () => {
    script = json(200, V2_DETAILS);
    const response = await proxy().fetch(request('/okid/verifications/ver_abcd1234'));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      verificationId: 'ver_abcd1234',
      status: 'opened',
      progress: { terms: 'pending' },
      updatedAt: '2025-01-01T00:00:00.000Z',
      expiresAt: '2025-01-01T01:00:00.000Z',
    });
    assert.equal(seen[0]?.headers['x-sdk-key'], API_KEY);
  });

  it('answers 502 UPSTREAM_ERROR when okID is down (a closed port)', async () => {
    const closed = await listen(() => undefined);
    const { url } = closed;
    await closed.close();
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: url, v1BaseUrl: url, logger });
    await assertError(await okid.fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
    assert.ok(logs.some((l) => l.includes('could not reach okID')));
    assert.ok(logs.every((l) => !l.includes(API_KEY)));
  });

  it('answers 504 UPSTREAM_TIMEOUT within timeoutMs when okID never answers', async () => {
    script = () => undefined; // holds the request open forever
    const started = Date.now();
    await assertError(await proxy(200).fetch(request('/okid/verifications/ver_abcd1234')), 504, 'UPSTREAM_TIMEOUT');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 1500, `answered after ${elapsed} ms`);
  });

  it('answers 504 when okID sends headers and then stalls the body', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"verification_id":');
    };
    await assertError(await proxy(200).fetch(request('/okid/verifications/ver_abcd1234')), 504, 'UPSTREAM_TIMEOUT');
  });

  it('answers 502 for a body that is not JSON', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>UPSTREAM-SECRET-TEXT</html>');
    };
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
  });

  it('answers 502 for JSON without a status or about another verification (an unknown word is served, issue 19)', async () => {
    script = json(200, { verification_id: 'ver_abcd1234', status: { updated_at: 'x' }, note: 'UPSTREAM-SECRET-TEXT' });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
    script = json(200, { verification_id: 'ver_abcd1234', status: { current: 'exploded' }, note: 'UPSTREAM-SECRET-TEXT' });
    const unknown = await proxy().fetch(request('/okid/verifications/ver_abcd1234'));
    const text = await unknown.text();
    assert.equal(unknown.status, 200);
    assert.equal(JSON.parse(text).status, 'in_progress');
    assert.equal(JSON.parse(text).vendorStatus, 'exploded');
    assert.ok(!text.includes('UPSTREAM-SECRET-TEXT'));
    script = json(200, { ...V2_DETAILS, verification_id: 'ver_someoneelse' });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
    script = json(200, { id: 'tok_abcd1234', status: 42 });
    await assertError(await proxy().fetch(request('/okid/verifications/tok_abcd1234')), 502, 'UPSTREAM_ERROR');
  });

  it('answers 502 for a body larger than any okID answer', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    };
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
  });

  it('answers 502 for okID 5xx, without echoing its body (even when it contains the key)', async () => {
    script = json(500, { error: 'UPSTREAM-SECRET-TEXT', details: `bad key ${API_KEY}` });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
  });

  it('maps okID 404 → 404 VERIFICATION_NOT_FOUND and 403 → 403 ACCESS_DENIED', async () => {
    script = json(404, { error: 'UPSTREAM-SECRET-TEXT' });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 404, 'VERIFICATION_NOT_FOUND');
    script = json(403, { error: 'UPSTREAM-SECRET-TEXT' });
    await assertError(await proxy().fetch(request('/okid/verifications/tok_abcd1234')), 403, 'ACCESS_DENIED');
  });

  it('maps okID 401 → 502 UPSTREAM_AUTH and warns the operator without logging the key', async () => {
    script = json(401, { error: 'Invalid API key provided', details: API_KEY });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_AUTH');
    assert.ok(logs.some((l) => /refused the API key/.test(l)), logs.join('\n'));
    assert.ok(logs.every((l) => !l.includes(API_KEY)));
  });

  it('maps okID 429 → 503 RATE_LIMITED with its Retry-After, or a default', async () => {
    script = json(429, { error: 'slow down' }, { 'Retry-After': '7' });
    let response = await proxy().fetch(request('/okid/verifications/ver_abcd1234'));
    assert.equal(response.headers.get('Retry-After'), '7');
    await assertError(response, 503, 'RATE_LIMITED');

    script = json(429, { error: 'slow down' });
    response = await proxy().fetch(request('/okid/verifications/ver_abcd1234'));
    assert.match(response.headers.get('Retry-After') ?? '', /^\d+$/);
    await assertError(response, 503, 'RATE_LIMITED');

    script = json(429, { error: 'slow down' }, { 'Retry-After': '<script>alert(1)</script>' });
    response = await proxy().fetch(request('/okid/verifications/ver_abcd1234'));
    assert.match(response.headers.get('Retry-After') ?? '', /^\d+$/, 'a malformed value is replaced');
    await assertError(response, 503, 'RATE_LIMITED');
  });

  it('does not follow an upstream redirect (it could carry the key elsewhere)', async () => {
    const elsewhere: IncomingMessage[] = [];
    const other = await listen((req, res) => {
      elsewhere.push(req);
      res.end('{}');
    });
    try {
      script = (_req, res) => {
        res.writeHead(302, { Location: `${other.url}/steal` });
        res.end();
      };
      await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234')), 502, 'UPSTREAM_ERROR');
      assert.equal(elsewhere.length, 0);
    } finally {
      await other.close();
    }
  });

  it('QR: 409 → QR_UNAVAILABLE with the normalized current status; a non-PNG 200 → 502', async () => {
    script = json(409, { error: "Verification must be in 'generated' state", current_status: 'started' });
    const body = await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234/qrcode.png')), 409, 'QR_UNAVAILABLE');
    assert.equal(body.currentStatus, 'opened');

    script = json(409, { error: 'UPSTREAM-SECRET-TEXT', current_status: '<b>nope</b>' });
    const unknown = await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234/qrcode.png')), 409, 'QR_UNAVAILABLE');
    assert.equal(unknown.currentStatus, undefined, 'an unknown upstream status is not echoed');

    script = json(200, { not: 'a png' });
    await assertError(await proxy().fetch(request('/okid/verifications/ver_abcd1234/qrcode.png')), 502, 'UPSTREAM_ERROR');
  });

  it('create: an upstream answer without a valid verificationId → 502', async () => {
    script = json(200, { verificationId: '../../etc', expiresAt: 'x' });
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: upstream.url, v1BaseUrl: upstream.url, logger, create: () => ({}) });
    await assertError(await okid.fetch(request('/okid/verifications', { method: 'POST' })), 502, 'UPSTREAM_ERROR');
  });
});
