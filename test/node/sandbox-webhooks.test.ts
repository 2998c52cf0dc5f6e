/**
 * Signed webhooks from the sandbox, received by a real local HTTP server; signatures are
 * recomputed here with node:crypto, independently of signWebhook.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import { KEY, call, createV2, openFlow, runPhoneFlow, waitFor } from './sandbox-helpers.js';

const SECRET = 'whsec_sandbox_test';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  receivedAt: number;
}

/** A webhook receiver; `respond` picks the status of each delivery (default 200). */
class Receiver {
  readonly deliveries: Delivery[] = [];
  respond: (delivery: Delivery, index: number) => number = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const delivery = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw), receivedAt: Date.now() };
        this.deliveries.push(delivery);
        res.writeHead(this.respond(delivery, this.deliveries.length - 1)).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  events(id: string): string[] {
    return this.deliveries.filter((d) => d.body.data.id === id).map((d) => d.body.event);
  }

  waitForEvent(id: string, event: string, timeoutMs = 5000): Promise<Delivery> {
    return waitFor(
      async () => this.deliveries.find((d) => d.body.data.id === id && d.body.event === event),
      (d) => d !== undefined,
      timeoutMs,
    ) as Promise<Delivery>;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** The receiver-side check an integrator writes: HMAC-SHA256 of `{timestamp}.{raw body}`, hex. */
function assertSigned(delivery: Delivery): void {
  const timestamp = delivery.headers['x-okid-timestamp'];
  const signature = delivery.headers['x-okid-signature'];
  assert.equal(typeof timestamp, 'string');
  assert.match(timestamp as string, /^\d+$/);
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 300, 'timestamp is now');
  const expected = createHmac('sha256', SECRET).update(`${timestamp}.${delivery.raw}`).digest('hex');
  assert.equal(signature, expected);
  assert.match(delivery.headers['content-type'] ?? '', /^application\/json/);
}

describe('webhooks', () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.close());

  test('a full flow sends signed started, progress and completed events in order', async () => {
    receiver.respond = () => 200;
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, webhookUrl: `${receiver.url}/hooks`, webhookSecret: SECRET });
    try {
      const id = await createV2(sandbox, { extra_data: { reference_id: 'ORDER-9' } });
      await runPhoneFlow(sandbox, id, 'id_card');
      const completed = await receiver.waitForEvent(id, 'verification.completed');
      const events = receiver.events(id);
      assert.equal(events[0], 'verification.started');
      assert.equal(events.at(-1), 'verification.completed');
      assert.ok(events.slice(1, -1).every((e) => e === 'verification.progress'), events.join());
      assert.ok(events.length >= 5, 'in_progress, document, liveness and processing progress');

      const mine = receiver.deliveries.filter((d) => d.body.data.id === id);
      for (const delivery of mine) assertSigned(delivery);
      assert.equal(new Set(mine.map((d) => d.body.id)).size, mine.length, 'event ids are unique');
      assert.deepEqual(
        mine.map((d) => d.body.data.status),
        ['started', 'in_progress', ...mine.slice(2, -2).map(() => 'in_progress'), 'processing', 'verified'],
      );

      assert.equal(completed.path, '/hooks');
      assert.match(completed.body.id, /^evt_/);
      assert.ok(Date.parse(completed.body.created_at));
      assert.equal(completed.body.data.outcome, 'verified');
      assert.deepEqual(completed.body.data.progress, { terms: 'completed', document: 'completed', liveness: 'completed' });
      assert.deepEqual(completed.body.data.extra_data, { reference_id: 'ORDER-9' });
      assert.ok(Date.parse(completed.body.data.updated_at));
    } finally {
      await sandbox.close();
    }
  });

  test('a rejected outcome sends verification.failed without an outcome', async () => {
    const sandbox = await startSandbox({ port: 0, processingDelayMs: 0, webhookUrl: receiver.url, webhookSecret: SECRET });
    try {
      const id = await createV2(sandbox, { extra_data: { sandbox_outcome: 'rejected' } });
      await runPhoneFlow(sandbox, id, 'passport');
      const failed = await receiver.waitForEvent(id, 'verification.failed');
      assertSigned(failed);
      assert.equal(failed.body.data.status, 'rejected');
      assert.equal(failed.body.data.outcome, undefined);
    } finally {
      await sandbox.close();
    }
  });

  test('a failed delivery is retried with backoff, same event id, fresh signature', async () => {
    let failures = 1;
    receiver.respond = () => (failures-- > 0 ? 500 : 200);
    const sandbox = await startSandbox({ port: 0, webhookUrl: receiver.url, webhookSecret: SECRET });
    try {
      const id = await createV2(sandbox);
      await openFlow(sandbox, id);
      await waitFor(async () => receiver.deliveries.filter((d) => d.body.data.id === id).length, (n) => n >= 2);
      const [first, retry] = receiver.deliveries.filter((d) => d.body.data.id === id) as [Delivery, Delivery];
      assert.equal(first.body.event, 'verification.started');
      assert.equal(retry.body.id, first.body.id, 'the retry is the same event');
      assert.ok(retry.receivedAt - first.receivedAt >= 400, `waited ${retry.receivedAt - first.receivedAt} ms`);
      assertSigned(first);
      assertSigned(retry);
    } finally {
      receiver.respond = () => 200;
      await sandbox.close();
    }
  });

  test('expiry sends verification.expired without anyone polling', async () => {
    const sandbox = await startSandbox({ port: 0, ttlSeconds: 0.2, webhookUrl: receiver.url, webhookSecret: SECRET });
    try {
      const id = await createV2(sandbox);
      const expired = await receiver.waitForEvent(id, 'verification.expired', 3000);
      assertSigned(expired);
      assert.equal(expired.body.data.status, 'expired');
    } finally {
      await sandbox.close();
    }
  });

  test('a v1 callback_url receives that verification\'s events', async () => {
    const sandbox = await startSandbox({ port: 0, webhookSecret: SECRET });
    try {
      const gen = await call(sandbox, '/v1/verification/generate', {
        method: 'POST',
        headers: { 'X-SDK-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ callback_url: `${receiver.url}/v1-callback`, metadata: { user_id: 'u1' } }),
      });
      const token = gen.body.process_token as string;
      await openFlow(sandbox, token);
      const started = await receiver.waitForEvent(token, 'verification.started');
      assert.equal(started.path, '/v1-callback');
      assert.deepEqual(started.body.data.extra_data, { user_id: 'u1' });
      assertSigned(started);
    } finally {
      await sandbox.close();
    }
  });

  test('an unreachable receiver is logged, never crashes, and close() stops the retries', async () => {
    const lines: string[] = [];
    const sandbox = await startSandbox({
      port: 0,
      webhookUrl: 'http://127.0.0.1:9/unreachable',
      webhookSecret: SECRET,
      log: (line) => lines.push(line),
    });
    const id = await createV2(sandbox);
    await openFlow(sandbox, id);
    await waitFor(async () => lines.filter((l) => l.startsWith('webhook')), (l) => l.length > 0);
    assert.match(lines.find((l) => l.startsWith('webhook')) ?? '', /verification\.started .* attempt 1 failed/);
    assert.equal((await call(sandbox, '/healthz')).status, 200);
    await sandbox.close();
  });
});
