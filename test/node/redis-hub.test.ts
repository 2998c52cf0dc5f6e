/**
 * The Redis hub against a real redis-server: two proxy instances on two ports share status
 * through pub/sub (a webhook received by B reaches a browser on A), process each webhook event
 * once between them, and elect one poller per verification.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StatusSnapshot } from '../../src/core/protocol.js';
import { createOkidProxy, createRedisHub } from '../../src/server/index.js';
import type { OkidHub, OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV2, listen, recordingFetch } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';
import { startRedis } from './redis-helpers.js';
import { isTimeSynthesized, withSynthesizedTime } from '../../src/server/hub/hub.js';
import type { RedisServer } from './redis-helpers.js';
import { countingHub, openStream, until } from './sse-helpers.js';
import type { CountingHub } from './sse-helpers.js';

const SECRET = 'whsec_redis_test';
const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instance {
  okid: OkidProxy;
  http: Listening;
  hub: CountingHub;
  calls: UpstreamCall[];
}

describe('Redis hub', () => {
  let redis: RedisServer;
  const hubs: OkidHub[] = [];
  const newHub = (keyPrefix = 'okid-test:'): OkidHub => {
    const hub = createRedisHub({ url: redis.url, keyPrefix, onError: () => undefined });
    hubs.push(hub);
    return hub;
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const hub of hubs) await hub.close();
    await redis?.stop();
  });

  it('carries a snapshot from one hub to subscribers of another, and only valid ones', async () => {
    const [one, two] = [newHub(), newHub()];
    const received: StatusSnapshot[] = [];
    const unsubscribe = await two.subscribe('ver_redis_pub1', (s) => received.push(s));
    const snapshot: StatusSnapshot = { verificationId: 'ver_redis_pub1', status: 'opened', progress: {}, updatedAt: 't', expiresAt: 'e' };
    await one.publish(snapshot);
    await one.publish({ ...snapshot, verificationId: 'ver_redis_other' });
    await until(() => received.length === 1, 'delivery');
    assert.deepEqual(received[0], snapshot);
    unsubscribe();
    await sleep(50);
    await one.publish(snapshot);
    await sleep(100);
    assert.equal(received.length, 1, 'nothing after unsubscribing');
  });

  it('carries the synthesized-time mark of a webhook snapshot to the other instances', async () => {
    const [one, two] = [newHub(), newHub()];
    const received: StatusSnapshot[] = [];
    const unsubscribe = await two.subscribe('ver_redis_synth1', (s) => received.push(s));
    const snapshot: StatusSnapshot = { verificationId: 'ver_redis_synth1', status: 'opened', progress: {}, updatedAt: '2025-01-01T00:00:00Z', expiresAt: '' };
    await one.publish(withSynthesizedTime(snapshot));
    await one.publish({ ...snapshot, status: 'in_progress' });
    await until(() => received.length === 2, 'delivery');
    assert.deepEqual(received.map(isTimeSynthesized), [true, false]);
    assert.deepEqual(JSON.parse(JSON.stringify(received[0])), snapshot, 'nothing else added');
    unsubscribe();
  });

  it('markSeen is first-wins across hubs; leases are exclusive until released', async () => {
    const [one, two] = [newHub(), newHub()];
    assert.equal(await one.markSeen('evt_x', 10_000), true);
    assert.equal(await two.markSeen('evt_x', 10_000), false);
    await one.forget('evt_x');
    assert.equal(await two.markSeen('evt_x', 10_000), true);

    assert.equal(await one.acquireLease('poll:ver_lease1', 'A', 10_000), true);
    assert.equal(await two.acquireLease('poll:ver_lease1', 'B', 10_000), false);
    assert.equal(await one.acquireLease('poll:ver_lease1', 'A', 10_000), true, 'the holder renews');
    await two.releaseLease('poll:ver_lease1', 'B');
    assert.equal(await two.acquireLease('poll:ver_lease1', 'B', 10_000), false, 'only the holder releases');
    await one.releaseLease('poll:ver_lease1', 'A');
    assert.equal(await two.acquireLease('poll:ver_lease1', 'B', 10_000), true);
    assert.equal(await one.acquireLease('poll:ver_lease2', 'A', 50), true);
    await sleep(120);
    assert.equal(await two.acquireLease('poll:ver_lease2', 'B', 10_000), true, 'an expired lease moves on');
  });

  describe('two proxy instances on two ports', () => {
    let sandbox: Sandbox;
    const instances: Instance[] = [];
    let a: Instance;
    let b: Instance;

    /** A proxy on its own port, with its own Redis connections; `pollIntervalMs` as given. */
    async function instance(pollIntervalMs: number, webhooksTo?: (url: string) => Promise<void>): Promise<Instance> {
      let okid: OkidProxy | undefined;
      const http = await listen((req, res) => okid!.node(req, res));
      await webhooksTo?.(http.url);
      const hub = countingHub(newHub('okid-pair:'));
      const { fetch, calls } = recordingFetch();
      okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, webhookSecret: SECRET, hub, fetch, logger: silent, pollIntervalMs, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
      const created = { okid, http, hub, calls };
      instances.push(created);
      return created;
    }

    before(async () => {
      // A long poll interval on both: only the webhook (received by B) can move A's stream.
      b = await instance(60_000, async (url) => {
        sandbox = await startSandbox({ port: 0, processingDelayMs: 50, webhookUrl: `${url}/okid/webhooks`, webhookSecret: SECRET });
      });
      a = await instance(60_000);
    });
    after(async () => {
      for (const x of instances) {
        await x.okid.close();
        await x.http.close();
      }
      await sandbox?.close();
    });

    it('a browser on A sees the final status from a webhook delivered to B', async () => {
      const id = await createV2(sandbox.url, { sandbox_outcome: 'verified' });
      const stream = await openStream(`${a.http.url}/okid/verifications/${id}/events`);
      await stream.status('created');
      await new Phone(sandbox.url, id).completeFlow();
      const done = await stream.status('completed', 8000);
      assert.equal(done.outcome, 'verified');
      await stream.waitEnd();
      assert.ok(b.hub.counts.published.length >= 3, 'B published the webhooks');
      assert.equal(a.hub.counts.published.length, 0, 'A received no webhook and polled nothing new');
      assert.equal(a.calls.length, 1, 'A read okID once, when the stream opened');
    });

    it('an event delivered to both instances is processed once', async () => {
      // A verification okID (the sandbox) knows: the event makes one of them re-read it and publish.
      const id = await createV2(sandbox.url);
      const body = JSON.stringify({
        event: 'verification.progress',
        id: `evt_dedupe_${Date.now()}`,
        created_at: new Date().toISOString(),
        data: { id, status: 'in_progress', updated_at: new Date().toISOString(), progress: { terms: 'completed' } },
      });
      const post = (target: Instance, timestamp: number) =>
        fetch(`${target.http.url}/okid/webhooks`, {
          method: 'POST',
          body,
          headers: {
            'Content-Type': 'application/json',
            'X-okID-Timestamp': String(timestamp),
            'X-okID-Signature': createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex'),
          },
        });
      const before = a.hub.counts.published.length + b.hub.counts.published.length;
      const now = Math.floor(Date.now() / 1000);
      const answers = await Promise.all([post(a, now), post(b, now - 1)]);
      assert.deepEqual(answers.map((r) => r.status), [200, 200]);
      const bodies = (await Promise.all(answers.map((r) => r.json()))) as { duplicate?: boolean }[];
      assert.equal(bodies.filter((x) => x.duplicate).length, 1, 'one of them is a duplicate');
      assert.equal(a.hub.counts.published.length + b.hub.counts.published.length - before, 1, 'published once');
    });
  });

  it('a v1 webhook naming the ver_ record, delivered to B, reaches a browser on A watching the tok_ token', async () => {
    const token = 'tok_v1_redisalias0123456789';
    const record = 'ver_redisalias0123456789';
    // okID v1 as its documents show it: the tok_ token's record has a ver_ id. B, which never read
    // the token, re-reads the ver_ record the webhook names (a webhook is news, not the truth).
    let okidStatus = 'pending';
    const upstream: typeof fetch = async () =>
      Response.json({ id: record, status: okidStatus, created_at: '2025-01-01T00:00:00Z', updated_at: okidStatus === 'pending' ? '2025-01-01T00:00:00Z' : '2025-01-01T00:02:00Z', expires_at: '2099-01-01T00:00:00Z' });
    const made: { okid: OkidProxy; http: Listening }[] = [];
    try {
      for (let n = 0; n < 2; n += 1) {
        const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: 'http://okid.invalid', v1BaseUrl: 'http://okid-v1.invalid', fetch: upstream, webhookSecret: SECRET, hub: newHub('okid-alias:'), logger: silent, pollIntervalMs: 60_000 });
        made.push({ okid, http: await listen((req, res) => okid.node(req, res)) });
      }
      const [a, b] = made as [(typeof made)[0], (typeof made)[0]];
      const stream = await openStream(`${a.http.url}/okid/verifications/${token}/events`);
      await stream.status('created');
      const body = JSON.stringify({ event: 'verification.completed', data: { id: record, status: 'completed', created_at: '2025-01-01T00:00:00Z', completed_at: '2025-01-01T00:02:00Z' } });
      okidStatus = 'completed';
      const timestamp = Math.floor(Date.now() / 1000);
      const delivered = await fetch(`${b.http.url}/okid/webhooks`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'X-okID-Timestamp': String(timestamp), 'X-okID-Signature': createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex') },
      });
      assert.equal(delivered.status, 200, await delivered.clone().text());
      const done = await stream.status('completed', 3000);
      assert.equal(done.verificationId, token);
      assert.equal(done.outcome, 'verified');
      await stream.waitEnd();
    } finally {
      for (const x of made) {
        await x.okid.close();
        await x.http.close();
      }
    }
  });

  describe('poller election', () => {
    it('streams on two instances cost one poll per interval, and both see the change', async () => {
      const sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
      const made: Instance[] = [];
      try {
        for (let n = 0; n < 2; n += 1) {
          const { fetch, calls } = recordingFetch();
          const hub = countingHub(newHub('okid-elect:'));
          const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, v1BaseUrl: sandbox.url, hub, fetch, logger: silent, pollIntervalMs: 100, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
          made.push({ okid, http: await listen((req, res) => okid.node(req, res)), hub, calls });
        }
        const id = await createV2(sandbox.url);
        const streams = await Promise.all(made.flatMap((x) => [0, 1, 2].map(() => openStream(`${x.http.url}/okid/verifications/${id}/events`))));
        await Promise.all(streams.map((s) => s.status('created')));
        const t0 = Date.now();
        const before = made.reduce((sum, x) => sum + x.calls.length, 0);
        await sleep(1000);
        const polls = made.reduce((sum, x) => sum + x.calls.length, 0) - before;
        const intervals = (Date.now() - t0) / 100;
        // One poller for the fleet: about one call per interval, not one per instance per interval.
        assert.ok(polls <= intervals + 2, `${polls} polls in ${intervals.toFixed(1)} intervals`);
        assert.ok(polls >= intervals / 2, `polling goes on (${polls})`);
        await new Phone(sandbox.url, id).open();
        await Promise.all(streams.map((s) => s.status('opened', 3000)));
        await Promise.all(streams.map((s) => s.cancel()));
      } finally {
        for (const x of made) {
          await x.okid.close();
          await x.http.close();
        }
        await sandbox.close();
      }
    });
  });
});
