/**
 * Generated uploads against the sandbox's capture API over real HTTP (fast-check, bounded; a
 * failure prints the seed): device tokens (the bound device's, another verification's, forged,
 * empty, missing), idempotency keys, capture kinds and bodies. Every refusal is a 4xx in okID's
 * error format, nothing answers 5xx, and the image okID keeps is always one the bound device sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';

const API_KEY = 'sk_fuzz_sandbox';
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const jpeg = (tail: Uint8Array) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(tail), Buffer.from([0xff, 0xd9])]);
const headerSafe = (value: string) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value);

describe('sandbox capture API, generated uploads', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 0 });
  });
  after(async () => {
    await sandbox?.close();
  });

  async function openVerification(): Promise<{ id: string; token: string }> {
    const created = await fetch(`${sandbox.url}/api/generate-verification`, {
      method: 'POST',
      headers: { 'X-SDK-Key': API_KEY, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const { verificationId: id } = (await created.json()) as { verificationId: string };
    const flow = (await (await fetch(`${sandbox.url}/v1/flow/${id}`)).json()) as { deviceToken: string };
    const terms = await fetch(`${sandbox.url}/v1/flow/${id}/terms`, { method: 'POST', headers: { 'X-Okid-Device': flow.deviceToken } });
    assert.equal(terms.status, 200);
    return { id, token: flow.deviceToken };
  }

  test("only the bound device's JPEGs are stored; every other upload is a 4xx in okID's format", async () => {
    const mine = await openVerification();
    const other = await openVerification();
    let expectedFront: Buffer | undefined;
    const storedKinds = new Set<string>();
    let stored = 0;
    let refused = 0;

    const tokens = fc.oneof(
      { arbitrary: fc.constant(mine.token), weight: 8 },
      fc.constant(other.token),
      fc.constant(mine.token.toUpperCase()),
      fc.constant(`${mine.token} `.trim() + 'x'),
      fc.constant(mine.token.slice(0, -1)),
      fc.constant(undefined),
      fc.string({ maxLength: 80 }).filter(headerSafe),
    );
    const kinds = fc.oneof(
      { arbitrary: fc.constantFrom('document_front', 'document_back', 'selfie', 'liveness_0', 'liveness_1'), weight: 6 },
      fc.constantFrom('liveness_99', 'liveness_-1', 'liveness_01', 'document_front%00', '..%2fdocument_front', 'DOCUMENT_FRONT', 'selfie%2F..', 'front', ''),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
    );
    const keys = fc.option(fc.oneof(fc.uuid(), fc.constant(''), fc.constant('k'.repeat(256)), fc.string({ maxLength: 40 }).filter(headerSafe)), { nil: undefined });
    const bodies = fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 64 }).map(jpeg), weight: 6 },
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.constant(Buffer.alloc(0)),
      fc.constant(Buffer.from('{"__proto__":{"polluted":true}}')),
    );
    const targets = fc.oneof({ arbitrary: fc.constant(mine), weight: 5 }, fc.constant(other));
    const types = fc.constantFrom('image/jpeg', 'image/jpeg', 'image/jpeg', 'image/jpeg; charset=binary', 'image/png', 'application/json', undefined);

    await fc.assert(
      fc.asyncProperty(targets, tokens, kinds, keys, bodies, types, async (target, token, kind, key, body, type) => {
        const headers: Record<string, string> = {};
        if (token !== undefined && token !== '') headers['X-Okid-Device'] = token;
        if (key !== undefined && key !== '') headers['Idempotency-Key'] = key;
        if (type) headers['Content-Type'] = type;
        const response = await fetch(`${sandbox.url}/v1/flow/${target.id}/captures/${kind}`, { method: 'PUT', headers, body });
        const text = await response.text();
        assert.ok(response.status < 500, `answered ${response.status}: ${text}`);
        const accepted = response.status === 200 || response.status === 201;
        if (accepted) {
          assert.equal(token, target.token, `stored a capture sent with another device's token (${String(token)})`);
          stored++;
          if (target === mine) {
            storedKinds.add(kind);
            if (kind === 'document_front' && response.status === 201) expectedFront = body;
          }
        } else {
          refused++;
          assert.ok(response.status >= 400, `unexpected ${response.status}`);
          const error = JSON.parse(text) as { error?: unknown; details?: unknown };
          assert.equal(typeof error.error, 'string', `okID's error format: ${text}`);
        }
      }),
      { numRuns: RUNS },
    );

    // okID hands images out once submitted: complete the set with the bound device, then submit.
    const flow = (await (await fetch(`${sandbox.url}/v1/flow/${mine.id}`, { headers: { 'X-Okid-Device': mine.token } })).json()) as { liveness: { prompts: string[] } };
    const needed = ['document_front', 'document_back', 'selfie', ...flow.liveness.prompts.map((_, i) => `liveness_${i}`)];
    for (const kind of needed.filter((k) => !storedKinds.has(k))) {
      const body = jpeg(new Uint8Array([1, 2, 3]));
      const put = await fetch(`${sandbox.url}/v1/flow/${mine.id}/captures/${kind}`, { method: 'PUT', headers: { 'X-Okid-Device': mine.token, 'Content-Type': 'image/jpeg' }, body });
      assert.equal(put.status, 201, await put.text());
      if (kind === 'document_front') expectedFront = body;
    }
    const submit = await fetch(`${sandbox.url}/v1/flow/${mine.id}/submit`, {
      method: 'POST',
      headers: { 'X-Okid-Device': mine.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ documentType: 'id_card' }),
    });
    assert.equal(submit.status, 202, await submit.text());
    const front = await fetch(`${sandbox.url}/api/get-verification-image-front/${mine.id}`, { headers: { 'X-SDK-Key': API_KEY } });
    assert.equal(front.status, 200);
    assert.ok(Buffer.from(await front.arrayBuffer()).equals(expectedFront!), 'okID keeps the front image the bound device sent last');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(stored > 0 && refused > 0, `both stored (${stored}) and refused (${refused}) uploads were tried`);
    console.log(`fuzz-sandbox: ${RUNS} uploads, ${stored} stored, ${refused} refused`);
  });
});
