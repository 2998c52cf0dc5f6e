/**
 * Issue 19, parts 3 and 6 in the sandbox: unknown `startSandbox` option names refused with the
 * nearest known one, okID v1 on its own origin (`v1Port`, `sandbox.v1Url`), and the documents'
 * own dialect (`dialect: 'documented'`, `okid-sandbox --dialect documented`): answers with only
 * the fields and words okID's documents show, webhooks signed as HMAC of the body. Real HTTP.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/sandbox/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { KEY, runPhoneFlow, waitFor } from './sandbox-helpers.js';

const SECRET = 'whsec_dialect';

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const generateV1 = (base: string, metadata: Record<string, unknown> = {}) =>
  json(`${base}/v1/verification/generate`, { method: 'POST', headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata }) });
const generateV2 = (base: string) =>
  json(`${base}/api/generate-verification`, { method: 'POST', headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' }, body: '{}' });

test('unknown startSandbox option names are refused at start, naming the nearest known one', async () => {
  await assert.rejects(startSandbox({ port: 0, webhookSecrett: 'x' } as never), {
    name: 'TypeError',
    message: 'startSandbox: unknown option "webhookSecrett"; did you mean "webhookSecret"?',
  });
  await assert.rejects(startSandbox({ port: 0, v1port: 0 } as never), /did you mean "v1Port"\?/);
  await assert.rejects(startSandbox({ port: 0, dialect: 'okid' as never }), /dialect must be 'sandbox' or 'documented'/);
});

describe('v1 on its own origin', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, v1Port: 0, processingDelayMs: 0 });
  });
  after(() => sandbox.close());

  test('v1 answers on sandbox.v1Url only; the main origin keeps v2 and the capture API, and 404s v1', async () => {
    assert.notEqual(new URL(sandbox.v1Url).origin, new URL(sandbox.url).origin);
    const created = await generateV1(sandbox.v1Url, { user_id: 'u1' });
    assert.equal(created.status, 200);
    const token = created.body.process_token as string;
    assert.match(token, /^tok_/);
    const read = await json(`${sandbox.v1Url}/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } });
    assert.equal(read.status, 200);
    assert.equal(read.body.id, token);
    assert.equal((await generateV1(sandbox.url)).status, 404);
    assert.equal((await json(`${sandbox.url}/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } })).status, 404);
    assert.equal((await generateV2(sandbox.v1Url)).status, 404);
    assert.equal((await generateV2(sandbox.url)).status, 200);
    // The phone's capture API stays on the main origin, for v1 tokens too.
    assert.equal((await fetch(`${sandbox.url}/v1/flow/${token}`)).status, 200);
    assert.equal((await fetch(`${sandbox.v1Url}/v1/flow/${token}`)).status, 404);
  });
});

describe("the documents' own dialect", () => {
  let sandbox: Sandbox;
  let receiver: Listening;
  const deliveries: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  before(async () => {
    receiver = await listen((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body });
        res.writeHead(200).end('{}');
      });
    });
    sandbox = await startSandbox({ port: 0, dialect: 'documented', processingDelayMs: 0, webhookUrl: `${receiver.url}/hook`, webhookSecret: SECRET });
  });
  after(async () => {
    await sandbox.close();
    await receiver.close();
  });

  test('v1 is on its own origin; its record has the documented fields only, status "completed" once done', async () => {
    assert.notEqual(sandbox.v1Url, sandbox.url);
    const token = (await generateV1(sandbox.v1Url, { sandbox_outcome: 'manual_review', reference: 'order-456' })).body.process_token as string;
    const before = await json(`${sandbox.v1Url}/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } });
    assert.deepEqual(Object.keys(before.body).sort(), ['created_at', 'id', 'metadata', 'status']);
    assert.equal(before.body.status, 'generated');
    assert.match(before.body.id, /^ver_/, 'the record is named by okID ver_ id, as the v1 document shows');
    await runPhoneFlow(sandbox, token);
    const done = await waitFor(
      () => json(`${sandbox.v1Url}/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } }),
      (read) => read.body.status !== 'started',
    );
    assert.equal(done.body.status, 'completed');
    assert.deepEqual(Object.keys(done.body).sort(), ['completed_at', 'created_at', 'document_type', 'id', 'metadata', 'status', 'verification_details']);
    assert.equal(done.body.id, before.body.id);
    assert.deepEqual(Object.keys(done.body.verification_details).sort(), ['date_of_birth', 'document_number', 'expiry_date', 'first_name', 'last_name']);
    assert.equal(done.body.metadata.reference, 'order-456');
  });

  test('v2 details carry verification_id, status and results only, in the documents\' words; webhooks are signed HMAC of the body', async () => {
    const id = (await generateV2(sandbox.url)).body.verificationId as string;
    const first = await json(`${sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': KEY } });
    assert.deepEqual(Object.keys(first.body).sort(), ['results', 'status', 'verification_id']);
    assert.equal(first.body.status.current, 'generated');
    deliveries.length = 0;
    await runPhoneFlow(sandbox, id);
    const done = await waitFor(
      () => json(`${sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': KEY } }),
      (read) => ['verified', 'manual_review', 'failed'].includes(read.body.status.current),
    );
    assert.equal(done.body.status.current, 'verified');
    const mine = await waitFor(
      async () => deliveries.filter((d) => JSON.parse(d.body).data.id === id),
      (list) => list.some((d) => JSON.parse(d.body).event === 'verification.completed'),
    );
    // Only the documented events, in order, with only `event` and `data`.
    assert.deepEqual(mine.map((d) => JSON.parse(d.body).event), ['verification.started', 'verification.completed']);
    for (const delivery of mine) {
      assert.deepEqual(Object.keys(JSON.parse(delivery.body)).sort(), ['data', 'event']);
      const expected = createHmac('sha256', SECRET).update(delivery.body).digest('hex');
      assert.equal(delivery.headers['x-okid-signature'], expected, 'the hex HMAC-SHA256 of the raw body');
      assert.match(String(delivery.headers['x-okid-timestamp']), /^\d{10}$/);
    }
    assert.equal(JSON.parse(mine.at(-1)!.body).data.status, 'completed');
  });

  test('okid-sandbox --dialect documented starts it, prints the v1 origin, and refuses other dialects', async () => {
    const out: string[] = [];
    const started = await main(['--port', '0', '--dialect', 'documented'], { out: (l) => out.push(l), err: () => {}, handleSignals: false });
    assert.ok(started);
    try {
      assert.ok(out.some((line) => line.includes(started.v1Url) && line.includes('v1')), out.join('\n'));
      const token = (await generateV1(started.v1Url)).body.process_token as string;
      const read = await json(`${started.v1Url}/v1/verification/${token}`, { headers: { 'X-SDK-Key': KEY } });
      assert.deepEqual(Object.keys(read.body).sort(), ['created_at', 'id', 'metadata', 'status']);
    } finally {
      await started.close();
    }
    const errors: string[] = [];
    const exitCode = process.exitCode;
    assert.equal(await main(['--dialect', 'okid'], { out: () => {}, err: (l) => errors.push(l), handleSignals: false }), undefined);
    process.exitCode = exitCode;
    assert.match(errors.join('\n'), /--dialect must be sandbox or documented/);
  });
});
