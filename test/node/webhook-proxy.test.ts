/**
 * The proxy's `POST /okid/webhooks`: a signed delivery is news, not the truth: the proxy re-reads
 * the verification from okID (here the sandbox) and publishes okID's answer, without personal
 * data, to the hub and the event streams; forged, stale, future, replayed, truncated, re-serialized and
 * oversized deliveries get a 4xx and change nothing; a repeated event is dropped.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createMemoryHub, createOkidProxy, signWebhook } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV1, createV2, listen, request } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { countingHub, openStream, until } from './sse-helpers.js';
import type { CountingHub } from './sse-helpers.js';

const SECRET = 'whsec_proxy_test';
const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const now = (): number => Math.floor(Date.now() / 1000);

let counter = 0;
/** A webhook body like the sandbox's, with personal data in `extra_data`. */
function eventBody(id: string, status = 'in_progress', extra: Record<string, unknown> = {}): string {
  counter += 1;
  return JSON.stringify({
    event: status === 'verified' ? 'verification.completed' : 'verification.progress',
    id: `evt_test_${counter}_${Date.now()}`,
    created_at: new Date().toISOString(),
    data: {
      id,
      status,
      ...(status === 'verified' ? { outcome: 'verified' } : {}),
      updated_at: new Date(Date.now() + counter).toISOString(),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      progress: { terms: 'completed', document: 'pending', liveness: 'pending' },
      extra_data: { first_name: 'Jane', email: 'jane@example.test' },
      ...extra,
    },
  });
}

const sign = (body: string | Uint8Array, timestamp = now(), secret = SECRET): Record<string, string> => ({
  'Content-Type': 'application/json',
  'X-okID-Timestamp': String(timestamp),
  'X-okID-Signature': createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex'),
});

describe('webhooks route', () => {
  let sandbox: Sandbox;
  let hub: CountingHub;
  let okid: OkidProxy;
  let http: Listening;

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    hub = countingHub(createMemoryHub());
    // Rotating: the new secret first, the old one still accepted.
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, webhookSecret: ['whsec_next', SECRET], hub, logger: silent, pollIntervalMs: 60_000 });
    http = await listen((req, res) => okid.node(req, res));
  });
  after(async () => {
    await okid.close();
    await http.close();
    await sandbox.close();
  });
  beforeEach(() => {
    hub.counts.published.length = 0;
  });

  const post = (body: string, headers: Record<string, string>): Promise<Response> =>
    okid.fetch(request('/okid/webhooks', { method: 'POST', headers, body }));

  async function refused(response: Response, status: number, code: string): Promise<void> {
    const text = await response.text();
    assert.equal(response.status, status, text);
    const body = JSON.parse(text) as { code: string; error: string };
    assert.equal(body.code, code);
    assert.equal(hub.counts.published.length, 0, 'nothing reached the hub');
  }

  it("accepts a signed delivery and publishes okID's answer (not the body's claim) without personal data", async () => {
    const body = eventBody(await createV2(sandbox.url), 'verified');
    const response = await post(body, sign(body));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: true });
    assert.equal(hub.counts.published.length, 1);
    const snapshot = hub.counts.published[0]!;
    assert.deepEqual(Object.keys(snapshot).sort(), ['expiresAt', 'progress', 'status', 'updatedAt', 'verificationId']);
    assert.equal(snapshot.status, 'created', 'the sandbox says created, whatever the body claims');
    assert.doesNotMatch(JSON.stringify(snapshot), /Jane|jane@|extra_data/);
  });

  it('accepts okID\'s documented payload (no event id, no updated_at, v1 status) and drops its redelivery', async () => {
    const verificationId = await createV2(sandbox.url);
    const seed = (status: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        event: status === 'completed' ? 'verification.completed' : 'verification.started',
        data: {
          id: verificationId,
          status,
          created_at: '2023-12-30T10:15:30Z',
          ...(status === 'completed' ? { completed_at: '2023-12-30T10:17:45Z' } : {}),
          document_type: 'passport',
          verification_details: { first_name: 'John', last_name: 'Doe', document_number: 'X123456' },
          metadata: { user_id: 'user-123', reference: 'order-456' },
          ...extra,
        },
      });
    const started = seed('started');
    const first = await post(started, sign(started));
    assert.equal(first.status, 200, await first.clone().text());
    assert.deepEqual(await first.json(), { received: true });
    const body = seed('completed');
    const response = await post(body, sign(body, now() - 1));
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { received: true });
    // okID (the sandbox) still says created: one event, not a second one from the body's claim.
    assert.equal(hub.counts.published.length, 1);
    const snapshot = hub.counts.published[0]!;
    assert.equal(snapshot.verificationId, verificationId);
    assert.equal(snapshot.status, 'created');
    assert.doesNotMatch(JSON.stringify(snapshot), /John|Doe|X123456|user-123|passport/);

    // okID retries with a fresh signature: the same event, recognised without an id.
    const again = await post(body, sign(body));
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), { received: true, duplicate: true });
    assert.equal(hub.counts.published.length, 1);
  });

  it('delivers a second id-less progress event with the same status, and still drops its redelivery', async () => {
    const id = await createV2(sandbox.url);
    // okID's documented payload: no event id, no updated_at; only the progress tells them apart.
    const progressEvent = (document: string) =>
      JSON.stringify({
        event: 'verification.progress',
        data: { id, status: 'in_progress', created_at: '2025-01-01T00:00:00Z', progress: { terms: 'completed', document, liveness: 'pending' } },
      });
    const termsDone = progressEvent('pending');
    const documentDone = progressEvent('completed');
    const first = await post(termsDone, sign(termsDone, now() - 1));
    assert.deepEqual(await first.json(), { received: true });
    const second = await post(documentDone, sign(documentDone, now() - 1));
    assert.equal(second.status, 200);
    assert.deepEqual(await second.json(), { received: true }, 'news, not a duplicate');
    // Both re-read okID, which has not moved: one event.
    assert.deepEqual(hub.counts.published.map((s) => s.status), ['created']);
    // The same progress again, re-signed (okID's retry), in another key order: still a repeat.
    const reordered = JSON.stringify({
      event: 'verification.progress',
      data: { id, status: 'in_progress', created_at: '2025-01-01T00:00:00Z', progress: { liveness: 'pending', document: 'completed', terms: 'completed' } },
    });
    const again = await post(reordered, sign(reordered));
    assert.deepEqual(await again.json(), { received: true, duplicate: true });
    assert.equal(hub.counts.published.length, 1);
  });

  it('accepts a delivery signed with the older secret during rotation', async () => {
    const body = eventBody(await createV2(sandbox.url));
    assert.equal((await post(body, sign(body, now(), SECRET))).status, 200);
    const next = eventBody(await createV2(sandbox.url));
    assert.equal((await post(next, sign(next, now(), 'whsec_next'))).status, 200);
    assert.equal(hub.counts.published.length, 2);
  });

  it('refuses a forged signature: 401 BAD_SIGNATURE', async () => {
    const body = eventBody('ver_webhook_forged');
    await refused(await post(body, sign(body, now(), 'whsec_attacker')), 401, 'BAD_SIGNATURE');
  });

  it('refuses a stale delivery: 400 TIMESTAMP_OUT_OF_TOLERANCE', async () => {
    const body = eventBody('ver_webhook_stale');
    await refused(await post(body, sign(body, now() - 301)), 400, 'TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('refuses a delivery from the future: 400 TIMESTAMP_OUT_OF_TOLERANCE', async () => {
    const body = eventBody('ver_webhook_future');
    await refused(await post(body, sign(body, now() + 301)), 400, 'TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('refuses a replayed delivery (same bytes, same signature): 409, published once', async () => {
    const body = eventBody('ver_webhook_replay');
    const headers = sign(body);
    assert.equal((await post(body, headers)).status, 200);
    hub.counts.published.length = 0;
    await refused(await post(body, headers), 409, 'WEBHOOK_REPLAYED');
  });

  it('drops a redelivery of an event already processed (fresh signature): 200, published once', async () => {
    const body = eventBody(await createV2(sandbox.url));
    assert.equal((await post(body, sign(body, now() - 2))).status, 200);
    assert.equal(hub.counts.published.length, 1);
    const again = await post(body, sign(body));
    assert.equal(again.status, 200, 'okID must stop retrying');
    assert.deepEqual(await again.json(), { received: true, duplicate: true });
    assert.equal(hub.counts.published.length, 1);
  });

  it('refuses a truncated body: 401 BAD_SIGNATURE', async () => {
    const body = eventBody('ver_webhook_trunc');
    await refused(await post(body.slice(0, body.length - 10), sign(body)), 401, 'BAD_SIGNATURE');
  });

  it('refuses a re-serialized body: 401 BAD_SIGNATURE', async () => {
    const body = eventBody('ver_webhook_reser');
    await refused(await post(JSON.stringify(JSON.parse(body), null, 1), sign(body)), 401, 'BAD_SIGNATURE');
  });

  it('refuses missing headers and malformed timestamps: 400', async () => {
    const body = eventBody('ver_webhook_headers');
    await refused(await post(body, { 'Content-Type': 'application/json' }), 400, 'MISSING_HEADER');
    const headers = sign(body);
    await refused(await post(body, { ...headers, 'X-okID-Timestamp': `${headers['X-okID-Timestamp']}.0` }), 400, 'BAD_TIMESTAMP');
  });

  it('refuses an oversized body: 413, without reading it all', async () => {
    const body = eventBody('ver_webhook_big', 'in_progress', { padding: 'x'.repeat(70 * 1024) });
    await refused(await post(body, sign(body)), 413, 'BAD_REQUEST');
    // Over real HTTP, declared and chunked.
    const declared = await fetch(`${http.url}/okid/webhooks`, { method: 'POST', headers: sign(body), body });
    await refused(declared, 413, 'BAD_REQUEST');
    const chunked = await fetch(`${http.url}/okid/webhooks`, {
      method: 'POST',
      headers: sign(body),
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    await refused(chunked, 413, 'BAD_REQUEST');
  });

  it('refuses a signed event whose data names no verification: 400 BAD_PAYLOAD', async () => {
    for (const data of [{ id: '../etc/passwd', status: 'verified' }, { status: 'verified' }]) {
      const body = JSON.stringify({ event: 'verification.completed', id: `evt_bad_${Math.random()}`, created_at: '', data });
      await refused(await post(body, sign(body)), 400, 'BAD_PAYLOAD');
    }
  });

  it('acknowledges events it does not use without publishing', async () => {
    const body = JSON.stringify({ event: 'account.updated', id: 'evt_other_1', created_at: '', data: {} });
    const response = await post(body, sign(body));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: true, ignored: true });
    assert.equal(hub.counts.published.length, 0);
  });

  it('works through okid.node with the raw body', async () => {
    const body = eventBody(await createV2(sandbox.url));
    const response = await fetch(`${http.url}/okid/webhooks`, { method: 'POST', headers: sign(body), body });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(hub.counts.published.length, 1);
  });

  it('pushes a webhook to an open event stream at once, without waiting for a poll', async () => {
    const id = await createV2(sandbox.url);
    const stream = await openStream(`${http.url}/okid/verifications/${id}/events`);
    await stream.status('created');
    // The phone opens the link; the proxy polls only every minute, so only the webhook can tell.
    await new Phone(sandbox.url, id).open();
    const body = eventBody(id, 'processing');
    assert.equal((await post(body, sign(body))).status, 200);
    await stream.status('opened', 2000);
    assert.ok(!stream.snapshots.some((s) => s.status === 'processing'), 'the body\'s claim is never shown');
    assert.doesNotMatch(JSON.stringify(stream.events), /Jane|jane@/);
    await stream.cancel();
  });
});

describe('webhooks from the sandbox', () => {
  it('the sandbox delivers signed events, the stream follows them to the final state', async () => {
    const hub = countingHub(createMemoryHub());
    let okid: OkidProxy | undefined;
    const http = await listen((req, res) => okid!.node(req, res));
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 50, webhookUrl: `${http.url}/okid/webhooks`, webhookSecret: SECRET });
    // A long poll interval: only webhooks can move the stream along.
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, webhookSecret: SECRET, hub, logger: silent, pollIntervalMs: 60_000 });
    try {
      const id = await createV2(sandbox.url, { sandbox_outcome: 'manual_review' });
      const stream = await openStream(`${http.url}/okid/verifications/${id}/events`);
      await stream.status('created');
      await new Phone(sandbox.url, id).completeFlow();
      const done = await stream.status('completed', 5000);
      assert.equal(done.outcome, 'manual_review');
      await stream.waitEnd();
      const statuses = stream.snapshots.map((s) => s.status);
      assert.deepEqual(statuses, [...statuses].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)), 'never backwards');
      assert.ok(hub.counts.published.length >= 3, 'webhooks fed the hub');
    } finally {
      await okid.close();
      await sandbox.close();
      await http.close();
    }
  });
});

describe('v1 webhooks that name the ver_ id of a tok_ process token', () => {
  it('reach the browser watching the tok_ id, end to end with the sandbox', async () => {
    // okID's v1 documents: GET /v1/verification/tok_… answers with `id: "ver_…"`, and webhooks carry
    // that ver_ id. The sandbox keeps the tok_ id in both; the proxy's upstream fetch and a relay in
    // front of its webhook route rewrite them as okID would, re-signing the deliveries.
    const asVer = (token: string): string => token.replace(/^tok_v1_/, 'ver_v1rec_');
    const upstream: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = new Request(input, init).url;
      if (!/\/v1\/verification\/tok_/.test(url) || !response.ok) return response;
      const body = (await response.json()) as { id: string };
      return Response.json({ ...body, id: asVer(body.id) }, { status: response.status });
    };
    const hub = countingHub(createMemoryHub());
    let okid: OkidProxy | undefined;
    const http = await listen((req, res) => okid!.node(req, res));
    const relayed: string[] = [];
    const relay = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; data: { id: string } };
        event.data.id = asVer(event.data.id);
        relayed.push(event.data.id);
        const body = JSON.stringify(event);
        void fetch(`${http.url}/okid/webhooks`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signWebhook({ body, secret: SECRET }) }, body }).then(
          async (answer) => res.writeHead(answer.status).end(await answer.text()),
          () => res.writeHead(502).end(),
        );
      });
    });
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 50, webhookUrl: relay.url, webhookSecret: SECRET });
    // A long poll interval: only webhooks can move the stream along.
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, fetch: upstream, webhookSecret: SECRET, hub, logger: silent, pollIntervalMs: 60_000 });
    try {
      const token = await createV1(sandbox.url);
      const stream = await openStream(`${http.url}/okid/verifications/${token}/events`);
      assert.equal((await stream.status('created')).verificationId, token);
      await new Phone(sandbox.url, token).completeFlow();
      const done = await stream.status('completed', 5000);
      assert.equal(done.outcome, 'verified');
      await stream.waitEnd();
      assert.ok(relayed.length >= 3 && relayed.every((id) => id === asVer(token)), 'the webhooks named the ver_ id');
      assert.ok(stream.snapshots.every((s) => s.verificationId === token), 'the browser only ever sees its own id');
      assert.deepEqual(stream.snapshots.map((s) => s.status).slice(-1), ['completed']);
      await until(() => hub.counts.subscriptions === 0, 'every subscription released');
    } finally {
      await okid.close();
      await sandbox.close();
      await relay.close();
      await http.close();
    }
  });
});

const ORDER = ['created', 'opened', 'in_progress', 'processing', 'completed'];

describe('webhooks without updated_at', () => {
  it('a webhook whose time is not a status time never holds back later polls', async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, webhookSecret: SECRET, logger: silent, pollIntervalMs: 50 });
    const http = await listen((req, res) => okid.node(req, res));
    try {
      const id = await createV2(sandbox.url);
      const stream = await openStream(`${http.url}/okid/verifications/${id}/events`);
      await stream.status('created');
      const phone = new Phone(sandbox.url, id);
      await phone.open();
      // okID's documented shape: no updated_at, only times that are not this status's (here an
      // hour ahead of okID's clock, as a proxy's own clock can be).
      const ahead = new Date(Date.now() + 3_600_000).toISOString();
      const body = JSON.stringify({ event: 'verification.started', created_at: ahead, data: { id, status: 'started', created_at: ahead } });
      const response = await okid.fetch(request('/okid/webhooks', { method: 'POST', headers: sign(body), body }));
      assert.equal(response.status, 200, await response.clone().text());
      await stream.status('opened', 2000);
      assert.notEqual(stream.snapshots.find((s) => s.status === 'opened')!.updatedAt, ahead, "okID's time, never the event's");

      // The phone moves on; okID's own updated_at orders the rest.
      await phone.acceptTerms();
      await stream.status('in_progress', 2000);
      await phone.captureAll();
      await phone.submit();
      assert.equal((await stream.status('completed', 3000)).outcome, 'verified');
      const statuses = stream.snapshots.map((s) => s.status);
      assert.deepEqual(statuses, [...statuses].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)), 'never backwards');
      await stream.waitEnd();
    } finally {
      await okid.close();
      await http.close();
      await sandbox.close();
    }
  });
});
