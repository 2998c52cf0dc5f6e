/**
 * The proxy against the real sandbox, over real HTTP: snapshots through every status for v2
 * (`ver_`) and v1 (`tok_`) ids, no personal data, ETag/304, the QR code, the create route, and
 * the API key never leaving the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatusSnapshotSchema, PROGRESS_STEPS } from '../../src/core/protocol.js';
import type { StatusSnapshot } from '../../src/core/protocol.js';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, bodyText, createV1, createV2, eventually, listen, recordingFetch, request } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';

const SNAPSHOT_KEYS = new Set(['verificationId', 'status', 'outcome', 'progress', 'updatedAt', 'expiresAt']);

/** Everything the sandbox knows that must never reach a browser. */
const PERSONAL = ['Jane', 'Sandbox', '1990-01-15', 'NLD', 'user_42', 'extra_data', 'results', 'document_type', 'metadata'];

interface Harness {
  sandbox: { url: string; close(): Promise<void> };
  okid: OkidProxy;
  http: Listening;
  calls: UpstreamCall[];
}

const logger: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

async function harness(sandboxOptions: { processingDelayMs: number; ttlSeconds?: number }): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, ...sandboxOptions });
  const { fetch, calls } = recordingFetch();
  const okid = createOkidProxy({
    apiKey: API_KEY,
    baseUrl: sandbox.url, v1BaseUrl: sandbox.url,
    fetch,
    logger,
    // The operator decides the upstream body from its own session; here a test header stands in.
    create: (req) => {
      const outcome = req.headers.get('X-Test-Outcome');
      if (outcome === 'refuse') return null;
      return { extra_data: { user: 'user_42', sandbox_outcome: outcome ?? 'verified' }, return_url: 'https://shop.test/done' };
    },
  });
  const http = await listen((req, res) => okid.node(req, res));
  return { sandbox, okid, http, calls };
}

describe('proxy with the sandbox', () => {
  let main: Harness;
  let slow: Harness;
  let shortLived: Harness;

  before(async () => {
    main = await harness({ processingDelayMs: 0 });
    // Holds `processing` long enough to be seen; close() clears its timer.
    slow = await harness({ processingDelayMs: 60_000 });
    shortLived = await harness({ processingDelayMs: 0, ttlSeconds: 0.3 });
  });
  after(async () => {
    for (const h of [main, slow, shortLived]) {
      await h.http.close();
      await h.sandbox.close();
    }
  });

  /** GET the snapshot over real HTTP through `okid.node`, checking its shape and privacy. */
  async function snapshot(h: Harness, id: string): Promise<StatusSnapshot> {
    const response = await fetch(`${h.http.url}/okid/verifications/${id}`);
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.equal(response.headers.get('Cache-Control'), 'no-cache, private');
    assert.match(response.headers.get('ETag') ?? '', /^"[A-Za-z0-9_-]+"$/, 'a strong ETag');
    const raw = JSON.parse(text) as Record<string, unknown>;
    for (const key of Object.keys(raw)) assert.ok(SNAPSHOT_KEYS.has(key), `unexpected field ${key}`);
    for (const key of Object.keys(raw.progress as object)) assert.ok((PROGRESS_STEPS as readonly string[]).includes(key));
    // The random id could contain a short word by chance; look everywhere else.
    const rest = text.split(id).join('');
    for (const word of PERSONAL) assert.ok(!rest.includes(word), `snapshot leaks ${word}: ${text}`);
    assert.doesNotMatch(rest, /SB\d{7}/, 'no document number');
    const parsed = StatusSnapshotSchema.parse(raw);
    assert.equal(parsed.verificationId, id);
    return parsed;
  }

  /** POST the create route over HTTP. */
  async function create(h: Harness, outcome?: string): Promise<{ verificationId: string; verificationUrl: string; expiresAt: string }> {
    const response = await fetch(`${h.http.url}/okid/verifications`, {
      method: 'POST',
      headers: outcome ? { 'X-Test-Outcome': outcome } : {},
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string };
  }

  const statusOf = (h: Harness, id: string) =>
    eventually(() => snapshot(h, id), (s) => !['created', 'opened', 'in_progress', 'processing'].includes(s.status));
  // Status GETs share okID's answer for about a second (single flight): a change shows within it.
  const changedFrom = (h: Harness, id: string, status: string) => eventually(() => snapshot(h, id), (s) => s.status !== status);

  it('follows a v2 verification through created → opened → in_progress → completed (verified)', async () => {
    const { verificationId: id } = await create(main);
    const created = await snapshot(main, id);
    assert.equal(created.status, 'created');
    assert.equal(created.outcome, undefined);
    assert.ok(Date.parse(created.expiresAt) > Date.now());

    const phone = new Phone(main.sandbox.url, id);
    await phone.open();
    assert.equal((await changedFrom(main, id, 'created')).status, 'opened');

    await phone.acceptTerms();
    const started = await changedFrom(main, id, 'opened');
    assert.equal(started.status, 'in_progress');
    assert.equal(started.progress.terms, 'completed');

    await phone.captureAll();
    await phone.submit();
    const done = await statusOf(main, id);
    assert.equal(done.status, 'completed');
    assert.equal(done.outcome, 'verified');
    assert.equal(done.progress.document, 'completed');
    assert.equal(done.progress.liveness, 'completed');
  });

  it('reports manual_review as completed with that outcome, rejected as failed, and canceled', async () => {
    const review = (await create(main, 'manual_review')).verificationId;
    await new Phone(main.sandbox.url, review).completeFlow();
    assert.deepEqual(
      { status: (await statusOf(main, review)).status, outcome: (await snapshot(main, review)).outcome },
      { status: 'completed', outcome: 'manual_review' },
    );

    const rejected = (await create(main, 'rejected')).verificationId;
    await new Phone(main.sandbox.url, rejected).completeFlow();
    const failed = await statusOf(main, rejected);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.outcome, undefined);

    const canceledId = (await create(main)).verificationId;
    const phone = new Phone(main.sandbox.url, canceledId);
    await phone.open();
    await phone.cancel();
    assert.equal((await snapshot(main, canceledId)).status, 'canceled');
  });

  it('follows a v1 process token (tok_) through every status', async () => {
    const id = await createV1(main.sandbox.url, { sandbox_outcome: 'manual_review', user_id: 'user_42' });
    assert.equal((await snapshot(main, id)).status, 'created');
    const phone = new Phone(main.sandbox.url, id);
    await phone.open();
    assert.equal((await changedFrom(main, id, 'created')).status, 'opened');
    await phone.acceptTerms();
    assert.equal((await changedFrom(main, id, 'opened')).status, 'in_progress');
    await phone.captureAll();
    await phone.submit();
    const done = await statusOf(main, id);
    assert.equal(done.status, 'completed');
    assert.equal(done.outcome, 'manual_review');
    assert.ok(main.calls.some((c) => c.url === `${main.sandbox.url}/v1/verification/${id}`), 'read through the v1 API');

    const rejected = await createV1(main.sandbox.url, { sandbox_outcome: 'rejected' });
    await new Phone(main.sandbox.url, rejected).completeFlow();
    assert.equal((await statusOf(main, rejected)).status, 'failed');

    const verified = await createV1(main.sandbox.url);
    await new Phone(main.sandbox.url, verified).completeFlow();
    const v = await statusOf(main, verified);
    assert.deepEqual([v.status, v.outcome], ['completed', 'verified']);
  });

  it('shows processing while okID works on the submitted captures (v2 and v1)', async () => {
    const v2 = (await create(slow)).verificationId;
    await new Phone(slow.sandbox.url, v2).completeFlow();
    assert.equal((await snapshot(slow, v2)).status, 'processing');

    const v1 = await createV1(slow.sandbox.url);
    await new Phone(slow.sandbox.url, v1).completeFlow();
    assert.equal((await snapshot(slow, v1)).status, 'processing');
  });

  it('reports expired once the verification outlives its ttl (v2 and v1)', async () => {
    const v2 = (await create(shortLived)).verificationId;
    const v1 = await createV1(shortLived.sandbox.url);
    assert.equal((await snapshot(shortLived, v2)).status, 'created');
    await eventually(() => snapshot(shortLived, v2), (s) => s.status === 'expired');
    await eventually(() => snapshot(shortLived, v1), (s) => s.status === 'expired');
  });

  it('keeps personal data upstream: the sandbox has it, the snapshot does not', async () => {
    const id = (await create(main)).verificationId;
    await new Phone(main.sandbox.url, id).completeFlow();
    await statusOf(main, id);
    const upstream = await fetch(`${main.sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': API_KEY } });
    const upstreamText = await upstream.text();
    assert.ok(upstreamText.includes('Jane') && upstreamText.includes('user_42'), 'the sandbox does return personal data');
    await snapshot(main, id); // asserts the absence of every personal field
  });

  it('answers If-None-Match with 304 and no body, and a new ETag after a change', async () => {
    const id = (await create(main)).verificationId;
    const first = await main.okid.fetch(request(`/okid/verifications/${id}`));
    const etag = first.headers.get('ETag');
    assert.ok(etag && !etag.startsWith('W/'));

    const again = await main.okid.fetch(request(`/okid/verifications/${id}`));
    assert.equal(again.headers.get('ETag'), etag, 'same snapshot, same ETag');

    // Over real HTTP, through okID-unaware intermediaries that may weaken the tag.
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const notModified = await fetch(`${main.http.url}/okid/verifications/${id}`, { headers: { 'If-None-Match': ifNoneMatch } });
      assert.equal(notModified.status, 304);
      assert.equal(await notModified.text(), '');
      assert.equal(notModified.headers.get('ETag'), etag);
      assert.equal(notModified.headers.get('Cache-Control'), 'no-cache, private');
    }

    await new Phone(main.sandbox.url, id).open();
    const changed = await eventually(
      () => main.okid.fetch(request(`/okid/verifications/${id}`, { headers: { 'If-None-Match': etag } })),
      (response) => response.status !== 304,
    );
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('ETag'), etag);
    assert.equal(((await changed.json()) as StatusSnapshot).status, 'opened');
  });

  it('streams the QR code PNG while the verification is created, then 409 QR_UNAVAILABLE', async () => {
    const id = (await create(main)).verificationId;
    const response = await fetch(`${main.http.url}/okid/verifications/${id}/qrcode.png`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Content-Type'), 'image/png');
    assert.equal(response.headers.get('Cache-Control'), 'private, max-age=60');
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    await new Phone(main.sandbox.url, id).open();
    // The QR route reads the status as the status route does (shared, at most a second old): once
    // the proxy has seen the phone open it, the code is no longer served.
    for (let tries = 0; tries < 40; tries += 1) {
      const status = (await (await main.okid.fetch(request(`/okid/verifications/${id}`))).json()) as { status: string };
      if (status.status !== 'created') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gone = await main.okid.fetch(request(`/okid/verifications/${id}/qrcode.png`));
    assert.equal(gone.status, 409);
    assert.deepEqual(await gone.json(), {
      error: 'A QR code is only available before the verification has been opened.',
      code: 'QR_UNAVAILABLE',
      currentStatus: 'opened',
    });
  });

  it('answers 404 VERIFICATION_NOT_FOUND for an id okID does not know', async () => {
    for (const path of ['/okid/verifications/ver_doesnotexist', '/okid/verifications/tok_doesnotexist', '/okid/verifications/ver_doesnotexist/qrcode.png']) {
      const response = await main.okid.fetch(request(path));
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { code: string }).code, 'VERIFICATION_NOT_FOUND');
    }
  });

  it('a 404 says which: NOT_FOUND for a route that does not exist, VERIFICATION_NOT_FOUND only from okID', async () => {
    // The browser maps a JSON 404 with VERIFICATION_NOT_FOUND to "this verification is gone";
    // a path the proxy does not serve must not look like that.
    const id = await createV2(main.sandbox.url);
    const before = main.calls.length;
    for (const path of [
      `/okid/verifications/${id}/status`,
      `/okid/verifications/${id}/events/more`,
      `/okid/verifications/${id}/`,
      '/okid/verification/ver_doesnotexist',
      '/okid/verifications/ver_doesnotexist/unknown',
      '/okid/status/ver_doesnotexist',
      '/okid',
    ]) {
      for (const via of ['fetch', 'node'] as const) {
        const response = via === 'fetch' ? await main.okid.fetch(request(path)) : await fetch(`${main.http.url}${path}`);
        assert.equal(response.status, 404, `${via} ${path}`);
        assert.deepEqual(await response.json(), { error: 'Not found.', code: 'NOT_FOUND' }, `${via} ${path}`);
      }
    }
    assert.equal(main.calls.length, before, 'a route 404 asks okID nothing');
    for (const path of ['/okid/verifications/ver_doesnotexist', '/okid/verifications/tok_doesnotexist']) {
      const response = await fetch(`${main.http.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { code: string }).code, 'VERIFICATION_NOT_FOUND', path);
    }
    assert.equal((await main.okid.fetch(request(`/okid/verifications/${id}`))).status, 200, 'the real route still answers');
  });

  it('create: 201 with the verification URL, upstream body decided by the hook (never the browser)', async () => {
    const response = await main.okid.fetch(
      request('/okid/verifications', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ extra_data: { sandbox_outcome: 'rejected', admin: true }, return_url: 'https://evil.test' }),
      }),
    );
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('Cache-Control'), 'no-store');
    const body = (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string };
    assert.deepEqual(Object.keys(body).sort(), ['expiresAt', 'verificationId', 'verificationUrl']);
    assert.match(body.verificationId, /^ver_/);
    assert.equal(body.verificationUrl, `${main.sandbox.url}/verify?verification_id=${body.verificationId}`);
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    assert.equal(response.headers.get('Location'), `/okid/verifications/${body.verificationId}`);

    const details = (await (
      await fetch(`${main.sandbox.url}/api/get-verification-details/${body.verificationId}`, { headers: { 'X-SDK-Key': API_KEY } })
    ).json()) as { extra_data: unknown; return_url: unknown };
    assert.deepEqual(details.extra_data, { user: 'user_42', sandbox_outcome: 'verified' });
    assert.equal(details.return_url, 'https://shop.test/done');
  });

  it('create: verificationUrl points at frontendUrl when given', async () => {
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: main.sandbox.url, v1BaseUrl: main.sandbox.url, frontendUrl: 'https://verify.shop.test/', create: () => ({}), logger });
    const body = (await (await okid.fetch(request('/okid/verifications', { method: 'POST' }))).json()) as { verificationId: string; verificationUrl: string };
    assert.equal(body.verificationUrl, `https://verify.shop.test/verify?verification_id=${body.verificationId}`);
  });

  it('create: 404 without a hook, 403 when the hook refuses, 500 when it throws or returns junk', async () => {
    const { fetch: upstreamFetch, calls } = recordingFetch();
    const base = { apiKey: API_KEY, baseUrl: main.sandbox.url, v1BaseUrl: main.sandbox.url, fetch: upstreamFetch, logger };
    const post = () => request('/okid/verifications', { method: 'POST' });
    const code = async (r: Response) => ((await r.json()) as { code: string }).code;

    const none = await createOkidProxy(base).fetch(post());
    assert.deepEqual([none.status, await code(none)], [404, 'NOT_FOUND']);

    for (const refusal of [null, false] as const) {
      const refused = await createOkidProxy({ ...base, create: async () => refusal }).fetch(post());
      assert.deepEqual([refused.status, await code(refused)], [403, 'ACCESS_DENIED']);
    }

    const thrown = await createOkidProxy({ ...base, create: () => { throw new Error('db password hunter2'); } }).fetch(post());
    assert.equal(thrown.status, 500);
    const thrownText = await thrown.text();
    assert.ok(!thrownText.includes('hunter2'));
    assert.equal(JSON.parse(thrownText).code, 'INTERNAL_ERROR');

    const junk = await createOkidProxy({ ...base, create: () => ({ return_url: 'javascript:alert(1)' }) }).fetch(post());
    assert.deepEqual([junk.status, await code(junk)], [500, 'INTERNAL_ERROR']);

    assert.equal(calls.length, 0, 'no upstream call for any of these');

    const wrongMethod = await main.okid.fetch(request('/okid/verifications'));
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('Allow'), 'POST');
  });

  it('never lets the API key reach a browser, and sends it upstream only as X-SDK-Key', async () => {
    const responses: Response[] = [];
    const { verificationId: ver } = await create(main);
    const tok = await createV1(main.sandbox.url);
    const paths: Array<[string, RequestInit?]> = [
      ['/okid/verifications', { method: 'POST' }],
      ['/okid/verifications', { method: 'POST', headers: { 'X-Test-Outcome': 'refuse' } }],
      [`/okid/verifications/${ver}`],
      [`/okid/verifications/${tok}`],
      [`/okid/verifications/${ver}/qrcode.png`],
      [`/okid/verifications/${tok}/qrcode.png`],
      ['/okid/verifications/ver_unknown1'],
      ['/okid/verifications/%2e%2e%2f'],
      [`/okid/verifications/${ver}`, { method: 'DELETE' }],
      // The event stream stays open; test/node/sse-proxy.test.ts checks it for the key.
      ['/okid/webhooks', { method: 'POST', body: '{}' }],
      ['/elsewhere'],
    ];
    for (const [path, init] of paths) {
      responses.push(await main.okid.fetch(request(path, init)));
      responses.push(await fetch(`${main.http.url}${path}`, init));
    }
    const etag = responses[4]!.headers.get('ETag')!;
    responses.push(await fetch(`${main.http.url}/okid/verifications/${ver}`, { headers: { 'If-None-Match': etag } }));

    for (const response of responses) {
      const headerText = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      assert.ok(!headerText.includes(API_KEY), `key in headers of ${response.url}`);
      assert.ok(!(await bodyText(response)).includes(API_KEY), `key in body of ${response.url}`);
    }
    assert.ok(main.calls.length > 0);
    for (const call of main.calls) {
      assert.equal(call.headers.get('X-SDK-Key'), API_KEY, `${call.method} ${call.url} carried the key`);
      assert.ok(!call.url.includes(API_KEY), 'never in the URL');
    }
  });

  it('without webhookSecret the webhooks route is absent: 404 NOT_FOUND', async () => {
    const response = await main.okid.fetch(request('/okid/webhooks', { method: 'POST', body: '{}' }));
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { code: string }).code, 'NOT_FOUND');
  });
});
