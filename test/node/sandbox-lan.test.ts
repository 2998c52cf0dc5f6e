/**
 * The sandbox (and so the demo) beyond loopback, where anyone on the network reaches it: a
 * random API key per run (the README's key is refused), no `callback_url` but the configured
 * webhook URL, and a cap on the bytes it holds. As lan-https.test.ts does, the sandbox listens on
 * 0.0.0.0 to be "beyond loopback", and every request goes to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/sandbox/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startDemo } from '../../demo/start-demo.js';
import { KEY, acceptTerms, call, createV2, details, jpeg, openFlow, putCapture, runPhoneFlow, waitForOutcome } from './sandbox-helpers.js';

/** A receiver of the sandbox's webhook posts, counting them by path. */
async function receiver(): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const v1Generate = (sandbox: Sandbox, key: string, body: unknown) =>
  call(sandbox, '/v1/verification/generate', { method: 'POST', headers: { 'X-SDK-Key': key, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('beyond loopback', () => {
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let lan: Sandbox;
  before(async () => {
    hooks = await receiver();
    lan = await startSandbox({ port: 0, host: '0.0.0.0', processingDelayMs: 0, webhookUrl: `${hooks.url}/okid/webhooks`, webhookSecret: 'whsec_test' });
  });
  after(async () => {
    await lan?.close();
    await hooks?.close();
  });

  test('a random API key per run; the README key is refused', async () => {
    assert.match(lan.apiKey, /^sk_sandbox_[A-Za-z0-9_-]{24}$/);
    assert.notEqual(lan.apiKey, KEY);
    const other = await startSandbox({ port: 0, host: '0.0.0.0' });
    try {
      assert.notEqual(other.apiKey, lan.apiKey, 'a new key each run');
    } finally {
      await other.close();
    }
    const refused = await call(lan, '/api/generate-verification', { method: 'POST', headers: { 'X-SDK-Key': KEY } });
    assert.equal(refused.status, 401);
    const id = await createV2(lan, undefined, lan.apiKey);
    assert.equal((await details(lan, id, KEY)).status, 401, "someone with the README's key reads nothing");
    assert.equal((await details(lan, id, lan.apiKey)).status, 200);
  });

  test("the README's key is refused as an option and as a flag, with a message that says why", async () => {
    await assert.rejects(startSandbox({ port: 0, host: '0.0.0.0', apiKey: KEY }), /sk_sandbox_demo is public.*leave apiKey out for a random key/);
    const errors: string[] = [];
    const result = await main(['--port', '0', '--host', '0.0.0.0', '--api-key', KEY, '--no-https'], { out: () => {}, err: (l) => errors.push(l), handleSignals: false, env: {} });
    assert.equal(result, undefined);
    assert.equal(process.exitCode, 2);
    process.exitCode = 0;
    assert.match(errors.join('\n'), /--api-key sk_sandbox_demo is public and --host 0\.0\.0\.0 is reachable from the network/);
  });

  test('okid-sandbox --host 0.0.0.0 prints the key made for the run on the terminal, and no page carries it', async () => {
    const out: string[] = [];
    const sandbox = await main(['--port', '0', '--host', '0.0.0.0', '--no-https'], { out: (l) => out.push(l), err: (l) => out.push(l), handleSignals: false, env: {} });
    assert.ok(sandbox, out.join('\n'));
    try {
      assert.ok(out.includes(`API key: ${sandbox.apiKey} (made for this run: the network can reach this sandbox)`), out.join('\n'));
      for (const path of ['/', '/healthz', '/verify?verification_id=ver_abcdefgh']) {
        const page = await fetch(sandbox.url + path).then((r) => r.text());
        assert.ok(!page.includes(sandbox.apiKey), `${path} does not carry the key`);
      }
    } finally {
      await sandbox.close();
    }
  });

  test('loopback keeps the README key, so its curl lines still work', async () => {
    const local = await startSandbox({ port: 0 });
    try {
      assert.equal(local.apiKey, KEY);
      assert.ok(await createV2(local));
    } finally {
      await local.close();
    }
  });

  test('a callback_url other than the configured webhook URL is refused, and nothing is posted to it', async () => {
    const elsewhere = await v1Generate(lan, lan.apiKey, { callback_url: `${hooks.url}/admin/reset` });
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.body.error, 'Invalid callback_url');
    assert.match(elsewhere.body.details, /only to its configured webhook URL/);
    const same = await v1Generate(lan, lan.apiKey, { callback_url: `${hooks.url}/okid/webhooks` });
    assert.equal(same.status, 200, 'the configured URL itself is fine');
    await runPhoneFlow(lan, same.body.process_token);
    await waitForOutcome(lan, same.body.process_token).catch(() => undefined);
    assert.ok(hooks.hits.length > 0, 'events went to the webhook URL');
    assert.ok(hooks.hits.every((path) => path === '/okid/webhooks'), `only the webhook URL was posted to: ${hooks.hits.join(', ')}`);
    const none = await startSandbox({ port: 0, host: '0.0.0.0' });
    try {
      const refused = await v1Generate(none, none.apiKey, { callback_url: `${hooks.url}/okid/webhooks` });
      assert.equal(refused.status, 400, 'without a webhook URL no callback_url is taken');
      assert.match(refused.body.details, /--webhook-url/);
    } finally {
      await none.close();
    }
  });

  test('the demo beyond loopback runs on its random key, and its proxy uses it', async () => {
    const demo = await startDemo({ host: '0.0.0.0', env: { OKID_DEMO_HTTPS: '0' }, processingDelayMs: 0 });
    try {
      assert.notEqual(demo.apiKey, KEY);
      assert.equal(demo.apiKey, demo.sandbox.apiKey);
      const created = await fetch(`${demo.operator.url}/okid/verifications`, { method: 'POST' });
      assert.equal(created.status, 201);
      const page = await fetch(demo.localUrl).then((r) => r.text());
      assert.ok(!page.includes(demo.apiKey), 'the operator page does not carry the key');
    } finally {
      await demo.close();
    }
  });
});

describe('the bytes the sandbox holds', () => {
  test('capped: ended verifications go first, oldest first; then uploads get 413 and new verifications 429', async () => {
    // Room for about three verifications of 20 KB captures.
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, maxHeldBytes: 70_000, apiKey: [KEY] });
    try {
      // Two ended verifications hold bytes but nobody needs them any more.
      const ended: string[] = [];
      for (let n = 0; n < 2; n++) {
        const id = await createV2(sandbox);
        const { token, prompts } = await openFlow(sandbox, id);
        await acceptTerms(sandbox, id, token);
        for (const kind of ['document_front', 'document_back', 'selfie', ...prompts.map((_, i) => `liveness_${i}`)]) {
          assert.equal((await putCapture(sandbox, id, token, kind, jpeg(kind === 'document_front' ? 20_000 : 64))).status, 201);
        }
        await call(sandbox, `/v1/flow/${id}/submit`, { method: 'POST', headers: { 'X-Okid-Device': token, 'Content-Type': 'application/json' }, body: '{"documentType":"id_card"}' });
        await waitForOutcome(sandbox, id);
        ended.push(id);
      }
      // Running ones fill the rest: the oldest ended verification makes room first.
      const running: Array<{ id: string; token: string }> = [];
      for (let n = 0; n < 3; n++) {
        const id = await createV2(sandbox);
        const { token } = await openFlow(sandbox, id);
        await acceptTerms(sandbox, id, token);
        running.push({ id, token });
        const put = await putCapture(sandbox, id, token, 'document_front', jpeg(20_000));
        assert.equal(put.status, 201, `running ${n}: ${JSON.stringify(put.body)}`);
        if (n === 1) {
          assert.equal((await details(sandbox, ended[0]!)).status, 404, 'the oldest ended verification was dropped');
          assert.equal((await details(sandbox, ended[1]!)).status, 200, 'the newer one is kept while it fits');
        }
      }
      assert.equal((await details(sandbox, ended[1]!)).status, 404, 'every ended one goes before a running one is refused');
      const over = await putCapture(sandbox, running[2]!.id, running[2]!.token, 'document_back', jpeg(20_000));
      assert.equal(over.status, 413);
      assert.equal(over.body.error, 'Sandbox full');
      assert.match(over.body.details, /maximum of 70000 bytes/);
      const filler = await call(sandbox, '/api/generate-verification', {
        method: 'POST',
        headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ extra_data: { note: 'x'.repeat(8_000) } }),
      });
      assert.equal(filler.status, 429);
      assert.equal(filler.body.error, 'Sandbox full');
      assert.equal(filler.headers.get('Retry-After'), '60');
      // Running verifications are never dropped for room.
      for (const { id } of running) assert.equal((await details(sandbox, id)).status, 200);
    } finally {
      await sandbox.close();
    }
  });

  test('startSandbox refuses a maxHeldBytes that is not a whole number above 0', async () => {
    await assert.rejects(startSandbox({ port: 0, maxHeldBytes: 0 }), /maxHeldBytes must be a whole number above 0/);
  });
});
