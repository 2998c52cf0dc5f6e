/**
 * The sandbox stays small on a long demo: ended verifications are forgotten after
 * `retainEndedMs`, one verification's capture bytes are capped (413 in okID's error format), and
 * the memory of a process that ran hundreds of verifications with captures returns to where it
 * started. The memory runs happen in a child process with --expose-gc (see
 * sandbox-memory-child.ts), so the heap measured is the sandbox's alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox } from '../../src/sandbox/index.js';
import { VerificationStore } from '../../src/sandbox/store.js';
import { KEY, acceptTerms, call, createV2, details, jpeg, openFlow, putCapture, runPhoneFlow, waitFor, waitForOutcome } from './sandbox-helpers.js';

const MB = 1024 * 1024;

describe('retention of ended verifications', () => {
  test('finished, canceled and expired verifications answer 404 once retainEndedMs has passed; open ones stay', async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, retainEndedMs: 300, ttlSeconds: 1 });
    try {
      const finished = await createV2(sandbox);
      await runPhoneFlow(sandbox, finished, 'passport');
      assert.equal((await waitForOutcome(sandbox, finished)).body.status.current, 'verified');
      const canceled = await createV2(sandbox);
      const { token } = await openFlow(sandbox, canceled);
      assert.equal((await call(sandbox, `/v1/flow/${canceled}/cancel`, { method: 'POST', headers: { 'X-Okid-Device': token } })).status, 200);
      const expiring = await createV2(sandbox);

      // Still there right after ending: the desktop and the webhook consumer can read the outcome.
      assert.equal((await details(sandbox, finished)).status, 200);
      assert.equal((await details(sandbox, canceled)).status, 200);
      const gone = (id: string) => waitFor(() => details(sandbox, id), (res) => res.status === 404, 5000);
      await gone(finished);
      await gone(canceled);
      // Expiry (ttl 1 s) ends the third, and it goes 300 ms later.
      await waitFor(() => details(sandbox, expiring), (res) => res.body?.status?.current === 'expired' || res.status === 404, 3000);
      const afterEnd = await gone(expiring);
      assert.equal(typeof afterEnd.body.error, 'string', 'the 404 of an unknown id, in okID error format');
      assert.equal((await call(sandbox, `/v1/flow/${finished}`)).status, 404);
    } finally {
      await sandbox.close();
    }
  });

  test('only ended verifications are dropped: an open one stays until it ends', async () => {
    let now = 1_000_000;
    const store = new VerificationStore({ ttlMs: 60_000, processingDelayMs: 0, onEvent: () => {}, now: () => now, retainEndedMs: 0 });
    const input = { api: 'v2', apiKey: KEY, extraData: null, returnUrl: null, outcome: 'verified' } as const;
    const open = store.create(input);
    const ended = store.create(input);
    store.open(ended, undefined);
    store.cancel(ended);
    assert.equal(store.size, 2, 'dropped on a timer, not while the canceling call is still running');
    await waitFor(async () => store.size, (size) => size === 1);
    assert.equal(store.get(ended.id), undefined);
    now += 30_000;
    assert.equal(store.get(open.id)?.status, 'generated');
    store.close();
  });
});

describe('capture bytes per verification', () => {
  test('an upload past maxCaptureBytes is a 413 in okID error format; a retake replaces its kind and fits', async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, maxCaptureBytes: 10_000 });
    try {
      const id = await createV2(sandbox);
      const { token } = await openFlow(sandbox, id);
      await acceptTerms(sandbox, id, token);
      assert.equal((await putCapture(sandbox, id, token, 'document_front', jpeg(6000))).status, 201);
      const refused = await putCapture(sandbox, id, token, 'document_back', jpeg(6000));
      assert.equal(refused.status, 413);
      assert.equal(refused.body.error, 'Captures too large');
      assert.match(refused.body.details, /at most 10000 bytes/);
      assert.match(refused.headers.get('content-type') ?? '', /application\/json/);
      // Nothing was stored for the refused kind; the verification still works.
      const retake = await putCapture(sandbox, id, token, 'document_front', jpeg(3000));
      assert.equal(retake.status, 201);
      assert.equal((await putCapture(sandbox, id, token, 'document_back', jpeg(5000))).status, 201);
      const flow = await call(sandbox, `/v1/flow/${id}`, { headers: { 'X-Okid-Device': token } });
      assert.equal(flow.status, 200);
    } finally {
      await sandbox.close();
    }
  });

  test('endless retakes with new Idempotency-Keys do not grow the record', async () => {
    let now = 1_000_000;
    const store = new VerificationStore({ ttlMs: 60_000, processingDelayMs: 0, onEvent: () => {}, now: () => now++ });
    const record = store.create({ api: 'v2', apiKey: KEY, extraData: null, returnUrl: null, outcome: 'verified' });
    store.open(record, undefined);
    store.acceptTerms(record);
    for (let n = 0; n < 500; n += 1) store.putCapture(record, 'selfie', jpeg(100), `key-${n}`, null);
    assert.ok(record.idempotency.size <= 64, `${record.idempotency.size} answers kept`);
    assert.equal(record.idempotency.has('key-499'), true, 'the latest retry still replays');
    assert.equal(store.captureBytes, 104);
    store.close();
  });

  test('startSandbox refuses a negative retainEndedMs and a zero maxCaptureBytes', async () => {
    await assert.rejects(startSandbox({ port: 0, retainEndedMs: -1 }), /retainEndedMs/);
    await assert.rejects(startSandbox({ port: 0, maxCaptureBytes: 0 }), /maxCaptureBytes/);
  });
});

const child = fileURLToPath(new URL('./sandbox-memory-child.ts', import.meta.url));
async function memoryRun(rounds: number, perRound: number, captureBytes: number, retainEndedMs: number) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', child, String(rounds), String(perRound), String(captureBytes), String(retainEndedMs)],
    { timeout: 120_000, maxBuffer: MB },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { samples: number[]; uploaded: number };
}

describe('a long demo', () => {
  test('memory returns to where it started after hundreds of verifications with captures', { timeout: 150_000 }, async () => {
    const { samples, uploaded } = await memoryRun(6, 60, 100_000, 50);
    const [start, ...rounds] = samples as [number, ...number[]];
    const mb = (n: number) => (n / MB).toFixed(1);
    console.log(`sandbox memory (heap + buffers) after each round of 60 verifications: ${[start, ...rounds].map(mb).join(' → ')} MB; ${mb(uploaded)} MB uploaded`);
    assert.ok(uploaded > 200 * MB, `${mb(uploaded)} MB uploaded`);
    // Flat: the first round warms up (JIT, sockets); from then on no round adds more than a
    // little, and the last is within 8 MB of the start, against 200+ MB that went through.
    assert.ok(rounds.at(-1)! - start < 8 * MB, `grew ${mb(rounds.at(-1)! - start)} MB`);
    assert.ok(rounds.at(-1)! - rounds[0]! < 3 * MB, `rounds 1 → 6 grew ${mb(rounds.at(-1)! - rounds[0]!)} MB`);
  });

  test('the same run without retention holds every capture: the measurement can see a leak', { timeout: 60_000 }, async () => {
    const { samples, uploaded } = await memoryRun(1, 60, 100_000, 3_600_000);
    const grew = samples[1]! - samples[0]!;
    assert.ok(grew > uploaded * 0.8, `grew ${(grew / MB).toFixed(1)} MB of ${(uploaded / MB).toFixed(1)} MB uploaded`);
  });
});
