/**
 * Bounded load on 127.0.0.1: 1,000 concurrent event streams on one verification of one proxy
 * instance all receive the final status, while okID sees one read plus one poll per interval,
 * not one per stream. Bounded in time (the test fails past 60 s) and in count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxyLogger } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { API_KEY, Phone, createV2, listen, recordingFetch } from './proxy-helpers.js';
import { openStream } from './sse-helpers.js';

const STREAMS = 1000;
const POLL_MS = 250;
const silent: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

describe('load', () => {
  it(`${STREAMS} concurrent streams all get the final status for a bounded number of upstream calls`, { timeout: 60_000 }, async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 200 });
    const { fetch: upstreamFetch, calls } = recordingFetch();
    const okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, fetch: upstreamFetch, logger: silent, pollIntervalMs: POLL_MS, limits: { streamsPerClient: Infinity, streamsPerInstance: Infinity } });
    const http = await listen((req, res) => okid.node(req, res));
    try {
      const id = await createV2(sandbox.url, { sandbox_outcome: 'verified' });
      const t0 = Date.now();
      const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(`${http.url}/okid/verifications/${id}/events`)));
      await Promise.all(streams.map((s) => s.status('created', 20_000)));
      const connectedMs = Date.now() - t0;

      await new Phone(sandbox.url, id).completeFlow();
      await Promise.all(streams.map((s) => s.status('completed', 20_000)));
      await Promise.all(streams.map((s) => s.waitEnd(5000)));
      const elapsedMs = Date.now() - t0;

      const upstream = calls.filter((c) => c.url.includes(id)).length;
      // One first read, then one poll per interval at most (plus slack for timer drift).
      const bound = 2 + Math.ceil(elapsedMs / POLL_MS);
      assert.ok(upstream <= bound, `${upstream} upstream calls for ${STREAMS} streams in ${elapsedMs} ms (bound ${bound})`);
      assert.ok(upstream < STREAMS / 10, 'far fewer than one per stream');
      for (const stream of streams) assert.equal(stream.snapshots.at(-1)!.status, 'completed');
      console.log(`load: ${STREAMS} streams connected in ${connectedMs} ms, all final after ${elapsedMs} ms, ${upstream} upstream calls`);
    } finally {
      await okid.close();
      await http.close();
      await sandbox.close();
    }
  });
});
