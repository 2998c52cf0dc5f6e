/**
 * `startSandbox({ captureApi: false })`: the sandbox acts as okID does today. Its capture API
 * answers only its own `/verify` page and 404s every other origin in okID's error format, while
 * the keyed APIs and the portal page keep working. Real HTTP against a real sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { call, createV2, details, jpeg } from './sandbox-helpers.js';

describe('sandbox with captureApi: false', () => {
  let sandbox: Sandbox;
  const frontendUrl = 'https://portal.example.test';

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0, captureApi: false, frontendUrl });
  });
  after(() => sandbox?.close());

  it('answers 404 in okID’s error format to another origin, to a page without Origin, and to null', async () => {
    const id = await createV2(sandbox);
    for (const headers of [{ Origin: 'https://shop.example' }, {}, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }] as Record<string, string>[]) {
      const read = await call(sandbox, `/v1/flow/${id}`, { headers });
      assert.equal(read.status, 404, JSON.stringify(headers));
      assert.equal(typeof read.body.error, 'string');
      assert.equal(typeof read.body.details, 'string');
      assert.equal(read.body.deviceToken, undefined);
    }
    const write = await call(sandbox, `/v1/flow/${id}/cancel`, { method: 'POST', headers: { Origin: 'https://shop.example' } });
    assert.equal(write.status, 404);
    const preflight = await fetch(`${sandbox.url}/v1/flow/${id}/terms`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 404);
    // Nothing above opened the verification: okID still says `generated`.
    assert.equal((await details(sandbox, id)).body.status.current, 'generated');
  });

  it('serves the whole flow to its own /verify page (its own origin, or the frontendUrl’s)', async () => {
    const id = await createV2(sandbox);
    const own = new URL(sandbox.url).origin;
    // A same-origin GET carries no Origin in a browser, only Sec-Fetch-Site.
    const flow = await call(sandbox, `/v1/flow/${id}`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(flow.status, 200);
    const device = { 'X-Okid-Device': flow.body.deviceToken as string };
    assert.equal((await call(sandbox, `/v1/flow/${id}/terms`, { method: 'POST', headers: { ...device, Origin: own } })).status, 200);
    for (const kind of ['document_front', 'document_back', 'selfie', ...flow.body.liveness.prompts.map((_: string, i: number) => `liveness_${i}`)]) {
      const put = await call(sandbox, `/v1/flow/${id}/captures/${kind}`, {
        method: 'PUT',
        headers: { ...device, Origin: frontendUrl, 'Content-Type': 'image/jpeg', 'Idempotency-Key': kind },
        body: new Uint8Array(jpeg()),
      });
      assert.ok(put.status < 300, `${kind}: ${put.status}`);
    }
    const submitted = await call(sandbox, `/v1/flow/${id}/submit`, {
      method: 'POST',
      headers: { ...device, Origin: own, 'Content-Type': 'application/json' },
      body: JSON.stringify({ documentType: 'id_card' }),
    });
    assert.equal(submitted.status < 300, true, JSON.stringify(submitted.body));
    for (let i = 0; i < 50 && (await details(sandbox, id)).body.status.current === 'processing'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await details(sandbox, id)).body.status.current, 'verified');
  });

  it('still serves the portal page, which okID’s verification URLs point at', async () => {
    const id = await createV2(sandbox);
    const page = await fetch(`${sandbox.url}/verify?verification_id=${id}`);
    assert.ok(page.status === 200 || page.status === 503, `the /verify page answers (${page.status})`);
    await page.body?.cancel();
  });

  it('refuses a captureApi that is not a boolean', async () => {
    await assert.rejects(startSandbox({ port: 0, captureApi: 'no' as unknown as boolean }), /captureApi must be true or false/);
  });
});

describe('sandbox with the capture API on (the default)', () => {
  it('answers any origin, as before', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const id = await createV2(sandbox);
      const read = await call(sandbox, `/v1/flow/${id}`, { headers: { Origin: 'https://shop.example' } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get('access-control-allow-origin'), '*');
    } finally {
      await sandbox.close();
    }
  });
});
