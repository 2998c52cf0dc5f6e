/**
 * The sandbox over real HTTP: the okID v2client and v1 APIs, the capture API and its state
 * machine, errors, QR codes, images and the /verify page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { FlowConfigSchema, UpstreamErrorBodySchema, V1VerificationSchema, V2DetailsSchema } from '../../src/core/protocol.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  KEY,
  acceptTerms,
  call,
  createV2,
  details,
  jpeg,
  openFlow,
  putCapture,
  runPhoneFlow,
  submit,
  waitFor,
  waitForOutcome,
} from './sandbox-helpers.js';

let sandbox: Sandbox;
const OTHER_KEY = 'sk_sandbox_other';

before(async () => {
  sandbox = await startSandbox({
    port: 0,
    processingDelayMs: 20,
    apiKey: [KEY, OTHER_KEY],
    elementScriptPath: '/nonexistent/okid-verify.iife.js',
  });
});
after(() => sandbox.close());

/** Every error body is okID's `{ error, details }`. */
function assertError(res: { status: number; body: any }, status: number, error?: string | RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.ok(UpstreamErrorBodySchema.safeParse(res.body).success, JSON.stringify(res.body));
  assert.equal(typeof res.body.details, 'string');
  if (typeof error === 'string') assert.equal(res.body.error, error);
  else if (error) assert.match(res.body.error, error);
}

describe('v2client generate and details', () => {
  test('generate answers an id, expiry, modules and flow', async () => {
    const res = await call(sandbox, '/api/generate-verification', {
      method: 'POST',
      headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ extra_data: { reference_id: 'ORDER-1' }, return_url: 'https://shop.example/done' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.body.verificationId, /^ver_[A-Za-z0-9]{24}$/);
    assert.ok(Date.parse(res.body.expiresAt) > Date.now() + 29 * 60_000, 'default lifetime is 30 minutes');
    assert.deepEqual(res.body.flow, ['terms', 'document', 'liveness']);
    assert.equal(typeof res.body.modules, 'object');

    const got = await details(sandbox, res.body.verificationId);
    assert.equal(got.status, 200);
    const parsed = V2DetailsSchema.parse(got.body);
    assert.equal(parsed.verification_id, res.body.verificationId);
    assert.equal(parsed.status.current, 'generated');
    assert.deepEqual(parsed.status.progress, { terms: 'pending', document: 'pending', liveness: 'pending' });
    assert.equal(got.body.expires_at, res.body.expiresAt);
    assert.deepEqual(got.body.extra_data, { reference_id: 'ORDER-1' });
    assert.equal(got.body.return_url, 'https://shop.example/done');
    assert.deepEqual(got.body.results, {});
  });

  test('generate works without a body, and ids differ', async () => {
    const a = await createV2(sandbox);
    const b = await createV2(sandbox);
    assert.notEqual(a, b);
  });

  test('a non-http return_url, a bad extra_data or sandbox_outcome is 400', async () => {
    for (const body of [
      { return_url: 'javascript:alert(1)' },
      { return_url: 'not a url' },
      { extra_data: 'text' },
      { extra_data: { sandbox_outcome: 'maybe' } },
    ]) {
      const res = await call(sandbox, '/api/generate-verification', {
        method: 'POST',
        headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assertError(res, 400);
    }
  });
});

describe('auth and ids', () => {
  test('a missing key is 401, an unknown key 401 with okID\'s message', async () => {
    const id = await createV2(sandbox);
    assertError(await call(sandbox, `/api/get-verification-details/${id}`), 401);
    assertError(await call(sandbox, '/api/generate-verification', { method: 'POST' }), 401);
    assertError(await details(sandbox, id, 'sk_wrong'), 401, 'Invalid API key provided');
    assertError(await call(sandbox, '/v1/verification/generate', { method: 'POST', headers: { 'X-SDK-Key': 'nope' } }), 401, 'Invalid API key provided');
  });

  test('another key\'s verification is 403 on every keyed route', async () => {
    const id = await createV2(sandbox);
    const headers = { 'X-SDK-Key': OTHER_KEY };
    for (const path of [
      `/api/get-verification-details/${id}`,
      `/api/get-verification-qrcode/${id}`,
      `/api/get-verification-image-front/${id}`,
      `/v1/verification/${id}`,
    ]) {
      assertError(await call(sandbox, path, { headers }), 403);
    }
  });

  test('unknown and malformed ids are 404, never a crash', async () => {
    const headers = { 'X-SDK-Key': KEY };
    for (const id of ['ver_doesnotexist000000000', 'nope', '..%2F..%2Fetc', '%E0%A4%A', 'ver_' + 'x'.repeat(300), '<script>']) {
      assertError(await call(sandbox, `/api/get-verification-details/${id}`, { headers }), 404);
      assertError(await call(sandbox, `/v1/flow/${id}`), 404);
    }
  });

  test('unknown routes are 404 JSON, wrong methods 405 with Allow', async () => {
    assertError(await call(sandbox, '/api/nothing-here'), 404, 'Not found');
    const res = await call(sandbox, '/api/generate-verification', { headers: { 'X-SDK-Key': KEY } });
    assertError(res, 405);
    assert.equal(res.headers.get('allow'), 'POST');
  });
});

describe('state machine through the capture API', () => {
  for (const [outcome, type] of [
    ['verified', 'id_card'],
    ['manual_review', 'passport'],
    ['rejected', 'driving_licence'],
  ] as const) {
    test(`sandbox_outcome ${outcome} (${type}) goes generated → started → in_progress → processing → ${outcome}`, async () => {
      const id = await createV2(sandbox, { extra_data: { sandbox_outcome: outcome } });
      const seen: string[] = [];
      const updates: string[] = [];
      const observe = async () => {
        const res = await details(sandbox, id);
        seen.push(res.body.status.current);
        updates.push(res.body.status.updated_at);
        return res;
      };
      await observe();
      const { token, prompts } = await openFlow(sandbox, id);
      await observe();
      await acceptTerms(sandbox, id, token);
      const afterTerms = await observe();
      assert.equal(afterTerms.body.status.progress.terms, 'completed');
      const kinds = ['document_front', ...(type === 'passport' ? [] : ['document_back']), 'selfie', ...prompts.map((_, n) => `liveness_${n}`)];
      for (const kind of kinds) assert.equal((await putCapture(sandbox, id, token, kind, jpeg())).status, 201);
      const captured = await observe();
      assert.equal(captured.body.status.progress.liveness, 'completed');
      assert.equal((await submit(sandbox, id, token, type)).status, 202);
      await observe();
      const final = await waitForOutcome(sandbox, id);
      seen.push(final.body.status.current);
      updates.push(final.body.status.updated_at);

      assert.deepEqual(seen, ['generated', 'started', 'in_progress', 'in_progress', 'processing', outcome]);
      for (let i = 1; i < updates.length; i += 1) {
        if (seen[i] !== seen[i - 1]) assert.ok((updates[i] ?? '') > (updates[i - 1] ?? ''), `updated_at moves on ${seen[i]}`);
      }
      assert.deepEqual(final.body.status.progress, { terms: 'completed', document: 'completed', liveness: 'completed' });
      assert.ok(V2DetailsSchema.safeParse(final.body).success);
      assert.ok(Object.keys(final.body.results).includes('document'), 'results appear once final');

      // The phone sees the normalized final status and can no longer change anything.
      const flow = await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } });
      assert.equal(flow.status, 200);
      assert.equal(FlowConfigSchema.parse(flow.body).status, outcome === 'rejected' ? 'failed' : 'completed');
      assertError(await putCapture(sandbox, id, token, 'selfie', jpeg()), 409);
      assertError(await acceptTerms(sandbox, id, token), 409);
    });
  }

  test('the flow config follows the capture contract', async () => {
    const id = await createV2(sandbox, { return_url: 'https://shop.example/back' });
    const res = await call(sandbox, `/v1/flow/${id}`);
    const flow = FlowConfigSchema.parse(res.body);
    assert.equal(flow.status, 'opened');
    assert.deepEqual(flow.steps, ['terms', 'document', 'liveness']);
    assert.deepEqual(flow.documentTypes, [
      { type: 'passport', sides: ['front'] },
      { type: 'id_card', sides: ['front', 'back'] },
      { type: 'driving_licence', sides: ['front', 'back'] },
    ]);
    assert.deepEqual([...flow.liveness.prompts].sort(), ['left', 'right', 'straight']);
    assert.equal(flow.returnUrl, 'https://shop.example/back');
    assert.ok(flow.deviceToken.length >= 16);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  test('liveness prompts are shuffled per verification', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 30; i += 1) orders.add((await openFlow(sandbox, await createV2(sandbox))).prompts.join(','));
    assert.ok(orders.size > 1, 'not always the same order');
  });

  test('a second device gets 409; the first keeps its token', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    const again = await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } });
    assert.equal(again.status, 200);
    assert.equal(again.body.deviceToken, token);
    assertError(await call(sandbox, `/v1/flow/${id}`), 409, /another device/);
    assertError(await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': 'someone-else' } }), 409, /another device/);
    assertError(await acceptTerms(sandbox, id, 'someone-else'), 409, /another device/);
    assertError(await call(sandbox, `/v1/flow/${id}/terms`, { method: 'POST' }), 401);
  });

  test('captures need the terms first (409), a JPEG (400), a known kind (400)', async () => {
    const id = await createV2(sandbox);
    const { token, prompts } = await openFlow(sandbox, id);
    assertError(await putCapture(sandbox, id, token, 'selfie', jpeg()), 409, 'Terms not accepted');
    await acceptTerms(sandbox, id, token);
    assertError(await putCapture(sandbox, id, token, 'selfie', Buffer.from('not a jpeg at all')), 400);
    assertError(await putCapture(sandbox, id, token, 'selfie', jpeg(), { 'Content-Type': 'image/png' }), 400);
    assertError(await putCapture(sandbox, id, token, 'passport_photo', jpeg()), 400);
    assertError(await putCapture(sandbox, id, token, `liveness_${prompts.length}`, jpeg()), 400);
    assert.equal((await putCapture(sandbox, id, token, 'liveness_0', jpeg())).status, 201);
  });

  test('an Idempotency-Key replay answers the same and stores once; a new key is a retake', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    const first = jpeg();
    const a = await putCapture(sandbox, id, token, 'document_front', first, { 'Idempotency-Key': 'front-1' });
    const b = await putCapture(sandbox, id, token, 'document_front', first, { 'Idempotency-Key': 'front-1' });
    assert.equal(a.status, 201);
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, a.body);
    assert.equal(a.body.kind, 'document_front');
    assert.equal(a.body.bytes, first.length);
    assert.match(a.body.sha256, /^[0-9a-f]{64}$/);

    // Same key, other bytes: refused rather than silently ignored.
    assertError(await putCapture(sandbox, id, token, 'document_front', jpeg(), { 'Idempotency-Key': 'front-1' }), 409);

    const retake = jpeg();
    const c = await putCapture(sandbox, id, token, 'document_front', retake, { 'Idempotency-Key': 'front-2' });
    assert.equal(c.status, 201);
    assert.notEqual(c.body.sha256, a.body.sha256);

    // The retake is what okID keeps: submit as a passport and read the front image back.
    const flow = await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } });
    for (const kind of ['selfie', ...flow.body.liveness.prompts.map((_: string, n: number) => `liveness_${n}`)]) {
      await putCapture(sandbox, id, token, kind, jpeg());
    }
    assert.equal((await submit(sandbox, id, token, 'passport')).status, 202);
    const image = await fetch(`${sandbox.url}/api/get-verification-image-front/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), retake);
  });

  test('submit lists the missing captures (400) and rejects an unknown document type', async () => {
    const id = await createV2(sandbox);
    const { token, prompts } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    await putCapture(sandbox, id, token, 'document_front', jpeg());
    await putCapture(sandbox, id, token, 'selfie', jpeg());
    const res = await submit(sandbox, id, token, 'id_card');
    assertError(res, 400, 'Missing captures');
    assert.deepEqual(res.body.missing, ['document_back', ...prompts.map((_, n) => `liveness_${n}`)]);
    assert.match(res.body.details, /document_back/);
    assertError(await submit(sandbox, id, token, 'library_card'), 400);
    assert.equal((await details(sandbox, id)).body.status.current, 'in_progress');
  });

  test('document progress completes per type: front only for a passport hint, front and back otherwise', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    await putCapture(sandbox, id, token, 'document_front', jpeg());
    assert.equal((await details(sandbox, id)).body.status.progress.document, 'pending');
    await call(sandbox, `/v1/flow/${id}/captures/document_front?document_type=passport`, {
      method: 'PUT',
      headers: { 'X-Okid-Device': token, 'Content-Type': 'image/jpeg' },
      body: new Uint8Array(jpeg()),
    });
    assert.equal((await details(sandbox, id)).body.status.progress.document, 'completed');
  });

  test('a submitted verification refuses captures, a second submit and a cancel (409)', async () => {
    const slow = await startSandbox({ port: 0, processingDelayMs: 60_000 });
    try {
      const id = await createV2(slow);
      const { token } = await runPhoneFlow(slow, id, 'passport');
      assert.equal((await details(slow, id)).body.status.current, 'processing');
      assertError(await submit(slow, id, token, 'passport'), 409, 'Verification already submitted');
      assertError(await putCapture(slow, id, token, 'selfie', jpeg()), 409);
      assertError(await call(slow, `/v1/flow/${id}/cancel`, { method: 'POST', headers: { 'X-Okid-Device': token } }), 409);
      assertError(await call(slow, `/v1/flow/${id}`), 409, /another device/);
      const flow = await call(slow, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } });
      assert.equal(flow.body.status, 'processing');
    } finally {
      // close() clears the pending 60 s outcome timer, so the test process still exits.
      await slow.close();
    }
  });

  test('cancel from the phone ends the verification', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    const res = await call(sandbox, `/v1/flow/${id}/cancel`, { method: 'POST', headers: { 'X-Okid-Device': token } });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'canceled');
    assert.equal((await details(sandbox, id)).body.status.current, 'canceled');
    assertError(await call(sandbox, `/v1/flow/${id}/cancel`, { method: 'POST', headers: { 'X-Okid-Device': token } }), 409);
    assertError(await acceptTerms(sandbox, id, token), 409);
  });

  test('CORS preflight on the capture API only', async () => {
    const id = await createV2(sandbox);
    const res = await fetch(`${sandbox.url}/v1/flow/${id}/captures/selfie`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://phone.example', 'Access-Control-Request-Method': 'PUT' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-Okid-Device/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
    const keyed = await fetch(`${sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(keyed.headers.get('access-control-allow-origin'), null, 'keyed routes are server-to-server');
  });
});

describe('v1 API', () => {
  test('a process token runs the same state machine and reads in the v1 shape', async () => {
    const gen = await call(sandbox, '/v1/verification/generate', {
      method: 'POST',
      headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { user_id: 'user-123', sandbox_outcome: 'manual_review' }, success_url: 'https://app.example/ok' }),
    });
    assert.equal(gen.status, 200);
    const token = gen.body.process_token as string;
    assert.match(token, /^tok_v1_[0-9a-f]+$/);
    assert.ok(Date.parse(gen.body.expires_at) > Date.now());

    const pending = await call(sandbox, `/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(V1VerificationSchema.parse(pending.body).status, 'pending');
    assert.equal(pending.body.verification_details, undefined);
    assert.equal(pending.body.completed_at, null);

    await runPhoneFlow(sandbox, token, 'id_card');
    const done = await waitFor(
      () => call(sandbox, `/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } }),
      (res) => res.body.status !== 'processing',
    );
    const parsed = V1VerificationSchema.parse(done.body);
    assert.equal(parsed.status, 'completed');
    assert.equal(parsed.outcome, 'manual_review');
    assert.equal(done.body.document_type, 'id_card');
    assert.deepEqual(done.body.metadata, { user_id: 'user-123', sandbox_outcome: 'manual_review' });
    assert.equal(typeof done.body.verification_details.document_number, 'string');
    assert.ok(done.body.completed_at);

    // One store: the v2 details route reads the same record.
    assert.equal((await details(sandbox, token)).body.status.current, 'manual_review');
  });

  test('a rejected v1 verification reads as failed', async () => {
    const gen = await call(sandbox, '/v1/verification/generate', {
      method: 'POST',
      headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { sandbox_outcome: 'rejected' } }),
    });
    const token = gen.body.process_token as string;
    await runPhoneFlow(sandbox, token, 'passport');
    const done = await waitFor(
      () => call(sandbox, `/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } }),
      (res) => res.body.status !== 'processing',
    );
    assert.equal(done.body.status, 'failed');
    assert.equal(done.body.outcome, undefined);
  });

  test('bad v1 urls are 400', async () => {
    const res = await call(sandbox, '/v1/verification/generate', {
      method: 'POST',
      headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ callback_url: 'ftp://x' }),
    });
    assertError(res, 400);
  });
});

describe('QR code', () => {
  test('a 400×400 PNG that decodes to the verification URL', async () => {
    const id = await createV2(sandbox);
    const res = await fetch(`${sandbox.url}/api/get-verification-qrcode/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    assert.equal(png.width, 400);
    assert.equal(png.height, 400);
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.equal(code?.data, `${sandbox.url}/verify?verification_id=${id}`);
  });

  test('409 with current_status once the flow was opened', async () => {
    const id = await createV2(sandbox);
    await openFlow(sandbox, id);
    const res = await call(sandbox, `/api/get-verification-qrcode/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assertError(res, 409, /^Verification must be in 'generated' state/);
    assert.equal(res.body.current_status, 'started');
  });

  test('frontendUrl changes the encoded URL', async () => {
    const other = await startSandbox({ port: 0, frontendUrl: 'https://verify.lan.example/' });
    try {
      const id = await createV2(other);
      const res = await fetch(`${other.url}/api/get-verification-qrcode/${id}`, { headers: { 'X-SDK-Key': KEY } });
      const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
      const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      assert.equal(code?.data, `https://verify.lan.example/verify?verification_id=${id}`);
    } finally {
      await other.close();
    }
  });
});

describe('images', () => {
  test('front, back and selfie return the exact uploaded bytes after submit', async () => {
    const id = await createV2(sandbox);
    const image = (which: string, query = '') =>
      fetch(`${sandbox.url}/api/get-verification-image-${which}/${id}${query}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal((await image('front')).status, 404, 'nothing before the captures');
    const { uploaded } = await runPhoneFlow(sandbox, id, 'id_card');
    for (const [which, kind] of [
      ['front', 'document_front'],
      ['back', 'document_back'],
      ['selfie', 'selfie'],
    ] as const) {
      const res = await image(which);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), uploaded[kind]);
    }
    const cropped = await image('front', '?image_type=cropped');
    assert.deepEqual(Buffer.from(await cropped.arrayBuffer()), uploaded.document_front, 'cropped = original in the sandbox');
    const original = await image('back', '?image_type=original');
    assert.equal(original.status, 200);
    assertError(await call(sandbox, `/api/get-verification-image-front/${id}?image_type=thumbnail`, { headers: { 'X-SDK-Key': KEY } }), 400);
  });

  test('404 before submit and for a side a passport does not have', async () => {
    const id = await createV2(sandbox);
    const { token } = await openFlow(sandbox, id);
    await acceptTerms(sandbox, id, token);
    await putCapture(sandbox, id, token, 'document_front', jpeg());
    assertError(await call(sandbox, `/api/get-verification-image-front/${id}`, { headers: { 'X-SDK-Key': KEY } }), 404);

    const passport = await createV2(sandbox);
    await runPhoneFlow(sandbox, passport, 'passport');
    assertError(await call(sandbox, `/api/get-verification-image-back/${passport}`, { headers: { 'X-SDK-Key': KEY } }), 404);
  });
});

describe('pages', () => {
  test('/verify is static HTML under a strict CSP and never echoes the query', async () => {
    const built = await startSandbox({ port: 0, elementScriptPath: new URL(import.meta.url).pathname });
    try {
      const probe = '"><script>alert(1)</script>';
      const res = await fetch(`${built.url}/verify?verification_id=${encodeURIComponent(probe)}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "media-src 'self' blob:",
      ]) {
        assert.ok(csp.includes(directive), `CSP has ${directive}`);
      }
      const html = await res.text();
      assert.ok(!html.includes('alert(1)'));
      assert.match(html, /<script src="\/okid-verify\.iife\.js"/);
      assert.match(html, /<script src="\/verify\.js"/);
      assert.ok(!/<script>/.test(html), 'no inline script');

      const script = await fetch(`${built.url}/verify.js`);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
      const source = await script.text();
      assert.match(source, /okid-verify/);
      assert.match(source, /'mode', 'capture'/);
      assert.match(source, /location\.origin/);

      const element = await fetch(`${built.url}/okid-verify.iife.js`);
      assert.equal(element.status, 200);
      assert.match(element.headers.get('content-type') ?? '', /javascript/);
    } finally {
      await built.close();
    }
  });

  test('/verify says to run the build when the element is missing', async () => {
    const res = await fetch(`${sandbox.url}/verify?verification_id=ver_abcd`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build/);
    assert.equal((await fetch(`${sandbox.url}/okid-verify.iife.js`)).status, 404);
  });

  test('/ lists the routes and /healthz is 200', async () => {
    const index = await call(sandbox, '/');
    assert.equal(index.status, 200);
    assert.ok(JSON.stringify(index.body).includes('/api/generate-verification'));
    assert.equal((await call(sandbox, '/healthz')).status, 200);
  });
});
