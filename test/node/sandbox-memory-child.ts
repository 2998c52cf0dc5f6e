/**
 * Child process of sandbox-retention.test.ts (run with --expose-gc, so its heap is its own and
 * can be collected on demand): runs rounds of whole verifications with captures through a real
 * sandbox over HTTP, waits until the sandbox forgot them, and prints the memory after each
 * round as one JSON line on stdout.
 *
 * argv: rounds, verifications per round, capture bytes, retainEndedMs.
 */
import { startSandbox } from '../../src/sandbox/index.js';
import { acceptTerms, createV2, details, jpeg, openFlow, putCapture, submit, waitFor } from './sandbox-helpers.js';

const [rounds, perRound, captureBytes, retainEndedMs] = process.argv.slice(2).map(Number) as [number, number, number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

// The sandbox allows 100 generations a minute per key; enough keys for every round.
const keys = Array.from({ length: Math.ceil((rounds * perRound) / 90) + 2 }, (_, n) => `sk_sandbox_mem${n}`);
const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, apiKey: keys, retainEndedMs });
let made = 0;

/**
 * One verification as a phone runs it, with captures of `captureBytes` each (a long demo's are
 * real photos); resolves once the sandbox reports the outcome. Returns the bytes uploaded.
 */
async function oneVerification(): Promise<{ id: string; key: string; bytes: number }> {
  const key = keys[Math.floor(made++ / 90)]!;
  const id = await createV2(sandbox, undefined, key);
  const { token, prompts } = await openFlow(sandbox, id);
  await acceptTerms(sandbox, id, token);
  let bytes = 0;
  for (const kind of ['document_front', 'document_back', 'selfie', ...prompts.map((_, n) => `liveness_${n}`)]) {
    const image = jpeg(captureBytes);
    const res = await putCapture(sandbox, id, token, kind, image);
    if (res.status !== 201) throw new Error(`capture ${kind}: ${res.status} ${JSON.stringify(res.body)}`);
    bytes += image.length;
  }
  const done = await submit(sandbox, id, token, 'id_card');
  if (done.status !== 202) throw new Error(`submit: ${done.status}`);
  // With a short retention it may be verified and already forgotten by the next look.
  await waitFor(() => details(sandbox, id, key), (res) => res.body?.status?.current === 'verified' || res.status === 404);
  return { id, key, bytes };
}

/** Memory that a held capture would show in: the JS heap and Buffers outside it. */
async function settle(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const samples: number[] = [];
samples.push(await settle());
let uploaded = 0;
for (let round = 0; round < rounds; round += 1) {
  const ids: Array<{ id: string; key: string }> = [];
  for (let batch = 0; batch < perRound; batch += 10) {
    const done = await Promise.all(
      Array.from({ length: Math.min(10, perRound - batch) }, async () => {
        const v = await oneVerification();
        uploaded += v.bytes;
        return v;
      }),
    );
    ids.push(...done);
  }
  if (retainEndedMs < 60_000) {
    // Every verification of the round is forgotten: its id answers 404 as an unknown one.
    for (const v of ids) await waitFor(() => details(sandbox, v.id, v.key), (res) => res.status === 404, retainEndedMs + 5000);
  }
  samples.push(await settle());
}
await sandbox.close();
process.stdout.write(`${JSON.stringify({ samples, uploaded })}\n`);
