/**
 * `createOkidClient` over real HTTP: every v1 and v2client endpoint and every documented error
 * against the sandbox; retries, timeouts and the faults the sandbox cannot produce against a
 * scripted `node:http` stand-in on 127.0.0.1 (each such test says why it needs one).
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OkidApiError, createOkidClient } from '../../src/server/index.js';
import type { OkidClient, OkidClientOptions } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { parseRetryAfter, sanitizeDetail } from '../../src/server/okid/api-error.js';
import { listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { KEY, openFlow, runPhoneFlow, waitFor } from './sandbox-helpers.js';

const OTHER_KEY = 'sk_sandbox_other_tenant';
const WRONG_KEY = 'sk_wrong_key_that_must_never_leak';

/** A `fetch` that counts calls and forwards them over the network unchanged. */
function countingFetch(onError?: (calls: number) => Promise<void>): { fetch: typeof fetch; calls: Request[] } {
  const calls: Request[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    calls.push(new Request(input, init));
    try {
      return await fetch(input, init);
    } catch (error) {
      await onError?.(calls.length);
      throw error;
    }
  };
  return { fetch: wrapped, calls };
}

/** Awaits a rejection with an `OkidApiError` of `code` (and `status`), checking it leaks no key. */
async function rejectsWith(promise: Promise<unknown>, code: string, status?: number, key = KEY): Promise<OkidApiError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but the call resolved`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OkidApiError, `expected an OkidApiError, got ${inspect(error)}`);
  assert.equal(error.code, code, error.message);
  if (status !== undefined) assert.equal(error.status, status, error.message);
  for (const text of [error.message, error.stack ?? '', inspect(error, { depth: 5 }), JSON.stringify(error), error.detail ?? '']) {
    assert.ok(!text.includes(key), `the key leaked: ${text}`);
  }
  return error;
}

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Uint8Array): [number, number] => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
};

describe('createOkidClient against the sandbox', () => {
  let sandbox: Sandbox;
  let okid: OkidClient;
  let other: OkidClient;

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0, apiKey: [KEY, OTHER_KEY] });
    okid = createOkidClient({ apiKey: KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url });
    other = createOkidClient({ apiKey: OTHER_KEY, baseUrl: `${sandbox.url}/`, v1BaseUrl: sandbox.url });
  });
  after(() => sandbox.close());

  it('v2: generates, reads details, draws the QR PNG, then serves the accepted images', async () => {
    const generated = await okid.generateVerification({
      extra_data: { reference_id: 'ORDER-12345', sandbox_outcome: 'verified' },
      return_url: 'https://shop.test/done',
    });
    assert.match(generated.verificationId, /^ver_/);
    assert.ok(Date.parse(generated.expiresAt) > Date.now());
    assert.deepEqual(generated.flow, ['terms', 'document', 'liveness']);

    const fresh = await okid.getVerificationDetails(generated.verificationId);
    assert.equal(fresh.verification_id, generated.verificationId);
    assert.equal(fresh.status.current, 'generated');
    assert.deepEqual(fresh.extra_data, { reference_id: 'ORDER-12345', sandbox_outcome: 'verified' });
    assert.equal(fresh.return_url, 'https://shop.test/done');

    const png = await okid.getQrCode(generated.verificationId);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(pngSize(png), [400, 400]);

    const { uploaded } = await runPhoneFlow(sandbox, generated.verificationId, 'id_card');
    const done = await waitFor(
      () => okid.getVerificationDetails(generated.verificationId),
      (d) => d.status.current === 'verified',
    );
    assert.equal((done.results?.document as { status?: string } | undefined)?.status, 'accepted');
    assert.equal(done.status.progress?.liveness, 'completed');

    for (const [side, kind] of [['front', 'document_front'], ['back', 'document_back'], ['selfie', 'selfie']] as const) {
      const image = await okid.getImage(generated.verificationId, side);
      assert.equal(image.contentType, 'image/jpeg');
      assert.deepEqual(Buffer.from(image.bytes), uploaded[kind], `${side} is the uploaded ${kind}`);
    }
    for (const imageType of ['original', 'cropped'] as const) {
      const image = await okid.getImage(generated.verificationId, 'front', { imageType });
      assert.deepEqual(Buffer.from(image.bytes), uploaded.document_front);
    }
  });

  it('v2: the details of an expired verification read as expired, and its QR code is refused', async () => {
    const shortLived = await startSandbox({ port: 0, processingDelayMs: 0, ttlSeconds: 0.3 });
    try {
      const client = createOkidClient({ apiKey: KEY, baseUrl: shortLived.url, v1BaseUrl: shortLived.url });
      const { verificationId } = await client.generateVerification();
      const expired = await waitFor(
        () => client.getVerificationDetails(verificationId),
        (d) => d.status.current === 'expired',
      );
      assert.equal(expired.verification_id, verificationId);
      const error = await rejectsWith(client.getQrCode(verificationId), 'QR_UNAVAILABLE', 409);
      assert.equal(error.currentStatus, 'expired');
    } finally {
      await shortLived.close();
    }
  });

  it('v1: generates a process token with metadata and URLs, then reads it to completed', async () => {
    const token = await okid.generateToken({
      metadata: { user_id: 'user-123', reference: 'order-456' },
      callback_url: 'https://api.shop.test/webhook',
      success_url: 'https://shop.test/success',
      error_url: 'https://shop.test/error',
    });
    assert.match(token.process_token, /^(tok|ver)_/);
    assert.ok(Date.parse(token.expires_at) > Date.now());

    const pending = await okid.getVerification(token.process_token);
    assert.equal(pending.id, token.process_token);
    assert.equal(pending.status, 'pending');
    assert.deepEqual(pending.metadata, { user_id: 'user-123', reference: 'order-456' });

    await runPhoneFlow(sandbox, token.process_token, 'passport');
    const done = await waitFor(
      () => okid.getVerification(token.process_token),
      (v) => v.status === 'completed',
    );
    assert.equal(done.outcome, 'verified');
    assert.equal(done.document_type, 'passport');
    assert.equal(done.verification_details?.last_name, 'Sandbox');
  });

  it('INVALID_API_KEY (401) on every endpoint for a key okID does not know', async () => {
    const { verificationId } = await okid.generateVerification();
    const wrong = createOkidClient({ apiKey: WRONG_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url });
    const calls = [
      () => wrong.generateVerification(),
      () => wrong.getVerificationDetails(verificationId),
      () => wrong.getQrCode(verificationId),
      () => wrong.getImage(verificationId, 'front', { imageType: 'cropped' }),
      () => wrong.generateToken(),
      () => wrong.getVerification(verificationId),
    ];
    for (const call of calls) {
      const error = await rejectsWith(call(), 'INVALID_API_KEY', 401, WRONG_KEY);
      assert.match(error.message, /refused the API key/);
    }
  });

  it("ACCESS_DENIED (403) when the key did not create the verification (another tenant's key)", async () => {
    const { verificationId } = await okid.generateVerification();
    const { process_token } = await okid.generateToken();
    await rejectsWith(other.getVerificationDetails(verificationId), 'ACCESS_DENIED', 403);
    await rejectsWith(other.getQrCode(verificationId), 'ACCESS_DENIED', 403);
    await rejectsWith(other.getImage(verificationId, 'selfie'), 'ACCESS_DENIED', 403);
    await rejectsWith(other.getVerification(process_token), 'ACCESS_DENIED', 403);
  });

  it('VERIFICATION_NOT_FOUND (404) for an id okID does not know', async () => {
    const id = 'ver_doesnotexist0000';
    await rejectsWith(okid.getVerificationDetails(id), 'VERIFICATION_NOT_FOUND', 404);
    await rejectsWith(okid.getQrCode(id), 'VERIFICATION_NOT_FOUND', 404);
    await rejectsWith(okid.getImage(id, 'front'), 'VERIFICATION_NOT_FOUND', 404);
    await rejectsWith(okid.getVerification('tok_doesnotexist0000'), 'VERIFICATION_NOT_FOUND', 404);
  });

  it('IMAGE_NOT_AVAILABLE (404) before submission, and for the back of a passport', async () => {
    const { verificationId } = await okid.generateVerification();
    await rejectsWith(okid.getImage(verificationId, 'front'), 'IMAGE_NOT_AVAILABLE', 404);
    await runPhoneFlow(sandbox, verificationId, 'passport');
    await waitFor(() => okid.getVerificationDetails(verificationId), (d) => d.status.current === 'verified');
    assert.equal((await okid.getImage(verificationId, 'front')).contentType, 'image/jpeg');
    await rejectsWith(okid.getImage(verificationId, 'back'), 'IMAGE_NOT_AVAILABLE', 404);
  });

  it("QR_UNAVAILABLE (409) with okID's currentStatus once the link was opened", async () => {
    const { verificationId } = await okid.generateVerification();
    await openFlow(sandbox, verificationId);
    const error = await rejectsWith(okid.getQrCode(verificationId), 'QR_UNAVAILABLE', 409);
    assert.equal(error.currentStatus, 'started');
  });

  it('BAD_REQUEST (400) when okID refuses a parameter', async () => {
    const error = await rejectsWith(okid.generateVerification({ extra_data: { sandbox_outcome: 'bogus' } }), 'BAD_REQUEST', 400);
    assert.match(error.detail ?? '', /sandbox_outcome/);
  });

  it('RATE_LIMITED (429) with retryAfter after 100 generations a minute, and the 101st is not retried', async () => {
    const limited = await startSandbox({ port: 0, processingDelayMs: 0 });
    try {
      const { fetch: counting, calls } = countingFetch();
      const client = createOkidClient({ apiKey: KEY, baseUrl: limited.url, v1BaseUrl: limited.url, fetch: counting });
      for (let n = 0; n < 100; n++) await client.generateVerification();
      calls.length = 0;
      const error = await rejectsWith(client.generateToken(), 'RATE_LIMITED', 429);
      assert.ok(error.retryAfter !== undefined && error.retryAfter >= 1 && error.retryAfter <= 60, `retryAfter ${error.retryAfter}`);
      assert.equal(calls.length, 1, 'a refused generation is not sent again');
    } finally {
      await limited.close();
    }
  });

  it('refuses bad input before any request: ids, sides, image types, bodies', async () => {
    const { fetch: counting, calls } = countingFetch();
    const client = createOkidClient({ apiKey: KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, fetch: counting });
    await rejectsWith(client.getVerificationDetails('../../admin'), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getVerification('ver x'), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getVerification('a'.repeat(201)), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getVerification('ver_é'), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getVerification('..'), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getImage('ver_abcd1234', 'passport' as 'front'), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.getImage('ver_abcd1234', 'front', { imageType: 'raw' as 'original' }), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.generateVerification({ return_url: 'javascript:alert(1)' }), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.generateVerification({ extra_data: 'x' as unknown as Record<string, unknown> }), 'INVALID_ARGUMENT', 0);
    await rejectsWith(client.generateToken({ callback_url: 'ftp://x.test/' }), 'INVALID_ARGUMENT', 0);
    assert.equal(calls.length, 0);
  });

  it('refuses bad options with a TypeError that does not contain the key', () => {
    const bad: Array<Partial<OkidClientOptions>> = [
      { apiKey: '', baseUrl: sandbox.url, v1BaseUrl: sandbox.url },
      { apiKey: ` ${WRONG_KEY}`, baseUrl: sandbox.url, v1BaseUrl: sandbox.url },
      { apiKey: `${WRONG_KEY}\n`, baseUrl: sandbox.url, v1BaseUrl: sandbox.url },
      { apiKey: WRONG_KEY, baseUrl: 'ftp://okid.test' },
      { apiKey: WRONG_KEY, baseUrl: `${sandbox.url}/?x=1` },
      { apiKey: WRONG_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, timeoutMs: 0 },
      // Past 2^31-1 ms Node fires a timer after 1 ms: a long timeout would become none.
      { apiKey: WRONG_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, timeoutMs: 3e9 },
      { apiKey: WRONG_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, maxRetryDelayMs: 2 ** 31 },
      { apiKey: WRONG_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, retries: -1 },
    ];
    for (const options of bad) {
      assert.throws(
        () => createOkidClient(options as OkidClientOptions),
        (error: unknown) => error instanceof TypeError && !error.message.includes(WRONG_KEY.trim()),
      );
    }
  });

  it('keeps the key out of inspect() of the client', () => {
    assert.ok(!inspect(okid, { depth: 10, showHidden: true }).includes(KEY));
    assert.ok(!JSON.stringify(okid).includes(KEY));
  });
});

type Script = (req: IncomingMessage, res: ServerResponse) => void;

describe('createOkidClient against a scripted okID (faults the sandbox cannot produce)', () => {
  let upstream: Listening;
  let scripts: Script[];
  let seen: number;

  before(async () => {
    upstream = await listen((req, res) => {
      seen++;
      const script = scripts.length > 1 ? scripts.shift()! : scripts[0]!;
      script(req, res);
    });
  });
  after(() => upstream.close());
  beforeEach(() => {
    seen = 0;
    scripts = [];
  });

  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Script => (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const DETAILS = { verification_id: 'ver_abcd1234', status: { current: 'generated', updated_at: '2025-01-01T00:00:00Z' } };
  const client = (options: Partial<OkidClientOptions> = {}) =>
    createOkidClient({ apiKey: KEY, baseUrl: upstream.url, v1BaseUrl: upstream.url, retryBaseDelayMs: 5, ...options });

  it('TIMEOUT when okID never answers (the sandbox always answers), within timeoutMs and not retried', async () => {
    scripts = [() => undefined];
    const started = Date.now();
    await rejectsWith(client({ timeoutMs: 150 }).getVerificationDetails('ver_abcd1234'), 'TIMEOUT', 0);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 1000, `rejected after ${elapsed} ms`);
    assert.equal(seen, 1);
  });

  it('TIMEOUT when okID sends headers and then stalls the image body', async () => {
    scripts = [
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/jpeg' });
        res.write(Buffer.from([0xff, 0xd8, 0xff]));
      },
    ];
    await rejectsWith(client({ timeoutMs: 150 }).getImage('ver_abcd1234', 'selfie'), 'TIMEOUT', 0);
  });

  it('SERVER_NOT_CONFIGURED from okID\'s error body (the sandbox is always configured), not retried', async () => {
    scripts = [json(500, { error: 'Server not configured', details: 'v2client missing base URL configuration' })];
    await rejectsWith(client().getQrCode('ver_abcd1234'), 'SERVER_NOT_CONFIGURED', 500);
    assert.equal(seen, 1, 'a configuration fault does not heal by retrying');
    scripts = [json(401, { error: 'SERVER_NOT_CONFIGURED' })];
    await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'SERVER_NOT_CONFIGURED', 401);
  });

  it('VERIFICATION_EXPIRED from 410 or an expiry error body (the sandbox answers expired ids with 200)', async () => {
    scripts = [json(410, { error: 'Gone' })];
    await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'VERIFICATION_EXPIRED', 410);
    scripts = [json(404, { error: 'VERIFICATION_EXPIRED', details: 'verification_id has expired' })];
    await rejectsWith(client().getImage('ver_abcd1234', 'front'), 'VERIFICATION_EXPIRED', 404);
    scripts = [json(400, { error: 'Verification has expired' })];
    await rejectsWith(client().getVerification('tok_abcd1234'), 'VERIFICATION_EXPIRED', 400);
  });

  it("never repeats the key or okID's body verbatim, even when okID echoes the key", async () => {
    scripts = [json(500, { error: `upstream trace\u0000 with key ${KEY} ${'x'.repeat(500)}`, details: 'SECRET-DETAILS' })];
    const error = await rejectsWith(client({ retries: 0 }).getVerificationDetails('ver_abcd1234'), 'SERVER_ERROR', 500);
    assert.match(error.detail ?? '', /\[redacted\]/);
    assert.ok((error.detail ?? '').length <= 120);
    assert.ok(!error.message.includes('SECRET-DETAILS') && !error.message.includes('\u0000'));
  });

  it('BAD_RESPONSE for bodies that are not JSON, of the wrong shape, too large, or not a PNG', async () => {
    scripts = [(_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>')];
    await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'BAD_RESPONSE', 200);
    scripts = [json(200, { verification_id: 'ver_abcd1234', status: { current: 'exploded' } })];
    await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'BAD_RESPONSE', 200);
    scripts = [json(200, { verificationId: '../../etc', expiresAt: 'x' })];
    await rejectsWith(client().generateVerification(), 'BAD_RESPONSE', 200);
    scripts = [json(200, { pad: 'x'.repeat(2 * 1024 * 1024) })];
    await rejectsWith(client().getVerification('tok_abcd1234'), 'BAD_RESPONSE', 200);
    scripts = [(_req, res) => res.writeHead(200, { 'Content-Type': 'image/png' }).end('GIF89a')];
    await rejectsWith(client().getQrCode('ver_abcd1234'), 'BAD_RESPONSE', 200);
  });

  it('does not follow a redirect (it would carry the key to another host)', async () => {
    let elsewhere = 0;
    const thief = await listen((_req, res) => {
      elsewhere++;
      res.end('{}');
    });
    try {
      scripts = [(_req, res) => res.writeHead(302, { Location: `${thief.url}/steal` }).end()];
      await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'BAD_RESPONSE', 302);
      assert.equal(elsewhere, 0);
    } finally {
      await thief.close();
    }
  });

  it('retries a read after a 503 and resolves; gives up after `retries` more attempts', async () => {
    scripts = [json(503, { error: 'busy' }), json(200, DETAILS)];
    assert.equal((await client().getVerificationDetails('ver_abcd1234')).status.current, 'generated');
    assert.equal(seen, 2);
    seen = 0;
    scripts = [json(502, { error: 'bad gateway' })];
    await rejectsWith(client({ retries: 2 }).getVerificationDetails('ver_abcd1234'), 'SERVER_ERROR', 502);
    assert.equal(seen, 3);
  });

  it("honours a 429's Retry-After in seconds and as an HTTP date", async () => {
    scripts = [json(429, { error: 'slow down' }, { 'Retry-After': '1' }), json(200, DETAILS)];
    let started = Date.now();
    await client().getVerificationDetails('ver_abcd1234');
    assert.ok(Date.now() - started >= 950, `retried after ${Date.now() - started} ms`);
    assert.equal(seen, 2);

    const date = new Date(Date.now() + 2000).toUTCString();
    scripts = [json(429, { error: 'slow down' }, { 'Retry-After': date }), json(200, DETAILS)];
    started = Date.now();
    await client().getVerificationDetails('ver_abcd1234');
    assert.ok(Date.now() - started >= 950, `retried after ${Date.now() - started} ms`);
    assert.equal(seen, 4);
  });

  it('does not wait for a Retry-After beyond maxRetryDelayMs: RATE_LIMITED with retryAfter at once', async () => {
    scripts = [json(429, { error: 'slow down' }, { 'Retry-After': '3600' })];
    const started = Date.now();
    const error = await rejectsWith(client({ maxRetryDelayMs: 5000 }).getQrCode('ver_abcd1234'), 'RATE_LIMITED', 429);
    assert.equal(error.retryAfter, 3600);
    assert.ok(Date.now() - started < 1000);
    assert.equal(seen, 1);
  });

  it('caps each backoff wait at maxRetryDelayMs', async () => {
    scripts = [json(500, {}), json(500, {}), json(200, DETAILS)];
    const started = Date.now();
    await client({ retryBaseDelayMs: 60_000, maxRetryDelayMs: 100 }).getVerificationDetails('ver_abcd1234');
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(seen, 3);
  });

  it('does not retry 4xx answers', async () => {
    scripts = [json(401, { error: 'Invalid API key provided' })];
    await rejectsWith(client().getVerificationDetails('ver_abcd1234'), 'INVALID_API_KEY', 401);
    scripts = [json(403, { error: 'nope' })];
    await rejectsWith(client().getVerification('tok_abcd1234'), 'ACCESS_DENIED', 403);
    assert.equal(seen, 2);
  });

  it('never retries a generation okID may have received: 503, 429, or a connection reset mid-request', async () => {
    scripts = [json(503, { error: 'busy' })];
    await rejectsWith(client().generateVerification(), 'SERVER_ERROR', 503);
    scripts = [json(429, { error: 'slow down' }, { 'Retry-After': '1' })];
    await rejectsWith(client().generateToken(), 'RATE_LIMITED', 429);
    scripts = [(req) => req.socket.destroy()];
    await rejectsWith(client().generateVerification({ extra_data: { order: 1 } }), 'NETWORK', 0);
    assert.equal(seen, 3);
  });

  it('a caller abort ends a retry wait at once, with the signal reason', async () => {
    scripts = [json(429, { error: 'slow down' }, { 'Retry-After': '5' })];
    const controller = new AbortController();
    const started = Date.now();
    const call = client().getVerificationDetails('ver_abcd1234', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left')), 50);
    await assert.rejects(call, /user left/);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('createOkidClient when okID cannot be reached', () => {
  /** A port that was just free: nothing listens there. */
  async function closedPort(): Promise<{ url: string; port: number }> {
    const probe = await listen(() => undefined);
    await probe.close();
    return { url: probe.url, port: Number(new URL(probe.url).port) };
  }

  it('NETWORK for reads after every retry (connection refused)', async () => {
    const { url } = await closedPort();
    const { fetch: counting, calls } = countingFetch();
    const client = createOkidClient({ apiKey: KEY, baseUrl: url, v1BaseUrl: url, fetch: counting, retryBaseDelayMs: 5 });
    const error = await rejectsWith(client.getVerificationDetails('ver_abcd1234'), 'NETWORK', 0);
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(calls.length, 3);
    assert.equal(calls[0]?.headers.get('X-SDK-Key'), KEY, 'the injected fetch carries the key header');
  });

  it('retries a generation whose connection was refused (okID got nothing), and creates it once okID is up', async () => {
    const { url, port } = await closedPort();
    let sandbox: Sandbox | undefined;
    // okID comes up between the refused attempt and the retry.
    const { fetch: counting, calls } = countingFetch(async (n) => {
      if (n === 1) sandbox = await startSandbox({ port, processingDelayMs: 0 });
    });
    try {
      const client = createOkidClient({ apiKey: KEY, baseUrl: url, v1BaseUrl: url, fetch: counting, retryBaseDelayMs: 5 });
      const { verificationId } = await client.generateVerification({ extra_data: { order: 7 } });
      assert.equal(calls.length, 2);
      assert.deepEqual((await client.getVerificationDetails(verificationId)).extra_data, { order: 7 });
    } finally {
      await sandbox?.close();
    }
  });
});

describe("reading okID's Retry-After and error text", () => {
  it('Retry-After: seconds, HTTP dates (a past one is 0), nothing else', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 12:00:00 GMT', now), 0);
    for (const bad of [null, '', '-1', '1.5', '<script>alert(1)</script>', '9999999', 'Fri, 01 Jan 2027 12:00:00 GMT']) {
      assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
    }
  });

  it('detail: printable, at most 120 characters, no key even when cut in the middle of it', () => {
    const key = 'sk_live_0123456789abcdef';
    for (let pad = 90; pad <= 120; pad++) {
      const detail = sanitizeDetail(`${'a'.repeat(pad)}${key} tail`, key) ?? '';
      assert.ok(detail.length <= 120, detail);
      assert.ok(!detail.includes(key.slice(0, 4)), `a piece of the key survived: ${detail}`);
    }
    assert.equal(sanitizeDetail('line\r\nbreak\u0000', key), 'line break');
    assert.equal(sanitizeDetail(42, key), undefined);
  });
});
