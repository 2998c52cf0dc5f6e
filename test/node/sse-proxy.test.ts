/**
 * `GET /okid/verifications/{id}/events` against the real sandbox: the stream's format, the
 * current snapshot at once, heartbeats, the end after a final state, resuming with
 * `Last-Event-ID`, the same refusals as the status route, one upstream poll per interval
 * however many streams, and resources freed when clients leave.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatusSnapshotSchema } from '../../src/core/protocol.js';
import { createMemoryHub, createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV1, createV2, listen, recordingFetch, request } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';
import { SseReader, countingHub, openStream, until } from './sse-helpers.js';
import type { CountingHub } from './sse-helpers.js';

const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event stream', () => {
  let sandbox: Sandbox;
  let okid: OkidProxy;
  let http: Listening;
  let calls: UpstreamCall[];
  let hub: CountingHub;
  const authorized = new Set<string>();

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    const recording = recordingFetch();
    calls = recording.calls;
    hub = countingHub(createMemoryHub());
    okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url, v1BaseUrl: sandbox.url,
      fetch: recording.fetch,
      hub,
      logger: silent,
      pollIntervalMs: POLL_MS,
      heartbeatMs: 40,
      sseRetryMs: 1500,
      authorize: (req, id) => !req.headers.has('X-Deny') || authorized.has(id),
      // Every test browser is 127.0.0.1: one client here stands for many.
      limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity },
    });
    http = await listen((req, res) => okid.node(req, res));
  });
  after(async () => {
    await okid.close();
    await http.close();
    await sandbox.close();
  });

  const eventsUrl = (id: string): string => `${http.url}/okid/verifications/${id}/events`;
  const callsFor = (id: string): number => calls.filter((c) => c.url.includes(id)).length;

  it('through okid.node: SSE headers, retry, then the current snapshot at once with an id', async () => {
    const id = await createV2(sandbox.url, { first_name: 'Jane' });
    const stream = await openStream(eventsUrl(id));
    assert.equal(stream.response.headers.get('Cache-Control'), 'no-cache, no-transform, private');
    await stream.until(() => stream.events.length === 1, 'first event', 1000);
    assert.equal(stream.retry, 1500);
    const [event] = stream.events;
    assert.equal(event!.event, 'status');
    assert.match(event!.id ?? '', /^\d+-0-0-[A-Za-z0-9_-]{12}$/);
    const snapshot = StatusSnapshotSchema.parse(JSON.parse(event!.data));
    assert.equal(snapshot.verificationId, id);
    assert.equal(snapshot.status, 'created');
    assert.deepEqual(Object.keys(JSON.parse(event!.data)).sort(), ['expiresAt', 'progress', 'status', 'updatedAt', 'verificationId']);
    await stream.cancel();
  });

  it('through okid.fetch: a streaming Response', async () => {
    const id = await createV2(sandbox.url);
    const controller = new AbortController();
    const response = await okid.fetch(request(`/okid/verifications/${id}/events`, { signal: controller.signal }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Content-Type'), 'text/event-stream; charset=utf-8');
    const stream = new SseReader(response);
    await stream.status('created', 1000);
    await stream.cancel();
    controller.abort();
    await until(() => hub.counts.subscriptions === 0, 'hub subscription released');
  });

  it('sends heartbeat comments while nothing changes', async () => {
    const id = await createV2(sandbox.url);
    const stream = await openStream(eventsUrl(id));
    await stream.until(() => stream.comments.filter((c) => c === 'heartbeat').length >= 2, 'two heartbeats', 1000);
    assert.equal(stream.snapshots.length, 1, 'heartbeats are not events');
    await stream.cancel();
  });

  it('follows the phone to the final state, never backwards nor twice, then ends', async () => {
    const id = await createV2(sandbox.url, { sandbox_outcome: 'verified' });
    const stream = await openStream(eventsUrl(id));
    await stream.status('created');
    await new Phone(sandbox.url, id).completeFlow();
    const done = await stream.status('completed');
    assert.equal(done.outcome, 'verified');
    await stream.waitEnd();
    const ids = stream.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate event');
    assert.equal(stream.snapshots.at(-1)!.status, 'completed', 'nothing after the final state');
  });

  it('v1 process tokens stream too', async () => {
    const token = await createV1(sandbox.url);
    const stream = await openStream(eventsUrl(token));
    assert.equal((await stream.status('created')).verificationId, token);
    await stream.cancel();
  });

  it('resumes with Last-Event-ID without repeating what the browser has', async () => {
    const id = await createV2(sandbox.url);
    const first = await openStream(eventsUrl(id));
    await first.status('created');
    const lastId = first.events.at(-1)!.id!;
    await first.cancel();

    const resumed = await openStream(eventsUrl(id), { 'Last-Event-ID': lastId });
    await resumed.until(() => resumed.comments.includes('heartbeat'), 'a heartbeat', 1000);
    assert.equal(resumed.events.length, 0, 'the known snapshot is not sent again');
    const phone = new Phone(sandbox.url, id);
    await phone.open();
    assert.equal((await resumed.status('opened')).status, 'opened');
    await resumed.cancel();

    // An id we did not write (or an older one) gets the current snapshot.
    const fresh = await openStream(eventsUrl(id), { 'Last-Event-ID': 'garbage' });
    await fresh.status('opened');
    await fresh.cancel();
  });

  it('answers 204 (stop reconnecting) when the browser already has the final state', async () => {
    const id = await createV2(sandbox.url);
    const phone = new Phone(sandbox.url, id);
    await phone.open();
    await phone.cancel();
    const stream = await openStream(eventsUrl(id));
    await stream.status('canceled');
    await stream.waitEnd();
    const response = await fetch(eventsUrl(id), { headers: { 'Last-Event-ID': stream.events.at(-1)!.id! } });
    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
  });

  it('refuses like the status route: bad id 400, unknown 404, authorize false 403 — before any upstream call', async () => {
    const before = calls.length;
    for (const [id, status, code] of [
      ['ver%20x', 400, 'INVALID_ID'],
      ['a'.repeat(201), 400, 'INVALID_ID'],
      ['%2e%2e%2fapi', 400, 'INVALID_ID'],
    ] as const) {
      const response = await fetch(eventsUrl(id));
      assert.equal(response.status, status);
      assert.equal(((await response.json()) as { code: string }).code, code);
    }
    const denied = await fetch(eventsUrl('ver_denied1234'), { headers: { 'X-Deny': '1' } });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { code: string }).code, 'ACCESS_DENIED');
    assert.equal(calls.length, before, 'no upstream call');

    const unknown = await fetch(eventsUrl('ver_unknown1234'));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'VERIFICATION_NOT_FOUND');
    assert.equal(hub.counts.subscriptions, 0, 'a failed first read leaves nothing behind');
    const post = await fetch(eventsUrl('ver_unknown1234'), { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('many streams on one verification share one read and one poll per interval', async () => {
    const id = await createV2(sandbox.url);
    const start = callsFor(id);
    // Counted from before the streams open: polls run while 50 streams connect on a loaded machine.
    const t0 = Date.now();
    const streams = await Promise.all(Array.from({ length: 50 }, () => openStream(eventsUrl(id))));
    await Promise.all(streams.map((s) => s.status('created')));
    await sleep(10 * POLL_MS);
    const elapsed = Date.now() - t0;
    const polls = callsFor(id) - start;
    // One first read, then at most one poll per interval (plus timer slack).
    assert.ok(polls <= 2 + Math.ceil(elapsed / POLL_MS), `${polls} upstream calls for 50 streams in ${elapsed} ms`);
    assert.ok(polls >= 3, `polling goes on (${polls})`);
    assert.equal(hub.counts.subscriptions, 1, 'one hub subscription for the verification');

    // Everyone sees the next change.
    await new Phone(sandbox.url, id).open();
    await Promise.all(streams.map((s) => s.status('opened')));
    await Promise.all(streams.map((s) => s.cancel()));
  });

  it('a client that leaves frees its subscription, and the last one stops the polling', async () => {
    // The hub is shared by this file's tests: the streams the last test canceled release theirs first.
    await until(() => hub.counts.subscriptions === 0, 'earlier subscriptions released');
    const id = await createV2(sandbox.url);
    const viaNode = await openStream(eventsUrl(id));
    const controller = new AbortController();
    const viaFetch = new SseReader(await okid.fetch(request(`/okid/verifications/${id}/events`, { signal: controller.signal })));
    await Promise.all([viaNode.status('created'), viaFetch.status('created')]);
    assert.equal(hub.counts.subscriptions, 1);

    await viaNode.cancel();
    await sleep(3 * POLL_MS);
    assert.equal(hub.counts.subscriptions, 1, 'still watched by the other client');
    controller.abort();
    await viaFetch.done;
    await until(() => hub.counts.subscriptions === 0, 'hub subscription released');
    const after = callsFor(id);
    await sleep(4 * POLL_MS);
    assert.equal(callsFor(id), after, 'no more polling');
  });

  it('never sends the API key down the stream', async () => {
    const id = await createV2(sandbox.url);
    const response = await fetch(eventsUrl(id));
    const stream = new SseReader(response);
    await stream.status('created');
    await stream.until(() => stream.comments.length > 0, 'a heartbeat', 1000);
    await stream.cancel();
    const everything = JSON.stringify([[...response.headers], stream.events, stream.comments]);
    assert.ok(!everything.includes(API_KEY));
  });

  it('close() ends every open stream', async () => {
    const local = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, logger: silent, heartbeatMs: 20 });
    const id = await createV2(sandbox.url);
    const stream = new SseReader(await local.fetch(request(`/okid/verifications/${id}/events`)));
    await stream.status('created');
    await local.close();
    await stream.waitEnd(1000);
  });
});

describe('event stream on runtimes whose timers are numbers (Deno, workers)', () => {
  it('streams, heartbeats and polls when setTimeout returns a number without unref()', async () => {
    const id = 'ver_numeric_timers1';
    let reads = 0;
    const upstream: typeof fetch = async () => {
      reads += 1;
      const details = { verification_id: id, status: { current: 'generated', updated_at: '2025-01-01T00:00:00.000Z', progress: {} }, expires_at: '2099-01-01T00:00:00.000Z' };
      return new Response(JSON.stringify(details), { status: 200, headers: { 'Content-Type': 'application/json' } });
    };
    const realSetTimeout = globalThis.setTimeout;
    const realClearTimeout = globalThis.clearTimeout;
    const handles = new Map<number, NodeJS.Timeout>();
    let nextHandle = 1;
    // Deno and workers: setTimeout returns a number, which has no unref(). Only for the proxy's
    // own calls: Node's http and undici, also running in this process, need real timers.
    globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (!/[\\/]src[\\/]server[\\/]/.test(new Error().stack ?? '')) return realSetTimeout(callback, ms, ...args);
      const handle = nextHandle++;
      handles.set(handle, realSetTimeout(() => (handles.delete(handle), callback(...args)), ms));
      return handle;
    }) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle: unknown) => {
      if (typeof handle === 'number') {
        realClearTimeout(handles.get(handle));
        handles.delete(handle);
      } else realClearTimeout(handle as NodeJS.Timeout);
    }) as typeof clearTimeout;
    const local = createOkidProxy({ apiKey: API_KEY, baseUrl: 'http://okid.invalid', fetch: upstream, logger: silent, pollIntervalMs: 30, heartbeatMs: 20 });
    try {
      const response = await local.fetch(request(`/okid/verifications/${id}/events`));
      if (response.status !== 200) assert.fail(`${response.status} ${await response.text()}`);
      const stream = new SseReader(response);
      await stream.status('created', 1000);
      await stream.until(() => stream.comments.includes('heartbeat'), 'a heartbeat', 1000);
      await until(() => reads >= 2, 'a poll after the first read', 1000);
      await stream.cancel();
    } finally {
      await local.close();
      globalThis.setTimeout = realSetTimeout;
      globalThis.clearTimeout = realClearTimeout;
      for (const handle of handles.values()) realClearTimeout(handle);
    }
  });
});
