/**
 * OOTO-AI behind the proxy (`ootoProvider`), against a small fake of OOTO's Verification Link API
 * written here (real HTTP on 127.0.0.1:0): create with APP-ID/APP-KEY and the callback path, the
 * status table over generated words and shapes, the callback (forged: 401 without a read; real:
 * one read and one event; replayed: one read, no second event), 429 and a vendor that is down,
 * option checks, and the keys never in a log, an answer or an error.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createOkidProxy, ootoProvider } from '../../src/server/index.js';
import type { OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { openStream } from './sse-helpers.js';

const APP_ID = 'app_test';
const APP_KEY = 'ooto-key-0123456789-secret';

interface FakeSession {
  token: string;
  body: Record<string, unknown>;
  answer: Record<string, unknown>;
}

/** OOTO-AI's Verification Link API, as its document shows it. */
class FakeOoto {
  readonly sessions = new Map<string, FakeSession>();
  reads = 0;
  /** The next answers' status code (429, 500), or undefined for the normal one. */
  fail: { status: number; headers?: Record<string, string> } | undefined;
  server!: Listening;
  #next = 0;

  async start(): Promise<this> {
    this.server = await listen((req, res) => void this.#handle(req, res));
    return this;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers['app-id'] !== APP_ID || req.headers['app-key'] !== APP_KEY) return send(401, { error: 'unauthorized' });
    if (this.fail) return send(this.fail.status, { error: 'nope' }, this.fail.headers);
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'POST' && url.pathname === '/api/v1.0/flow/sessions') {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const token = `tok${String(++this.#next).padStart(4, '0')}_AbCdEfGhIjKlMnOpQrStUvWxYz012345`;
      this.sessions.set(token, { token, body, answer: { status: 'CREATED', scopes: body.scopes, nextStep: 'LIVENESS', expiresAt: '2030-01-01T00:00:00.000Z', uiHints: { needCaptcha: true }, returnUrl: body.returnUrl ?? null } });
      return send(200, { sessionId: '6f1c2a70-1111-4a4a-8b8b-123456789abc', token, url: `${this.server.url}/flow/${token}` });
    }
    const match = /^\/api\/v1\.0\/flow\/sessions\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      this.reads += 1;
      const session = this.sessions.get(decodeURIComponent(match[1]!));
      return session ? send(200, session.answer) : send(404, { error: 'not found' });
    }
    send(404, { error: 'no route' });
  }

  /** Moves a session on, as the phone would. */
  set(token: string, answer: Record<string, unknown>): void {
    const session = this.sessions.get(token)!;
    session.answer = { ...session.answer, ...answer };
  }
}

const RESULT = { liveness: { fine: true, score: 0.96 }, demography: { age: 31, race: 'white', gender: 'male' }, landmarks: [[288, 604]] };

function capture(): { logger: OkidProxyLogger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) } };
}

describe('OOTO-AI provider', () => {
  let ooto: FakeOoto;
  let okid: OkidProxy;
  let http: Listening;
  const log = capture();

  before(async () => {
    ooto = await new FakeOoto().start();
    // The proxy's own server first, so its public URL is known for the callback path.
    let handler: OkidProxy['node'] = (_req, res) => res.end();
    http = await listen((req, res) => handler(req, res));
    okid = createOkidProxy({
      provider: ootoProvider({ appId: APP_ID, appKey: APP_KEY, baseUrl: ooto.server.url, scopes: ['liveness', 'deepfake', 'search'], publicUrl: http.url }),
      authorize: 'public',
      create: () => ({ extra_data: { user_id: 'u1' }, return_url: 'https://shop.example/done' }),
      // Polling out of the way: news must come from the callback.
      pollIntervalMs: 60_000,
      logger: log.logger,
    });
    handler = okid.node;
  });

  after(async () => {
    await okid.close();
    await http.close();
    await ooto.server.close();
  });

  const createOne = async () => {
    const response = await fetch(`${http.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    return (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string; handoff?: string };
  };

  it('creates a session with the keys, the scopes, the hook\'s metadata and a callback path; the handoff is OOTO\'s url', async () => {
    const created = await createOne();
    const session = ooto.sessions.get(created.verificationId)!;
    assert.ok(session, 'the id is OOTO\'s token');
    assert.equal(created.verificationUrl, `${ooto.server.url}/flow/${created.verificationId}`);
    assert.equal(created.handoff, undefined, 'a URL handoff is the contract\'s default');
    assert.deepEqual(session.body.scopes, ['liveness', 'deepfake', 'search']);
    assert.deepEqual(session.body.metadata, { user_id: 'u1' });
    assert.equal(session.body.returnUrl, 'https://shop.example/done');
    assert.match(String(session.body.callbackUrl), new RegExp(`^${http.url}/okid/webhooks/ooto/[A-Za-z0-9_-]{24}/[A-Za-z0-9_-]{43}$`));
    assert.ok(Number.isFinite(Date.parse(created.expiresAt)));
  });

  it('shows each step on the stream through callbacks; forged callbacks are refused unread, a replay reads once and makes no event', async () => {
    const { verificationId: token } = await createOne();
    const callbackUrl = String(ooto.sessions.get(token)!.body.callbackUrl);
    const stream = await openStream(`${http.url}/okid/verifications/${token}/events`);
    await stream.status('created');
    const steps: [Record<string, unknown>, string][] = [
      [{ status: 'CAPTCHA_OK', nextStep: 'LIVENESS' }, 'opened'],
      [{ status: 'IN_PROGRESS', nextStep: 'LIVENESS' }, 'in_progress'],
      [{ status: 'IN_PROGRESS', nextStep: 'SEARCH' }, 'processing'],
      [{ status: 'DONE', nextStep: null, result: RESULT }, 'completed'],
    ];
    for (const [answer, status] of steps) {
      ooto.set(token, answer);
      const response = await fetch(callbackUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'FORGED' }) });
      assert.equal(response.status, 204);
      await stream.status(status);
    }
    const statuses = stream.snapshots.map((s) => s.status);
    assert.deepEqual(statuses, ['created', 'opened', 'in_progress', 'processing', 'completed']);
    const done = stream.snapshots.at(-1)!;
    assert.equal(done.outcome, undefined, 'OOTO says DONE, not verified: the operator reads the result');
    assert.equal(done.vendorStatus, 'DONE');
    assert.deepEqual(done.progress, { terms: 'completed', liveness: 'completed' });
    for (const event of stream.events) assert.doesNotMatch(event.data, /demography|landmarks|score|white/);
    await stream.waitEnd();

    // A forged path: 401, and OOTO is not asked.
    const reads = ooto.reads;
    const [nonce] = callbackUrl.split('/').slice(-2);
    for (const forged of [`${http.url}/okid/webhooks/ooto/${nonce}/${'A'.repeat(43)}`, `${http.url}/okid/webhooks/ooto/${'B'.repeat(24)}/${callbackUrl.split('/').at(-1)}`, `${http.url}/okid/webhooks/ooto/x/y`]) {
      const response = await fetch(forged, { method: 'POST', body: '{}' });
      assert.equal(response.status, 401, forged);
    }
    assert.equal(ooto.reads, reads, 'no read for a forged callback');

    // A replay of the real one: one read, no event (a new stream would show the same final snapshot).
    const second = await openStream(`${http.url}/okid/verifications/${token}/events`);
    await second.status('completed');
    const before = ooto.reads;
    assert.equal((await fetch(callbackUrl, { method: 'POST', body: '{}' })).status, 204);
    assert.equal(ooto.reads, before + 1, 'one read for a replay');
    await second.waitEnd();
    assert.equal(second.snapshots.length, 1);
  });

  it('reads every status word and shape tolerantly: unknown words open, never final, never a 5xx for a 200 with a status word', async () => {
    const template = ooto.sessions.get((await createOne()).verificationId)!;
    let run = 0;
    const known = ['CREATED', 'CAPTCHA_OK', 'IN_PROGRESS', 'DONE', 'FAILED', 'EXPIRED', 'CANCELED'];
    const word = fc.oneof(fc.constantFrom(...known), fc.constantFrom(...known).map((w) => w.toLowerCase()), fc.stringMatching(/^[A-Za-z_]{1,20}$/), fc.string({ minLength: 1, maxLength: 100 }).filter((w) => w.trim() !== ''));
    const odd = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.string()), fc.object());
    await fc.assert(
      fc.asyncProperty(word, fc.oneof(fc.constantFrom('LIVENESS', 'DEEPFAKE', 'ENROLL', 'SEARCH', null), odd), odd, odd, async (status, nextStep, scopes, expiresAt) => {
        // A session of its own each time (status reads are reused for a second).
        const token = `fuzz${String(++run).padStart(5, '0')}_${'x'.repeat(30)}`;
        ooto.sessions.set(token, { ...template, token, answer: { status, nextStep, scopes, expiresAt, result: RESULT } });
        const response = await fetch(`${http.url}/okid/verifications/${token}`);
        const body = (await response.json()) as { status: string; vendorStatus?: string };
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.doesNotMatch(JSON.stringify(body), /demography|landmarks/);
        if (!known.includes(status.trim().toUpperCase())) {
          assert.equal(body.status, 'in_progress');
          if (/^[\x21-\x7e]{1,64}$/.test(status)) assert.equal(body.vendorStatus, status);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });

  it('429 from OOTO is a 503 with Retry-After; OOTO down or 500 a 502; the keys never in an answer or a log', async () => {
    const { verificationId: token } = await createOne();
    ooto.fail = { status: 429, headers: { 'Retry-After': '7' } };
    await new Promise((r) => setTimeout(r, 1100));
    let response = await fetch(`${http.url}/okid/verifications/${token}`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '7');
    ooto.fail = { status: 500 };
    await new Promise((r) => setTimeout(r, 1100));
    response = await fetch(`${http.url}/okid/verifications/${token}`);
    assert.equal(response.status, 502);
    const text = await response.text();
    assert.doesNotMatch(text, new RegExp(APP_KEY));
    ooto.fail = undefined;
    // Keys OOTO refuses: the log names the option, never the key.
    const wrong = createOkidProxy({ provider: ootoProvider({ appId: APP_ID, appKey: `${APP_KEY}-old`, baseUrl: ooto.server.url }), authorize: 'public', create: () => ({}), logger: log.logger });
    const refused = await wrong.fetch(new Request('http://operator.test/okid/verifications', { method: 'POST' }));
    assert.equal(refused.status, 502);
    assert.equal(((await refused.json()) as { code: string }).code, 'UPSTREAM_AUTH');
    await wrong.close();
    // Down: nothing listens there any more.
    const down = await listen((_req, res) => res.end());
    const url = down.url;
    await down.close();
    const gone = createOkidProxy({ provider: ootoProvider({ appId: APP_ID, appKey: APP_KEY, baseUrl: url }), authorize: 'public', logger: log.logger });
    assert.equal((await gone.fetch(new Request(`http://operator.test/okid/verifications/${token}`))).status, 502);
    await gone.close();
    assert.ok(log.lines.some((line) => line.includes('appId and appKey')), log.lines.join('\n'));
    for (const line of log.lines) assert.ok(!line.includes(APP_KEY), line);
  });

  it('checks its options at start, naming the option', () => {
    const good = { appId: APP_ID, appKey: APP_KEY };
    const refused: [unknown, RegExp][] = [
      [{ appKey: APP_KEY }, /appId/],
      [{ appId: APP_ID, appKey: ' spaced ' }, /appKey has leading/],
      [{ ...good, scopes: [] }, /scopes/],
      [{ ...good, scopes: ['face'] }, /scopes/],
      [{ ...good, ttlSec: -1 }, /ttlSec/],
      [{ ...good, publicUrl: 'http://shop.example' }, /publicUrl must be https/],
      [{ ...good, baseUrl: 'ftp://x' }, /baseUrl/],
      [{ ...good, callbackSecret: 'short' }, /callbackSecret/],
      [{ ...good, scope: ['liveness'] }, /scopes/],
    ];
    for (const [options, message] of refused) {
      assert.throws(() => ootoProvider(options as never), (error: Error) => error instanceof TypeError && message.test(error.message) && !error.message.includes(APP_KEY), JSON.stringify(options));
    }
    ootoProvider({ ...good, publicUrl: 'http://localhost:3000' });
    // A short APP-KEY still makes a callback key (derived), with no callbackSecret given.
    ootoProvider({ appId: APP_ID, appKey: 'k', publicUrl: 'http://localhost:3000' });
    assert.throws(() => createOkidProxy({ apiKey: 'sk', provider: ootoProvider(good) } as never), /apiKey is an okID option/);
    assert.throws(() => createOkidProxy({ provider: { name: 'fake', secrets: [], start: () => ({}) } as never }), /provider must come from/);
  });
});
