/**
 * The sandbox's limits: rate limit, expiry, and bad input that must end in a 4xx, not a crash.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { KEY, acceptTerms, call, createV2, details, jpeg, openFlow, putCapture, runPhoneFlow, waitFor, waitForOutcome } from './sandbox-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limit', () => {
  test('the 101st generation within a minute is 429 with Retry-After, per key, v1 and v2 together', async () => {
    const sandbox = await startSandbox({ port: 0, apiKey: [KEY, 'sk_second'] });
    try {
      for (let i = 0; i < 50; i += 1) await createV2(sandbox);
      for (let i = 0; i < 50; i += 1) {
        const res = await call(sandbox, '/v1/verification/generate', { method: 'POST', headers: { 'X-SDK-Key': KEY } });
        assert.equal(res.status, 200);
      }
      const limited = await call(sandbox, '/api/generate-verification', { method: 'POST', headers: { 'X-SDK-Key': KEY } });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error, 'Rate limit exceeded');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      const v1Limited = await call(sandbox, '/v1/verification/generate', { method: 'POST', headers: { 'X-SDK-Key': KEY } });
      assert.equal(v1Limited.status, 429);

      // Another key has its own window; reads are not limited.
      assert.match(await createV2(sandbox, undefined, 'sk_second'), /^ver_/);
      assert.equal((await call(sandbox, '/healthz')).status, 200);
    } finally {
      await sandbox.close();
    }
  });
});

describe('expiry', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, ttlSeconds: 0.3, processingDelayMs: 400 });
  });
  after(() => sandbox.close());

  test('an unfinished verification reads as expired once expiresAt passed, on every API', async () => {
    const id = await createV2(sandbox);
    const opened = await createV2(sandbox);
    const { token } = await openFlow(sandbox, opened);
    await acceptTerms(sandbox, opened, token);
    const before = await details(sandbox, opened);
    await sleep(400);

    const res = await details(sandbox, id);
    assert.equal(res.body.status.current, 'expired');
    const qr = await call(sandbox, `/api/get-verification-qrcode/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(qr.status, 409);
    assert.equal(qr.body.current_status, 'expired');

    const after = await details(sandbox, opened);
    assert.equal(after.body.status.current, 'expired');
    assert.ok(after.body.status.updated_at > before.body.status.updated_at);
    const v1 = await call(sandbox, `/v1/verification/${opened}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(v1.body.status, 'expired');

    // The phone still gets an answer to show, but can change nothing.
    const flow = await call(sandbox, `/v1/flow/${opened}`, { headers: { 'X-Okid-Device': token } });
    assert.equal(flow.status, 200);
    assert.equal(flow.body.status, 'expired');
    assert.equal(flow.body.deviceToken, token);
    const stranger = await call(sandbox, `/v1/flow/${opened}`);
    assert.equal(stranger.status, 200);
    assert.equal(stranger.body.deviceToken, '', 'no token for another device');
    assert.equal((await putCapture(sandbox, opened, token, 'selfie', jpeg())).status, 409);
    assert.equal((await call(sandbox, `/v1/flow/${id}`)).body.status, 'expired');
  });

  test('a verification submitted in time still gets its outcome', async () => {
    const id = await createV2(sandbox);
    await runPhoneFlow(sandbox, id, 'passport');
    await sleep(350);
    assert.equal((await details(sandbox, id)).body.status.current, 'processing');
    const final = await waitForOutcome(sandbox, id);
    assert.equal(final.body.status.current, 'verified');
  });
});

describe('bad input', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(() => sandbox.close());

  const post = (path: string, body: string, contentType = 'application/json') =>
    call(sandbox, path, { method: 'POST', headers: { 'X-SDK-Key': KEY, 'Content-Type': contentType }, body });

  test('malformed or non-object JSON is 400', async () => {
    for (const body of ['{"extra_data":', 'not json', '[1,2,3]', '"text"', 'null']) {
      const res = await post('/api/generate-verification', body);
      assert.equal(res.status, 400, body);
      assert.equal(typeof res.body.error, 'string');
      assert.equal(typeof res.body.details, 'string');
    }
    assert.equal((await post('/v1/verification/generate', '{{')).status, 400);
  });

  test('a JSON body over 64 KB is 413', async () => {
    const big = JSON.stringify({ extra_data: { blob: 'x'.repeat(70 * 1024) } });
    const res = await post('/api/generate-verification', big);
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'Request body too large');
  });

  test('a capture over 10 MB is 413, with or without Content-Length', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    const huge = Buffer.concat([jpeg(), Buffer.alloc(10 * 1024 * 1024)]);
    const res = await putCapture(sandbox, id, token, 'selfie', huge);
    assert.equal(res.status, 413);

    // Chunked upload: no declared length, so the cap applies while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 11; i += 1) controller.enqueue(new Uint8Array(1024 * 1024).fill(i === 0 ? 0xff : 0));
        controller.close();
      },
    });
    const chunked = await fetch(`${sandbox.url}/v1/flow/${id}/captures/selfie`, {
      method: 'PUT',
      headers: { 'X-Okid-Device': token, 'Content-Type': 'image/jpeg' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);

    // Nothing was stored, and the sandbox still answers.
    const image = await putCapture(sandbox, id, token, 'selfie', jpeg());
    assert.equal(image.status, 201);
  });

  test('a submit with a malformed body is 400', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    const res = await call(sandbox, `/v1/flow/${id}/submit`, {
      method: 'POST',
      headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' },
      body: '{"documentType":',
    });
    assert.equal(res.status, 400);
  });

  test('garbage on the socket gets a 400 and the server lives on', async () => {
    const { port } = new URL(sandbox.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await call(sandbox, '/healthz')).status, 200);
  });

  test('the sandbox survives many bad requests in parallel', async () => {
    const id = await createV2(sandbox);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? post('/api/generate-verification', '{"extra_data": [')
          : call(sandbox, `/v1/flow/${id}/captures/selfie`, { method: 'PUT', body: 'x' }),
      ),
    );
    const res = await waitFor(() => call(sandbox, '/healthz'), (r) => r.status === 200);
    assert.equal(res.status, 200);
  });
});
