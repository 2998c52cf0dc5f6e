/**
 * Issue 19, parts 1, 3, 4, 5, against a fake okID over real HTTP: answers generated from what
 * the documents allow, `statusWords`, both hosts, unknown option names, every reading of the
 * webhook signature, webhook → re-read, images typed generically, and redirects.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createOkidClient, createOkidProxy, signWebhook, verifyWebhook } from '../../src/server/index.js';
import type { OkidProxyLogger } from '../../src/server/index.js';
import { OkidApiError } from '../../src/server/okid/api-error.js';
import { readingOf } from '../../src/server/webhooks/signature.js';
import type { WebhookScheme } from '../../src/server/webhooks/signature.js';
import { API_KEY, listen, request } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

const T = '2026-01-02T03:04:05.000Z';
const FINAL = new Set(['completed', 'failed', 'expired', 'canceled']);

interface Seen {
  url: string;
  key: string | undefined;
  authorization: string | undefined;
}

/** A fake okID: `answer(url)` gives status and body; every request is recorded. */
async function fakeOkid(answer: (url: string) => { status?: number; body: string | Uint8Array; type?: string | null; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  const server = await listen((req, res) => {
    seen.push({ url: req.url ?? '', key: req.headers['x-sdk-key'] as string | undefined, authorization: req.headers.authorization });
    const { status = 200, body, type = 'application/json', headers = {} } = answer(req.url ?? '');
    res.writeHead(status, { ...(type === null ? {} : { 'Content-Type': type }), ...headers });
    res.end(body);
  });
  return Object.assign(server, { seen });
}

const collecting = (): { logger: OkidProxyLogger; lines: string[] } => {
  const lines: string[] = [];
  return { logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) }, lines };
};

describe('answers generated from what the documents allow', () => {
  let current: unknown = {};
  let okid: Listening;
  before(async () => {
    okid = await fakeOkid(() => ({ body: JSON.stringify(current) }));
  });
  after(() => okid.close());

  test('a well-formed 200 with a status is never a 5xx, an unknown word never final, no personal data', async () => {
    const { logger } = collecting();
    const proxy = createOkidProxy({ apiKey: API_KEY, baseUrl: okid.url, v1BaseUrl: okid.url, authorize: 'public', logger });
    const known = ['generated', 'started', 'in_progress', 'processing', 'verified', 'manual_review', 'rejected', 'expired', 'canceled', 'cancelled', 'completed', 'pending', 'failed'];
    const word = fc.oneof(
      fc.constantFrom(...known).chain((w) => fc.constantFrom(w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1))),
      fc.stringMatching(/^[a-z][a-z_]{2,20}$/),
    );
    const optional = <V>(arb: fc.Arbitrary<V>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));
    const stepValue = fc.oneof(fc.constantFrom('pending', 'completed', 'done', 'weird'), fc.boolean(), fc.constant(null), fc.record({ status: fc.constantFrom('completed', 'x') }), fc.integer());
    const progress = optional(fc.dictionary(fc.constantFrom('terms', 'document', 'liveness', 'form_data', 'other'), stepValue));
    const personal = { first_name: 'Jane', last_name: 'Doe', document_number: 'X1234567' };
    const answer = fc.record({
      api: fc.constantFrom('v1', 'v2'),
      word,
      asString: fc.boolean(),
      updatedAt: optional(fc.constantFrom(T, 'not a date', '')),
      expiresAt: optional(fc.constant(T)),
      progress,
      results: optional(fc.oneof(fc.constant([]), fc.constant({ document: personal }))),
      extra: fc.dictionary(fc.stringMatching(/^[a-z]{3,8}$/), fc.jsonValue(), { maxKeys: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        const id = a.api === 'v1' ? 'tok_property1' : 'ver_property1';
        const status = a.asString ? a.word : { current: a.word, updated_at: a.updatedAt, progress: a.progress };
        current = {
          ...a.extra,
          [a.api === 'v1' ? 'id' : 'verification_id']: id,
          status,
          updated_at: a.updatedAt,
          expires_at: a.expiresAt,
          results: a.results,
          verification_details: personal,
          extra_data: { email: 'jane@example.test' },
        };
        // Past the one-second shared read: each run must reach the fake okID.
        await proxy.close();
        const res = await proxy.fetch(request(`/okid/verifications/${id}`));
        const text = await res.text();
        assert.equal(res.status, 200, text);
        const snapshot = JSON.parse(text) as { status: string; vendorStatus?: string };
        const isKnown = known.includes(a.word.toLowerCase());
        if (!isKnown) {
          assert.ok(!FINAL.has(snapshot.status), `unknown word ${a.word} made ${snapshot.status}`);
          assert.equal(snapshot.vendorStatus, a.word);
        }
        assert.doesNotMatch(text, /Jane|Doe|X1234567|jane@/);
      }),
      { numRuns: 60 },
    );
    await proxy.close();
  });
});

describe('statusWords, unreadable answers, both hosts, option names', () => {
  test('statusWords maps an operator word; a bad entry or an unknown option is refused at start, naming the nearest', async () => {
    let word = 'awaiting_review';
    let body: string | undefined;
    const okid = await fakeOkid(() => ({ body: body ?? JSON.stringify({ verification_id: 'ver_words01', status: { current: word, updated_at: T } }) }));
    const { logger, lines } = collecting();
    const proxy = createOkidProxy({ apiKey: API_KEY, baseUrl: okid.url, authorize: 'public', logger, statusWords: { Awaiting_Review: 'manual_review' } });
    const res = await proxy.fetch(request('/okid/verifications/ver_words01'));
    assert.deepEqual(
      { ...((await res.json()) as object) },
      { verificationId: 'ver_words01', status: 'completed', outcome: 'manual_review', progress: {}, updatedAt: T, expiresAt: '' },
    );

    // Unknown word: open, okID's word kept, logged once however often it is read.
    word = 'documents_submitted';
    for (let i = 0; i < 3; i++) {
      await proxy.close();
      const open = (await (await proxy.fetch(request('/okid/verifications/ver_words01'))).json()) as Record<string, unknown>;
      assert.equal(open.status, 'in_progress');
      assert.equal(open.vendorStatus, 'documents_submitted');
    }
    assert.equal(lines.filter((l) => l.includes('documents_submitted')).length, 1);

    // No status, not JSON: 502, each kind logged once.
    for (const [kind, text] of [['without a status', '{"verification_id":"ver_words01"}'], ['not JSON', '<html>oops</html>']] as const) {
      body = text;
      for (let i = 0; i < 3; i++) {
        await proxy.close();
        assert.equal((await proxy.fetch(request('/okid/verifications/ver_words01'))).status, 502);
      }
      assert.equal(lines.filter((l) => l.includes(kind)).length, 1, lines.join('\n'));
    }
    await proxy.close();
    await okid.close();

    assert.throws(() => createOkidProxy({ apiKey: API_KEY, statusWords: { awaiting: 'nonsense' } }), /statusWords\.awaiting must be one of the known words/);
    assert.throws(() => createOkidProxy({ apiKey: API_KEY, v1BaseURL: 'https://x.test' } as never), /unknown option "v1BaseURL"; did you mean "v1BaseUrl"\?/);
    assert.throws(() => createOkidProxy({ apiKey: API_KEY, webhookSecrets: 'x' } as never), /did you mean "webhookSecret"/);
    assert.throws(() => createOkidClient({ apiKey: API_KEY, timeout: 5 } as never), /createOkidClient: unknown option "timeout"; did you mean "timeoutMs"/);
    assert.throws(() => createOkidProxy({ apiKey: API_KEY, webhookScheme: 'hex' as never }), /webhookScheme must be one of/);
  });

  test('tok_ reads go to v1BaseUrl, ver_ reads to baseUrl; defaults are the documented hosts', async () => {
    const v2 = await fakeOkid(() => ({ body: JSON.stringify({ verification_id: 'ver_hosts001', status: { current: 'processing', updated_at: T } }) }));
    const v1 = await fakeOkid(() => ({ body: JSON.stringify({ id: 'tok_hosts001', status: 'completed' }) }));
    const proxy = createOkidProxy({ apiKey: API_KEY, baseUrl: v2.url, v1BaseUrl: v1.url, authorize: 'public', logger: collecting().logger });
    assert.equal(((await (await proxy.fetch(request('/okid/verifications/ver_hosts001'))).json()) as { status: string }).status, 'processing');
    assert.equal(((await (await proxy.fetch(request('/okid/verifications/tok_hosts001'))).json()) as { status: string }).status, 'completed');
    assert.deepEqual(v2.seen.map((s) => s.url), ['/api/get-verification-details/ver_hosts001']);
    assert.deepEqual(v1.seen.map((s) => s.url), ['/v1/verification/tok_hosts001']);
    await proxy.close();
    await v1.close();
    await v2.close();
    const client = createOkidClient({ apiKey: API_KEY });
    assert.equal(client.baseUrl, 'https://verify.prod.okid.io');
    assert.equal(client.v1BaseUrl, 'https://api1.okid.io');
  });
});

describe('webhooks: every reading, and news not truth', () => {
  const SECRET = 'whsec_readings';
  const BODY = JSON.stringify({ event: 'verification.completed', data: { id: 'ver_hook0001', status: 'verified', first_name: 'Jane' } });
  const NOW = 1_760_000_000;
  const hex = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');
  const b64 = (text: string) => createHmac('sha256', SECRET).update(text).digest('base64');

  test('each reading of the documents is accepted and reported; wrong ones refused; a pinned scheme refuses the others', async () => {
    const iso = new Date(NOW * 1000).toISOString();
    const cases: [string, string, WebhookScheme, string][] = [
      [String(NOW), hex(BODY), 'body:hex', 'seconds'],
      [String(NOW), hex(BODY).toUpperCase(), 'body:hex', 'seconds'],
      [String(NOW), `sha256=${hex(BODY)}`, 'body:hex', 'seconds'],
      [String(NOW), b64(BODY), 'body:base64', 'seconds'],
      [String(NOW * 1000), hex(`${NOW * 1000}.${BODY}`), 'timestamp.body:hex', 'milliseconds'],
      [iso, `sha256=${b64(`${iso}.${BODY}`)}`, 'timestamp.body:base64', 'iso'],
      [String(NOW), hex(`${NOW}.${BODY}`), 'timestamp.body:hex', 'seconds'],
    ];
    for (const [timestamp, signature, scheme, format] of cases) {
      const headers = { 'X-okID-Timestamp': timestamp, 'X-okID-Signature': signature };
      const event = await verifyWebhook({ body: BODY, headers, secret: SECRET, now: NOW });
      assert.deepEqual(readingOf(event), { scheme, timestamp: format, prefixed: signature.startsWith('sha256=') });
      const other: WebhookScheme = scheme.startsWith('body') ? 'timestamp.body:hex' : 'body:hex';
      await assert.rejects(verifyWebhook({ body: BODY, headers, secret: SECRET, now: NOW, scheme: other }), { code: 'BAD_SIGNATURE' });
      await assert.rejects(verifyWebhook({ body: BODY, headers, secret: 'whsec_wrong', now: NOW }), { code: 'BAD_SIGNATURE' });
      await assert.rejects(verifyWebhook({ body: `${BODY} `, headers, secret: SECRET, now: NOW }), { code: 'BAD_SIGNATURE' });
    }
    // A millisecond timestamp out of the tolerance is still out.
    const late = String((NOW - 301) * 1000);
    await assert.rejects(
      verifyWebhook({ body: BODY, headers: { 'X-okID-Timestamp': late, 'X-okID-Signature': hex(BODY) }, secret: SECRET, now: NOW }),
      { code: 'TIMESTAMP_OUT_OF_TOLERANCE' },
    );
    // signWebhook's default is unchanged: hex of {seconds}.{body}.
    assert.deepEqual(signWebhook({ body: BODY, secret: SECRET, timestamp: NOW }), { 'X-okID-Timestamp': String(NOW), 'X-okID-Signature': hex(`${NOW}.${BODY}`) });
  });

  test('an accepted webhook re-reads okID and publishes its answer; a replay costs one read and no second event', async () => {
    let okidStatus = 'processing';
    const okid = await fakeOkid((url) =>
      url.startsWith('/api/get-verification-details/ver_hook0001')
        ? { body: JSON.stringify({ verification_id: 'ver_hook0001', status: { current: okidStatus, updated_at: T } }) }
        : { status: 404, body: '{"error":"Verification not found"}' },
    );
    const { logger, lines } = collecting();
    const published: { status: string }[] = [];
    const { createMemoryHub } = await import('../../src/server/index.js');
    const memory = createMemoryHub();
    const hub = { ...memory, publish: (s: never) => (published.push(s), memory.publish(s)) } as typeof memory;
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(memory))) {
      const value = (memory as unknown as Record<string, unknown>)[key];
      if (key !== 'constructor' && key !== 'publish' && typeof value === 'function') (hub as unknown as Record<string, unknown>)[key] = value.bind(memory);
    }
    const proxy = createOkidProxy({ apiKey: API_KEY, baseUrl: okid.url, authorize: 'public', logger, webhookSecret: SECRET, hub, pollIntervalMs: 60_000 });
    // The body claims 'verified' and carries a name: neither is published; okID says 'processing'.
    const post = (headers: Record<string, string>) =>
      proxy.fetch(request('/okid/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: BODY }));
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'X-okID-Timestamp': String(ts), 'X-okID-Signature': hex(BODY) };
    const first = await post(headers);
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal(okid.seen.length, 1, 'one okID read');
    assert.deepEqual(published.map((s) => s.status), ['processing']);
    assert.doesNotMatch(JSON.stringify(published), /Jane/);
    assert.equal(lines.filter((l) => /first webhook accepted.*hex HMAC of the body, timestamp in seconds.*'body:hex'/.test(l)).length, 1, lines.join('\n'));

    // The same delivery replayed: refused before any read.
    assert.equal((await post(headers)).status, 409);
    assert.equal(okid.seen.length, 1);
    // Re-signed (okID's retry, or a replay re-signed with the secret): a repeat of the event, no read.
    const again = await post({ 'X-okID-Timestamp': String(ts + 1), 'X-okID-Signature': hex(BODY) });
    assert.deepEqual(await again.json(), { received: true, duplicate: true });
    assert.equal(okid.seen.length, 1);
    // Another delivery (a late or reordered event claiming something else): one read, okID has not moved, no event.
    const other = JSON.stringify({ event: 'verification.failed', data: { id: 'ver_hook0001', status: 'failed' } });
    const otherHeaders = { 'X-okID-Timestamp': String(ts), 'X-okID-Signature': hex(other) };
    const late = await proxy.fetch(request('/okid/webhooks', { method: 'POST', headers: otherHeaders, body: other }));
    assert.equal(late.status, 200);
    assert.equal(okid.seen.length, 2, 'one more okID read');
    assert.equal(published.length, 1, 'no second event');
    // okID moves on: the next delivery publishes okID's new word.
    okidStatus = 'manual_review';
    const news = JSON.stringify({ event: 'verification.completed', data: { id: 'ver_hook0001', status: 'whatever' } });
    const moved = await proxy.fetch(
      request('/okid/webhooks', { method: 'POST', headers: { 'X-okID-Timestamp': String(ts), 'X-okID-Signature': hex(news) }, body: news }),
    );
    assert.equal(moved.status, 200);
    assert.equal(okid.seen.length, 3);
    assert.deepEqual(published.map((s) => s.status), ['processing', 'completed']);
    const status = (await (await proxy.fetch(request('/okid/verifications/ver_hook0001'))).json()) as { status: string };
    assert.equal(status.status, 'completed', "okID's answer, never the body's claim");
    await proxy.close();
    await okid.close();
  });
});

describe('images and redirects', () => {
  const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]);
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  test('images typed application/octet-stream or untyped are taken when the bytes are JPEG or PNG; 404 asks okID which', async () => {
    const okid = await fakeOkid((url) => {
      if (url.includes('image-front/ver_img00001')) return { body: JPEG, type: 'application/octet-stream' };
      if (url.includes('image-back/ver_img00001')) return { body: PNG, type: null };
      if (url.includes('image-selfie/ver_img00001')) return { body: 'hello', type: 'application/octet-stream' };
      if (url.includes('details/ver_img00001')) return { body: JSON.stringify({ verification_id: 'ver_img00001', status: { current: 'in_progress' } }) };
      // okID's wording mentions 'verification' for a missing image, and for a missing id it does not.
      return { status: 404, body: url.includes('details') ? '{"error":"Not found"}' : '{"error":"No image for this verification"}' };
    });
    const client = createOkidClient({ apiKey: API_KEY, baseUrl: okid.url, retries: 0 });
    const front = await client.getImage('ver_img00001', 'front');
    assert.equal(front.contentType, 'image/jpeg');
    assert.deepEqual([...front.bytes], [...JPEG]);
    assert.equal((await client.getImage('ver_img00001', 'back')).contentType, 'image/png');
    await assert.rejects(client.getImage('ver_img00001', 'selfie'), { code: 'BAD_RESPONSE' });
    await assert.rejects(client.getImage('ver_img00001', 'front', { imageType: 'cropped' }).then(() => client.getImage('ver_img00002', 'front')), {
      code: 'VERIFICATION_NOT_FOUND',
    });
    okid.seen.length = 0;
    const missing = await fakeOkid((url) =>
      url.includes('details') ? { body: '{"verification_id":"ver_img00003","status":"in_progress"}' } : { status: 404, body: '{"error":"Verification image not found"}' },
    );
    const other = createOkidClient({ apiKey: API_KEY, baseUrl: missing.url, retries: 0 });
    await assert.rejects(other.getImage('ver_img00003', 'selfie'), { code: 'IMAGE_NOT_AVAILABLE' });
    await missing.close();
    await okid.close();
  });

  test('a same-origin redirect is followed with the key; another origin is an error naming it, and the key never goes there', async () => {
    const foreign = await fakeOkid(() => ({ body: '{"verification_id":"ver_redir001","status":"verified"}' }));
    const okid = await fakeOkid((url) => {
      if (url.startsWith('/api/get-verification-details/ver_redir001')) return { status: 301, body: '', headers: { Location: '/moved/ver_redir001' } };
      if (url.startsWith('/moved/')) return { body: JSON.stringify({ verification_id: 'ver_redir001', status: { current: 'processing', updated_at: T } }) };
      return { status: 307, body: '', headers: { Location: `${foreign.url}/steal` } };
    });
    const client = createOkidClient({ apiKey: API_KEY, baseUrl: okid.url, retries: 0 });
    const details = await client.getVerificationDetails('ver_redir001');
    assert.equal(details.status.current, 'processing');
    assert.deepEqual(okid.seen.map((s) => [s.url, s.key]), [
      ['/api/get-verification-details/ver_redir001', API_KEY],
      ['/moved/ver_redir001', API_KEY],
    ]);
    const error = await client.getVerificationDetails('ver_redir002').then(
      () => assert.fail('followed a redirect to another origin'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof OkidApiError);
    assert.equal(error.code, 'BAD_RESPONSE');
    assert.ok(error.message.includes(foreign.url), error.message);
    assert.equal(foreign.seen.length, 0, 'nothing reached the other origin');
    assert.ok(!error.message.includes(API_KEY));
    await okid.close();
    await foreign.close();
  });
});
