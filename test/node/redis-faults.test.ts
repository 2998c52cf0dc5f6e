/**
 * Redis faults with a real redis-server and two proxy instances over real HTTP, as an operator
 * runs them: the browser's event stream on A, okID's (the sandbox's) webhooks delivered to B.
 * Redis frozen (SIGSTOP: connections open, no answers), killed, and started again mid-flow. In
 * each, the stream on A reaches the final status within two poll intervals of it happening, with
 * no duplicate and no step back; a new stream gets its snapshot within 1 s; every webhook is
 * answered within 5 s (2xx, or 503 so okID retries); and once Redis answers again a webhook
 * received by B reaches A through the hub. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { STATUS_RANK } from '../../src/core/snapshot-order.js';
import { createOkidProxy, createRedisHub } from '../../src/server/index.js';
import type { OkidHub, OkidProxy } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV2, listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { startRedis } from './redis-helpers.js';
import type { RedisServer } from './redis-helpers.js';
import { openStream } from './sse-helpers.js';
import type { SseReader } from './sse-helpers.js';

const SECRET = 'whsec_redis_faults';
const POLL_MS = 1000;
/** Timer drift and one okID read on two shared cores. */
const SLACK_MS = 400;

interface Instance {
  okid: OkidProxy;
  http: Listening;
  hub: OkidHub;
  logs: string[];
  /** Status and milliseconds of every webhook answer this instance gave. */
  webhookAnswers: { status: number; ms: number }[];
}

/** Asserts what a browser would notice: no event twice, no step back, one final status at most. */
function assertForwardOnly(stream: SseReader): void {
  const ids = stream.events.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `no duplicate event: ${JSON.stringify(ids)}`);
  const snapshots = stream.snapshots;
  for (let n = 1; n < snapshots.length; n += 1) {
    assert.ok(STATUS_RANK[snapshots[n]!.status] >= STATUS_RANK[snapshots[n - 1]!.status], `no step back: ${snapshots.map((s) => s.status).join(' → ')}`);
  }
  assert.ok(snapshots.filter((s) => STATUS_RANK[s.status] === 4).length <= 1, 'one final status');
}

/** A webhook as okID signs it: news that makes the proxy ask okID again. */
function signedEvent(id: string, status: string, progress: Record<string, string>): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    event: 'verification.progress',
    id: `evt_fault_${id}_${status}_${Date.now()}`,
    created_at: new Date().toISOString(),
    data: { id, status, updated_at: new Date(Date.now() + 60_000).toISOString(), progress },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-okID-Timestamp': String(timestamp),
      'X-okID-Signature': createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex'),
    },
  };
}

describe('Redis faults: the stream on A, webhooks to B', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let a: Instance;
  let b: Instance;
  const instances: Instance[] = [];

  async function instance(webhooksTo?: (url: string) => Promise<void>): Promise<Instance> {
    let okid: OkidProxy | undefined;
    const webhookAnswers: Instance['webhookAnswers'] = [];
    const http = await listen((req, res) => {
      if (req.url?.endsWith('/webhooks')) {
        const start = Date.now();
        res.once('finish', () => webhookAnswers.push({ status: res.statusCode, ms: Date.now() - start }));
      }
      okid!.node(req, res);
    });
    await webhooksTo?.(http.url);
    const hub = createRedisHub({ url: redis.url, keyPrefix: 'okid-faults:', onError: () => undefined });
    const logs: string[] = [];
    const logger = { warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, webhookSecret: SECRET, hub, logger, pollIntervalMs: POLL_MS, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
    const made = { okid, http, hub, logs, webhookAnswers };
    instances.push(made);
    return made;
  }

  const streamOnA = (id: string) => openStream(`${a.http.url}/okid/verifications/${id}/events`);
  const postToB = (event: { body: string; headers: Record<string, string> }) =>
    fetch(`${b.http.url}/okid/webhooks`, { method: 'POST', body: event.body, headers: event.headers });

  /** Once Redis answers again, a webhook only B receives reaches a stream on A through the hub. */
  async function sharedPathWorks(): Promise<void> {
    const id = await createV2(sandbox.url);
    const stream = await streamOnA(id);
    await stream.status('created', 1000);
    // okID moves on, and says so to B; B asks okID again (a webhook is news, not the truth) and
    // the hub carries what okID answered to A.
    const phone = new Phone(sandbox.url, id);
    await phone.open();
    await phone.acceptTerms();
    const event = signedEvent(id, 'in_progress', { terms: 'completed' });
    let answer = await postToB(event);
    // The first calls after a fault may still find the connection reconnecting: okID retries.
    for (let tries = 0; answer.status === 503 && tries < 10; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      answer = await postToB(signedEvent(id, 'in_progress', { terms: 'completed' }));
    }
    assert.equal(answer.status, 200, await answer.text());
    await stream.status('in_progress', 2000);
    assertForwardOnly(stream);
    await stream.cancel();
  }

  before(async () => {
    redis = await startRedis();
    b = await instance(async (url) => {
      sandbox = await startSandbox({ port: 0, processingDelayMs: 0, webhookUrl: `${url}/okid/webhooks`, webhookSecret: SECRET });
    });
    a = await instance();
  });
  afterEach(async () => {
    // Whatever a test left behind, the next one starts with Redis answering.
    redis.thaw();
    if (!redis.running) await redis.restart();
  });
  after(async () => {
    for (const x of instances) {
      await x.okid.close();
      await x.http.close();
      await x.hub.close();
    }
    await sandbox?.close();
    await redis?.stop();
  });

  it('Redis frozen mid-flow: final status on A within two poll intervals, new streams within 1 s, webhooks within 5 s', async () => {
    const id = await createV2(sandbox.url, { sandbox_outcome: 'verified' });
    const stream = await streamOnA(id);
    await stream.status('created', 1000);
    const phone = new Phone(sandbox.url, id);
    b.webhookAnswers.length = 0;

    redis.freeze();
    try {
      // A webhook during the freeze gets an answer in time.
      const started = Date.now();
      const answer = await postToB(signedEvent(id, 'in_progress', { terms: 'completed' }));
      const answeredMs = Date.now() - started;
      assert.ok(answer.status === 503 || (answer.status >= 200 && answer.status < 300), `webhook answered ${answer.status}`);
      assert.ok(answeredMs <= 5000, `webhook answered after ${answeredMs} ms`);

      // A new stream during the freeze: its snapshot within 1 s.
      const other = await createV2(sandbox.url);
      const opening = Date.now();
      const fresh = await streamOnA(other);
      await fresh.status('created', 1000);
      const firstSnapshotMs = Date.now() - opening;
      assert.ok(firstSnapshotMs <= 1000, `first snapshot after ${firstSnapshotMs} ms`);

      await phone.completeFlow();
      const happened = Date.now();
      const done = await stream.status('completed', 2 * POLL_MS + SLACK_MS);
      const tookMs = Date.now() - happened;
      console.log(`redis-faults: frozen Redis; webhook answered ${answer.status} in ${answeredMs} ms, new stream's snapshot in ${firstSnapshotMs} ms, final status ${tookMs} ms after it happened (poll ${POLL_MS} ms)`);
      assert.equal(done.outcome, 'verified');
      assert.ok(tookMs <= 2 * POLL_MS + SLACK_MS, `final status ${tookMs} ms after it happened`);
      await stream.waitEnd(2000);
      assertForwardOnly(stream);
      await fresh.cancel();
      // The sandbox's own deliveries to B during the freeze were answered in time too.
      for (const { status, ms } of b.webhookAnswers) {
        assert.ok(status === 503 || status === 200, `B answered a webhook ${status}`);
        assert.ok(ms <= 5000, `B answered a webhook after ${ms} ms`);
      }
      assert.ok(b.webhookAnswers.some((x) => x.status === 503), 'B said 503 while Redis was frozen, so okID retries');
    } finally {
      redis.thaw();
    }
    await sharedPathWorks();
    // Rate-limited: a few lines per kind, not one per call.
    const hubLines = [...a.logs, ...b.logs].filter((line) => /push hub/.test(line));
    assert.ok(hubLines.length > 0 && hubLines.length <= 12, `hub log lines: ${hubLines.length}\n${hubLines.join('\n')}`);
  });

  it('Redis killed mid-flow and started again: A keeps pushing, then goes back to the shared path', async () => {
    const id = await createV2(sandbox.url, { sandbox_outcome: 'verified' });
    const stream = await streamOnA(id);
    await stream.status('created', 1000);
    const phone = new Phone(sandbox.url, id);

    await redis.kill();
    await phone.open();
    await phone.acceptTerms();
    let happened = Date.now();
    await stream.status('in_progress', 2 * POLL_MS + SLACK_MS);
    assert.ok(Date.now() - happened <= 2 * POLL_MS + SLACK_MS, `in_progress ${Date.now() - happened} ms after it happened`);

    const started = Date.now();
    const answer = await postToB(signedEvent(id, 'in_progress', { terms: 'completed' }));
    assert.equal(answer.status, 503, 'okID is told to retry while Redis is down');
    assert.ok(Date.now() - started <= 5000, `webhook answered after ${Date.now() - started} ms`);

    const other = await createV2(sandbox.url);
    const opening = Date.now();
    const fresh = await streamOnA(other);
    await fresh.status('created', 1000);
    assert.ok(Date.now() - opening <= 1000, `first snapshot after ${Date.now() - opening} ms while Redis is down`);
    await fresh.cancel();

    await redis.restart();
    await phone.captureAll();
    await phone.submit();
    happened = Date.now();
    await stream.status('completed', 2 * POLL_MS + SLACK_MS);
    assert.ok(Date.now() - happened <= 2 * POLL_MS + SLACK_MS, `final status ${Date.now() - happened} ms after it happened`);
    await stream.waitEnd(2000);
    assertForwardOnly(stream);
    await sharedPathWorks();
  });

  it('Redis killed for good: streams on A still reach the final status, webhooks to B answer 503 in time', async () => {
    const id = await createV2(sandbox.url, { sandbox_outcome: 'rejected' });
    const stream = await streamOnA(id);
    await stream.status('created', 1000);
    await redis.kill();
    await new Phone(sandbox.url, id).completeFlow();
    const happened = Date.now();
    await stream.status('failed', 2 * POLL_MS + SLACK_MS);
    assert.ok(Date.now() - happened <= 2 * POLL_MS + SLACK_MS, `final status ${Date.now() - happened} ms after it happened`);
    assertForwardOnly(stream);
    const started = Date.now();
    const answer = await postToB(signedEvent(id, 'in_progress', {}));
    assert.equal(answer.status, 503);
    assert.ok(Date.now() - started <= 5000);
  });
  it('Redis frozen: a webhook A receives itself still reaches the streams on A at once (and okID is told to retry)', async () => {
    const id = await createV2(sandbox.url);
    const stream = await streamOnA(id);
    await stream.status('created', 1000);
    redis.freeze();
    try {
      const phone = new Phone(sandbox.url, id);
      await phone.open();
      await phone.acceptTerms();
      const event = signedEvent(id, 'in_progress', { terms: 'completed' });
      const answer = fetch(`${a.http.url}/okid/webhooks`, { method: 'POST', body: event.body, headers: event.headers });
      // A asks okID again at once and hands the answer to its own streams without the hub,
      // well before its next poll (every second) or the hub's deadline.
      await stream.status('in_progress', 500);
      assert.equal((await answer).status, 503);
      assertForwardOnly(stream);
      await stream.cancel();
    } finally {
      redis.thaw();
    }
  });

  it('Redis frozen and okID down: the stream is ended with retry: instead of kept on heartbeats', async () => {
    const down = await startSandbox({ port: 0, processingDelayMs: 0 });
    const hub = createRedisHub({ url: redis.url, keyPrefix: 'okid-faults:', onError: () => undefined });
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: down.url, hub, logger: { warn: () => undefined, error: () => undefined }, pollIntervalMs: 200, heartbeatMs: 200, sseRetryMs: 1500 });
    const http = await listen((req, res) => okid.node(req, res));
    try {
      const id = await createV2(down.url);
      const stream = await openStream(`${http.url}/okid/verifications/${id}/events`);
      await stream.status('created', 1000);
      await stream.until(() => stream.comments.includes('heartbeat'), 'a heartbeat while alive', 2000);
      redis.freeze();
      await down.close();
      const lost = Date.now();
      // Dead once neither answered for three poll intervals plus a hub deadline: ended at the
      // next heartbeat, well before an idle browser would notice.
      await stream.waitEnd(5000);
      const endedMs = Date.now() - lost;
      assert.equal(stream.retry, 1500, 'the last thing sent is when to reconnect');
      assert.deepEqual(stream.snapshots.map((x) => x.status), ['created']);
      console.log(`redis-faults: stream with Redis frozen and okID down ended after ${endedMs} ms`);
    } finally {
      redis.thaw();
      await okid.close();
      await http.close();
      await hub.close();
    }
  });
  it("an operator's own ioredis client with maxRetriesPerRequest: null still gets deadlines", async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const hub = createRedisHub({ client, keyPrefix: 'okid-faults-own:', onError: () => undefined, commandTimeoutMs: 500 });
    try {
      assert.equal(await hub.markSeen('before', 10_000), true);
      redis.freeze();
      const started = Date.now();
      await assert.rejects(hub.markSeen('during', 10_000), /did not answer within 500 ms/);
      await assert.rejects(hub.subscribe('ver_faults_own1', () => undefined), /did not answer within 500 ms/);
      assert.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms`);
    } finally {
      redis.thaw();
      await hub.close();
      client.disconnect();
    }
  });
});
