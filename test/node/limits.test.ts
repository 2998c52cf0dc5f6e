/**
 * Issue 9: the proxy's limits and safe defaults, over real HTTP against the real sandbox. Each
 * limit is reached and answered 429 `RATE_LIMITED` with `Retry-After`, then recovers; clients are
 * told apart by socket address, or through `X-Forwarded-For` only with `trustProxy`; the missing
 * `authorize` hook is said once at start; repeated refusals log one line per minute.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger, OkidProxyOptions } from '../../src/server/index.js';
import { createClientResolver } from '../../src/server/http/client-address.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen, recordingFetch, request } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';
import { SseReader, openStream } from './sse-helpers.js';

const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 429 as the contract says: `RATE_LIMITED`, a `Retry-After` in whole seconds. Returns the seconds. */
async function assertLimited(response: Response, what: string): Promise<number> {
  const text = await response.text();
  assert.equal(response.status, 429, `${what}: ${response.status} ${text}`);
  assert.equal((JSON.parse(text) as { code: string }).code, 'RATE_LIMITED', what);
  const retryAfter = response.headers.get('Retry-After');
  assert.match(retryAfter ?? '', /^[1-9]\d*$/, `${what}: Retry-After ${retryAfter}`);
  return Number(retryAfter);
}

describe('proxy limits', () => {
  let sandbox: Sandbox;
  const running: { okid: OkidProxy; http: Listening }[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(async () => {
    for (const { okid, http } of running) {
      await okid.close();
      await http.close();
    }
    await sandbox.close();
  });

  /** A proxy over okid.node on 127.0.0.1:0, with a recording upstream and a counting create hook. */
  async function start(options: Partial<OkidProxyOptions> = {}) {
    const recording = recordingFetch();
    const hook = { runs: 0 };
    const okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      fetch: recording.fetch,
      logger: silent,
      authorize: 'public',
      create: () => ((hook.runs += 1), {}),
      ...options,
    });
    const http = await listen((req, res) => okid.node(req, res));
    running.push({ okid, http });
    const post = (headers: Record<string, string> = {}) => fetch(`${http.url}/okid/verifications`, { method: 'POST', headers });
    const calls: UpstreamCall[] = recording.calls;
    return { okid, http, hook, calls, post };
  }

  it('without authorize, one warning at start names the risk and both options; authorize or "public" silence it', async () => {
    const warnings: string[] = [];
    const logger: OkidProxyLogger = { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
    const open = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger });
    assert.equal(warnings.length, 1, 'exactly one line at start');
    assert.match(warnings[0]!, /anyone who knows a verification id/);
    assert.match(warnings[0]!, /status/);
    assert.match(warnings[0]!, /stream/);
    assert.match(warnings[0]!, /QR code/);
    assert.match(warnings[0]!, /authorize\(request, verificationId\)/);
    assert.match(warnings[0]!, /authorize: 'public'/);
    // Requests do not repeat it.
    const id = await createV2(sandbox.url);
    for (let i = 0; i < 3; i += 1) assert.equal((await open.fetch(request(`/okid/verifications/${id}`), { clientAddress: '192.0.2.1' })).status, 200);
    assert.equal(warnings.length, 1, 'still one line after requests');
    await open.close();

    createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger, authorize: 'public' }).close();
    createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger, authorize: () => true }).close();
    assert.equal(warnings.length, 1, "'public' and a hook start silently");

    // 'public' leaves the routes open; anything else is refused at creation.
    const publicProxy = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger: silent, authorize: 'public' });
    assert.equal((await publicProxy.fetch(request(`/okid/verifications/${id}`))).status, 200);
    await publicProxy.close();
    assert.throws(() => createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, logger: silent, authorize: 'open' as 'public' }), /authorize/);
  });

  it('validates limits and trustProxy at creation, naming the option', () => {
    const base = { apiKey: API_KEY, baseUrl: sandbox.url, logger: silent, authorize: 'public' as const };
    for (const [extra, pattern] of [
      [{ limits: { streamsPerClient: 0 } }, /limits\.streamsPerClient/],
      [{ limits: { createsPerClient: 1.5 } }, /limits\.createsPerClient/],
      [{ limits: { windowMs: Infinity } }, /limits\.windowMs/],
      [{ limits: { createsPerMinute: 3 } }, /createsPerMinute/],
      [{ trustProxy: 0 }, /trustProxy/],
      [{ trustProxy: [] }, /trustProxy/],
      [{ trustProxy: ['10.0.0.0/33'] }, /trustProxy/],
      [{ trustProxy: ['proxy.internal'] }, /trustProxy/],
    ] as [Partial<OkidProxyOptions>, RegExp][]) {
      assert.throws(() => createOkidProxy({ ...base, ...extra }), pattern, JSON.stringify(extra));
    }
  });

  it('creates per client: 429 with Retry-After past the limit, before the hook and okID; then recovers', async () => {
    const { hook, calls, post } = await start({ limits: { createsPerClient: 3, windowMs: 1000 } });
    for (let i = 0; i < 3; i += 1) assert.equal((await post()).status, 201);
    const seconds = await assertLimited(await post(), 'fourth create');
    assert.equal(hook.runs, 3, 'the hook did not run for the refused request');
    assert.equal(calls.filter((c) => c.method === 'POST').length, 3, 'okID generated three, not four');
    await sleep(seconds * 1000);
    assert.equal((await post()).status, 201, 'a new window lets the client create again');
  });

  it('X-Forwarded-For is ignored without trustProxy: a spoofed header cannot dodge the create limit', async () => {
    const { post } = await start({ limits: { createsPerClient: 2, windowMs: 60_000 } });
    assert.equal((await post({ 'X-Forwarded-For': '198.51.100.1' })).status, 201);
    assert.equal((await post({ 'X-Forwarded-For': '198.51.100.2' })).status, 201);
    await assertLimited(await post({ 'X-Forwarded-For': '198.51.100.3' }), 'a third create under another claimed address');
  });

  it('with trustProxy, the first untrusted X-Forwarded-For hop is the client; entries the client wrote are not believed', async () => {
    const { post } = await start({ trustProxy: true, limits: { createsPerClient: 2, windowMs: 60_000 } });
    // The proxy in front (the socket peer, trusted) appended 203.0.113.7; the rest came from the client.
    for (const spoof of ['198.51.100.1', '198.51.100.2']) assert.equal((await post({ 'X-Forwarded-For': `${spoof}, 203.0.113.7` })).status, 201);
    await assertLimited(await post({ 'X-Forwarded-For': '198.51.100.3, 203.0.113.7' }), 'the same client behind a new spoofed entry');
    // Another client behind the same proxy has its own count.
    assert.equal((await post({ 'X-Forwarded-For': '203.0.113.8' })).status, 201);

    const { post: postListed } = await start({ trustProxy: ['127.0.0.1', '10.0.0.0/8'], limits: { createsPerClient: 1, windowMs: 60_000 } });
    // Two trusted hops (127.0.0.1, then 10.1.2.3): the client is 203.0.113.9 whatever it wrote before.
    assert.equal((await postListed({ 'X-Forwarded-For': '192.0.2.1, 203.0.113.9, 10.1.2.3' })).status, 201);
    await assertLimited(await postListed({ 'X-Forwarded-For': '192.0.2.2, 203.0.113.9, 10.1.2.3' }), 'listed proxies, same client');
    assert.equal((await postListed({ 'X-Forwarded-For': '203.0.113.10, 10.1.2.3' })).status, 201);
  });

  it('client resolution: hops counted from the socket, malformed entries never trusted', () => {
    const none = createClientResolver(undefined);
    assert.equal(none('::ffff:127.0.0.1', '1.2.3.4'), '127.0.0.1');
    const two = createClientResolver(2);
    assert.equal(two('10.0.0.1', '1.1.1.1, 2.2.2.2, 10.0.0.2'), '2.2.2.2');
    assert.equal(two('10.0.0.1', null), '10.0.0.1', 'no header: the socket');
    assert.equal(createClientResolver(true)('10.0.0.1', 'not-an-ip'), '10.0.0.1', 'garbage: the hop that wrote it');
    const listed = createClientResolver(['10.0.0.0/8', 'fd00::/8']);
    assert.equal(listed('10.0.0.1', '203.0.113.1, fd00::5'), '203.0.113.1');
    assert.equal(listed('192.0.2.1', '203.0.113.1'), '192.0.2.1', 'an untrusted peer: its header is ignored');
  });

  it('unknown-id reads per client: 429 without an okID call past the limit, then recovers', async () => {
    const { http, calls } = await start({ limits: { unknownReadsPerClient: 3, windowMs: 1000 } });
    const get = (id: string, path = '') => fetch(`${http.url}/okid/verifications/${id}${path}`);
    const ids = ['ver_guess_0001', 'ver_guess_0002', 'ver_guess_0003', 'ver_guess_0004'];
    assert.equal((await get(ids[0]!)).status, 404);
    assert.equal((await get(ids[1]!, '/qrcode.png')).status, 404);
    assert.equal((await get(ids[2]!, '/events')).status, 404);
    const before = calls.length;
    const seconds = await assertLimited(await get(ids[3]!), 'a fourth unknown id');
    await assertLimited(await get(ids[3]!, '/events'), 'the stream route too');
    assert.equal(calls.length, before, 'okID was not asked');
    await sleep(seconds * 1000);
    assert.equal((await get(ids[3]!)).status, 404, 'a new window asks okID again');
    assert.equal(calls.length, before + 1);
    const known = await createV2(sandbox.url);
    assert.equal((await get(known)).status, 200);
  });

  it('streams per client and per instance: 429 with Retry-After, and a freed slot is taken again', async () => {
    const { http } = await start({ heartbeatMs: 50, limits: { streamsPerClient: 2, streamsPerInstance: 3 }, trustProxy: true });
    const id = await createV2(sandbox.url);
    const url = `${http.url}/okid/verifications/${id}/events`;
    const as = (client: string) => ({ 'X-Forwarded-For': client });
    const a1 = await openStream(url, as('203.0.113.1'));
    const a2 = await openStream(url, as('203.0.113.1'));
    await assertLimited(await fetch(url, { headers: as('203.0.113.1') }), 'a third stream of one client');
    const b1 = await openStream(url, as('203.0.113.2'));
    await assertLimited(await fetch(url, { headers: as('203.0.113.3') }), 'a fourth stream on the instance');
    await a1.cancel();
    // The slot comes back once the proxy sees the connection close.
    let again: Response | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i += 1) {
      await again?.body?.cancel();
      again = await fetch(url, { headers: as('203.0.113.3') });
      if (again.status !== 200) await sleep(20);
    }
    assert.equal(again?.status, 200, 'a freed slot is taken again');
    const c1 = new SseReader(again!);
    await c1.status('created');
    for (const stream of [a2, b1, c1]) await stream.cancel();
  });

  it('a stream past its lifetime ends with retry:, and the reconnect repeats nothing', async () => {
    const { http } = await start({ heartbeatMs: 50, sseRetryMs: 700, limits: { streamLifetimeMs: 300 } });
    const id = await createV2(sandbox.url);
    const url = `${http.url}/okid/verifications/${id}/events`;
    const started = Date.now();
    const first = await openStream(url);
    await first.status('created');
    await first.waitEnd(3000);
    const lived = Date.now() - started;
    assert.ok(lived >= 300 && lived < 2000, `ended after ${lived} ms`);
    assert.equal(first.retry, 700, 'retry: tells the browser when to come back');
    assert.equal(first.snapshots.length, 1);
    // What an EventSource does next: reconnect with the last id it saw.
    const second = await openStream(url, { 'Last-Event-ID': first.events.at(-1)!.id! });
    await second.until(() => second.comments.includes('heartbeat'), 'a heartbeat');
    assert.equal(second.snapshots.length, 0, 'the same snapshot is not sent twice');
    await second.cancel();
  });

  it('repeated refusals log one line per kind per minute, with a count', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const warnings: string[] = [];
      const okid = createOkidProxy({
        apiKey: API_KEY,
        baseUrl: sandbox.url,
        authorize: 'public',
        create: () => ({}),
        logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      });
      const cross = () => okid.fetch(request('/okid/verifications', { method: 'POST', headers: { Origin: 'https://evil.test' } }));
      for (let i = 0; i < 20; i += 1) assert.equal((await cross()).status, 403);
      assert.equal(warnings.length, 1, `one line for 20 refusals: ${JSON.stringify(warnings)}`);
      mock.timers.tick(61_000);
      assert.equal((await cross()).status, 403);
      assert.equal(warnings.length, 2);
      assert.match(warnings[1]!, /19 more like it/);
      await okid.close();
    } finally {
      mock.timers.reset();
    }
  });
});
