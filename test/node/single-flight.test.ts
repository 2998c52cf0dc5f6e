/**
 * One okID read per verification at a time, however it is asked: concurrent status GETs share
 * one read, a second's worth of GETs share its answer, an unknown id's 404 is remembered, and
 * GETs of a verification an event stream watches are answered from the watch. Over real HTTP,
 * against the real sandbox, counting the calls that reach it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatusSnapshot } from '../../src/core/protocol.js';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { SharedReads } from '../../src/server/status/shared-reads.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV2, eventually, listen, recordingFetch } from './proxy-helpers.js';
import type { Listening, UpstreamCall } from './proxy-helpers.js';
import { openStream } from './sse-helpers.js';

const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

describe('single flight of okID reads', () => {
  let sandbox: Sandbox;
  let okid: OkidProxy;
  let http: Listening;
  let calls: UpstreamCall[];
  const get = (id: string) =>
    fetch(`${http.url}/okid/verifications/${id}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as StatusSnapshot & { code?: string },
    }));
  const readsOf = (id: string) => calls.filter((c) => c.url.includes(id)).length;

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
    const recording = recordingFetch();
    calls = recording.calls;
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, fetch: recording.fetch, logger: silent, pollIntervalMs: 2000, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity, unknownReadsPerClient: Infinity } });
    http = await listen((req, res) => okid.node(req, res));
  });
  after(async () => {
    await okid.close();
    await http.close();
    await sandbox.close();
  });

  it('1,000 concurrent status GETs of one id cost about one okID read a second', { timeout: 30_000 }, async () => {
    const id = await createV2(sandbox.url);
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: 1000 }, () => get(id)));
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(answers.every((a) => a.status === 200 && a.body.status === 'created'));
    // Opening a thousand connections on 2 shared cores takes seconds: one read per second begun.
    assert.ok(readsOf(id) <= Math.ceil(seconds), `${readsOf(id)} okID reads for 1,000 GETs in ${seconds.toFixed(1)} s`);
  });

  it('browsers polling one id for 3 s cost about one okID read a second, and see a change within it', { timeout: 30_000 }, async () => {
    const id = await createV2(sandbox.url);
    const t0 = Date.now();
    let answered = 0;
    let stop = false;
    // 50 browsers polling as fast as the server answers: thousands of GETs in 3 s.
    const browsers = Array.from({ length: 50 }, async () => {
      while (!stop) {
        assert.equal((await get(id)).status, 200);
        answered += 1;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await new Phone(sandbox.url, id).open();
    const opened = Date.now();
    await eventually(() => get(id), (a) => a.body.status === 'opened', 2000);
    const seenAfterMs = Date.now() - opened;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - t0))));
    stop = true;
    await Promise.all(browsers);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(answered > 500, `many GETs answered (${answered})`);
    assert.ok(readsOf(id) <= Math.ceil(seconds) + 1, `${readsOf(id)} okID reads for ${answered} GETs in ${seconds.toFixed(1)} s`);
    assert.ok(seenAfterMs <= 1500, `the change showed ${seenAfterMs} ms after it happened`);
  });

  it("an unknown id's 404 is remembered briefly: 200 GETs, one okID read", async () => {
    const id = 'ver_single_flight_unknown1';
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(id)));
    for (let n = 0; n < 100; n += 1) answers.push(await get(id));
    assert.ok(answers.every((a) => a.status === 404 && a.body.code === 'VERIFICATION_NOT_FOUND'));
    assert.equal(readsOf(id), 1);
  });

  it('GETs of a watched verification are answered from the watch, and never behind the stream', { timeout: 30_000 }, async () => {
    const id = await createV2(sandbox.url);
    const stream = await openStream(`${http.url}/okid/verifications/${id}/events`);
    await stream.status('created');
    const afterOpen = readsOf(id);
    const answers = await Promise.all(Array.from({ length: 200 }, () => get(id)));
    assert.ok(answers.every((a) => a.body.status === 'created'));
    assert.equal(readsOf(id), afterOpen, 'no okID read for GETs while the stream watches');
    await new Phone(sandbox.url, id).open();
    await stream.status('opened', 4000);
    // The stream has it: a GET right after must not answer an older status.
    assert.equal((await get(id)).body.status, 'opened');
    await stream.cancel();
  });
});

describe('SharedReads', () => {
  it('a caller that leaves does not abort the read for the others; the last one to leave does', async () => {
    const signals: AbortSignal[] = [];
    let answer!: () => void;
    const snapshot: StatusSnapshot = { verificationId: 'ver_shared_abort1', status: 'created', progress: {}, updatedAt: '2025-01-01T00:00:00Z', expiresAt: '' };
    const reads = new SharedReads({
      read: (_id, signal) => {
        signals.push(signal);
        return new Promise((resolve, reject) => {
          answer = () => resolve({ snapshot });
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
      },
    });
    const [one, two] = [new AbortController(), new AbortController()];
    const first = reads.read('ver_shared_abort1', one.signal);
    const second = reads.read('ver_shared_abort1', two.signal);
    one.abort();
    await assert.rejects(first, { name: 'ClientGoneError' });
    assert.equal(signals[0]!.aborted, false, 'still wanted by the second caller');
    answer();
    assert.deepEqual((await second).snapshot, snapshot);
    assert.equal(signals.length, 1);

    const three = new AbortController();
    const third = reads.read('ver_shared_abort2', three.signal);
    three.abort();
    await assert.rejects(third, { name: 'ClientGoneError' });
    assert.equal(signals[1]!.aborted, true, 'nobody left: okID is no longer asked');
  });
});
