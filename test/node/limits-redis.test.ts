/**
 * Issue 9: limits across instances. Two proxies sharing a Redis hub (a real redis-server) share
 * each client's create and unknown-id counts and its open event streams; a frozen Redis never
 * holds a request or a stream up: the instance counts alone meanwhile and says so once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOkidProxy, createRedisHub } from '../../src/server/index.js';
import type { OkidHub, OkidProxy, OkidProxyLimits } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen, recordingFetch } from './proxy-helpers.js';
import { SseReader, openStream } from './sse-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';
import { startRedis } from './redis-helpers.js';
import type { RedisServer } from './redis-helpers.js';

describe('limits across instances (Redis hub)', () => {
  let sandbox: Sandbox;
  let redis: RedisServer;
  const hubs: OkidHub[] = [];
  const running: { okid: OkidProxy; http: Listening }[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    redis = await startRedis();
  });
  after(async () => {
    for (const { okid, http } of running) {
      await okid.close();
      await http.close();
    }
    for (const hub of hubs) await hub.close();
    await redis.stop();
    await sandbox.close();
  });

  /** Two instances on one Redis (their own connections), as behind a load balancer. */
  async function pair(keyPrefix: string, logs: string[] = [], limits: OkidProxyLimits = {}) {
    const made: { okid: OkidProxy; url: string; calls: UpstreamCall[] }[] = [];
    for (let i = 0; i < 2; i += 1) {
      const hub = createRedisHub({ url: redis.url, keyPrefix, onError: () => undefined });
      hubs.push(hub);
      const recording = recordingFetch();
      const okid = createOkidProxy({
        apiKey: API_KEY,
        baseUrl: sandbox.url,
        fetch: recording.fetch,
        hub,
        authorize: 'public',
        create: () => ({}),
        logger: { warn: (m) => logs.push(m), error: (m) => logs.push(m) },
        limits: { createsPerClient: 3, unknownReadsPerClient: 2, windowMs: 60_000, ...limits },
        heartbeatMs: 200,
      });
      const http = await listen((req, res) => okid.node(req, res));
      running.push({ okid, http });
      made.push({ okid, url: http.url, calls: recording.calls });
    }
    return made as [(typeof made)[0], (typeof made)[0]];
  }

  it('two instances share the create limit of a client', async () => {
    const [a, b] = await pair('okid-limits-create:');
    const create = (at: { url: string }) => fetch(`${at.url}/okid/verifications`, { method: 'POST' });
    assert.equal((await create(a)).status, 201);
    assert.equal((await create(b)).status, 201);
    assert.equal((await create(a)).status, 201);
    for (const at of [b, a]) {
      const refused = await create(at);
      assert.equal(refused.status, 429, 'the fourth create, on either instance');
      assert.equal(((await refused.json()) as { code: string }).code, 'RATE_LIMITED');
      const seconds = Number(refused.headers.get('Retry-After'));
      assert.ok(seconds >= 1 && seconds <= 60, `Retry-After ${seconds}`);
    }
    const generated = [...a.calls, ...b.calls].filter((c) => c.method === 'POST').length;
    assert.equal(generated, 3, 'okID generated three verifications in all');
  });

  it('two instances share the unknown-id count of a client', async () => {
    const [a, b] = await pair('okid-limits-unknown:');
    assert.equal((await fetch(`${a.url}/okid/verifications/ver_unknown_a1`)).status, 404);
    assert.equal((await fetch(`${b.url}/okid/verifications/ver_unknown_b1`)).status, 404);
    // The count reached the limit on b; a learns it on its next unknown id (one more okID call at most).
    const onA = await fetch(`${a.url}/okid/verifications/ver_unknown_a2`);
    assert.equal(onA.status, 404);
    for (const at of [a, b]) assert.equal((await fetch(`${at.url}/okid/verifications/ver_unknown_x9`)).status, 429);
    assert.equal([...a.calls, ...b.calls].filter((c) => c.url.includes('ver_unknown_x9')).length, 0, 'okID was not asked');
  });

  it("two instances share a client's open event streams; a closed one frees a place on the other", async () => {
    const [a, b] = await pair('okid-limits-streams:', [], { streamsPerClient: 2 });
    const id = await createV2(sandbox.url);
    const events = (at: { url: string }) => `${at.url}/okid/verifications/${id}/events`;
    const onA = await openStream(events(a));
    const onB = await openStream(events(b));
    for (const at of [a, b]) {
      const refused = await fetch(events(at));
      assert.equal(refused.status, 429, 'a third stream of the client, on either instance');
      assert.ok(Number(refused.headers.get('Retry-After')) >= 1);
      await refused.body?.cancel();
    }
    await onA.cancel();
    let again: Response | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i += 1) {
      await again?.body?.cancel();
      again = await fetch(events(b));
      if (again.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(again?.status, 200, 'the place A gave back is taken on B');
    const third = new SseReader(again!);
    await third.status('created');
    await Promise.all([onB.cancel(), third.cancel()]);
  });

  it("the Redis hub's places expire unless renewed, so a crashed instance never locks a client out", async () => {
    const hub = createRedisHub({ url: redis.url, keyPrefix: 'okid-slots:', onError: () => undefined });
    hubs.push(hub);
    assert.equal(await hub.holdSlots!('c', ['gone:1', 'gone:2'], 2, 300), 2);
    assert.equal(await hub.holdSlots!('c', ['live:1'], 2, 300), 0, 'both places are held');
    assert.equal(await hub.holdSlots!('c', ['gone:1'], 2, 300), 1, 'a holder renews its place');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await hub.holdSlots!('c', ['live:1', 'live:2', 'live:3'], 2, 5000), 2, 'expired places are free again, up to the limit');
    await hub.releaseSlots!('c', ['live:1']);
    assert.equal(await hub.holdSlots!('c', ['live:3'], 2, 5000), 1, 'a place given back is free at once');
  });

  it('a frozen Redis does not hold an event stream up: admitted within the deadline, the local count still limits', async () => {
    const logs: string[] = [];
    const [a] = await pair('okid-limits-streams-frozen:', logs, { streamsPerClient: 2 });
    const id = await createV2(sandbox.url);
    const url = `${a.url}/okid/verifications/${id}/events`;
    const warm = await openStream(url);
    await warm.status('created');
    redis.freeze();
    const open: SseReader[] = [warm];
    try {
      const started = Date.now();
      const during = await openStream(url);
      open.push(during);
      await during.status('created');
      const ms = Date.now() - started;
      assert.ok(ms < 1500, `the stream sent the status ${ms} ms after it was asked for`);
      const refused = await fetch(url);
      assert.equal(refused.status, 429, "this instance's own count still limits the client");
      await refused.body?.cancel();
      assert.equal(logs.filter((m) => m.includes('could not count event streams')).length, 1, `one line: ${JSON.stringify(logs)}`);
    } finally {
      redis.thaw();
      await Promise.all(open.map((stream) => stream.cancel()));
    }
  });

  it('a frozen Redis does not hold a create up: the instance counts alone and says so once', async () => {
    const logs: string[] = [];
    const [a] = await pair('okid-limits-frozen:', logs);
    assert.equal((await fetch(`${a.url}/okid/verifications`, { method: 'POST' })).status, 201);
    redis.freeze();
    try {
      for (let i = 0; i < 3; i += 1) {
        const started = Date.now();
        const response = await fetch(`${a.url}/okid/verifications`, { method: 'POST' });
        const ms = Date.now() - started;
        // Fail open, locally limited: three more fit this instance's own window.
        assert.equal(response.status, 201, `create ${i} during the freeze`);
        assert.ok(ms < 1500, `answered in ${ms} ms`);
      }
      assert.equal((await fetch(`${a.url}/okid/verifications`, { method: 'POST' })).status, 429, 'the local count still limits');
      assert.equal(logs.filter((m) => m.includes('could not count')).length, 1, `one line: ${JSON.stringify(logs)}`);
    } finally {
      redis.thaw();
    }
  });
});
