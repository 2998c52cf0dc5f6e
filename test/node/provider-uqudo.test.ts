/**
 * uqudo behind the proxy (`uqudoProvider`), against a small fake of uqudo's QR Code App server
 * written here (real HTTP and a real WebSocket server on 127.0.0.1:0): create with the bearer
 * token and base64 `data`, the sealed id (tampered → 404 with no uqudo call), each socket message
 * relayed as a step on the event stream and INFO as the end (then DELETE), a socket cut
 * mid-session and reopened, cancel, uqudo's 30 minutes, option checks, the token never in a log
 * or an answer, and two proxies over a real redis-server holding one socket between them.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { createOkidProxy, createRedisHub, uqudoProvider } from '../../src/server/index.js';
import type { OkidHub, OkidProxy, OkidProxyLogger } from '../../src/server/index.js';
import { sealSession, sealingKey } from '../../src/server/uqudo/sealed-id.js';
import { listen } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';
import { startRedis } from './redis-helpers.js';
import type { RedisServer } from './redis-helpers.js';
import { openStream, until } from './sse-helpers.js';
import fc from 'fast-check';
import { afterService, firstSnapshot } from '../../src/server/uqudo/status.js';

const TOKEN = 'uqudo-bearer-token-0123456789';
const SECRET = 'a-secret-of-at-least-32-characters!!';

/** uqudo's session API and WebSocket server, as its QR Code App document shows them. */
class FakeUqudo {
  readonly sessions = new Map<string, { sessionId: string; data: string }>();
  /** Sockets authenticated per qrCodeText, and every authentication seen (who, in order). */
  readonly sockets = new Map<string, Set<WebSocket>>();
  auths = 0;
  readonly deleted: string[] = [];
  readonly calls: string[] = [];
  server!: Listening;
  wss!: WebSocketServer;
  #next = 0;

  async start(): Promise<this> {
    this.server = await listen((req, res) => void this.#handle(req, res));
    this.wss = new WebSocketServer({ server: this.server.server, path: '/ws/v1/session' });
    this.wss.on('connection', (socket) => {
      socket.once('message', (data) => {
        const text = String(data);
        if (!this.sessions.has(text)) return socket.close(1008);
        this.auths += 1;
        const set = this.sockets.get(text) ?? new Set();
        set.add(socket);
        this.sockets.set(text, set);
        socket.on('close', () => set.delete(socket));
      });
    });
    return this;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
    await this.server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, 'http://x');
    this.calls.push(`${req.method} ${url.pathname}`);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/api/v1/session') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'unauthorized' });
      const { data } = JSON.parse(Buffer.concat(chunks).toString()) as { data: string };
      const n = ++this.#next;
      const qrCodeText = `qr${String(n).padStart(4, '0')}_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab`;
      const sessionId = `0b7d3c2e-0000-4000-8000-${String(n).padStart(12, '0')}`;
      this.sessions.set(qrCodeText, { sessionId, data });
      return send(200, { sessionId, qrCodeText, qrCodeTextWithDynamicLink: `${this.server.url}/reader/${qrCodeText}` });
    }
    const match = /^\/api\/v1\/session\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && match) {
      const qr = decodeURIComponent(match[1]!);
      if (!this.sessions.delete(qr)) return send(404, { error: 'not found' });
      this.deleted.push(qr);
      for (const socket of this.sockets.get(qr) ?? []) socket.close(1000);
      return send(204);
    }
    send(404, { error: 'no route' });
  }

  /** What the reader app would make uqudo send. */
  say(qrCodeText: string, service: string): void {
    const { sessionId } = this.sessions.get(qrCodeText)!;
    for (const socket of this.sockets.get(qrCodeText) ?? []) socket.send(JSON.stringify({ service, sessionId }));
  }

  /** Cuts every socket of a session, as a network drop would (no close frame). */
  cut(qrCodeText: string): void {
    for (const socket of this.sockets.get(qrCodeText) ?? []) socket.terminate();
  }

  live(qrCodeText: string): number {
    return this.sockets.get(qrCodeText)?.size ?? 0;
  }
}

function capture(): { logger: OkidProxyLogger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) } };
}

const provider = (uqudo: FakeUqudo, extra: Partial<Parameters<typeof uqudoProvider>[0]> = {}) =>
  uqudoProvider({
    token: TOKEN,
    baseUrl: uqudo.server.url,
    secret: SECRET,
    documents: [{ documentType: 'PASSPORT', reading: { enabled: true } }],
    facialRecognition: { enabled: true },
    backgroundCheck: { enabled: true, checkType: 'RDC' },
    reconnect: { baseMs: 50, maxMs: 200 },
    ...extra,
  });

describe('uqudo provider', () => {
  let uqudo: FakeUqudo;
  let okid: OkidProxy;
  let http: Listening;
  const log = capture();
  const sessions: { verificationId: string; sessionId: string }[] = [];

  before(async () => {
    uqudo = await new FakeUqudo().start();
    okid = createOkidProxy({ provider: provider(uqudo, { onSession: (session) => void sessions.push(session) }), authorize: 'public', create: () => ({}), pollIntervalMs: 200, logger: log.logger });
    http = await listen((req, res) => okid.node(req, res));
  });

  after(async () => {
    await okid.close();
    await http.close();
    await uqudo.close();
  });

  const createOne = async () => {
    const response = await fetch(`${http.url}/okid/verifications`, { method: 'POST' });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { verificationId: string; verificationUrl: string; expiresAt: string; handoff?: string };
    const qrCodeText = created.verificationUrl.split('/').at(-1)!;
    await until(() => uqudo.live(qrCodeText) === 1, 'the proxy holds the session\'s socket from its creation');
    return { ...created, qrCodeText };
  };

  it('creates with the bearer token and base64 data; the id is sealed; the QR holds the dynamic link', async () => {
    const created = await createOne();
    assert.match(created.verificationId, /^uq1\.[A-Za-z0-9_-]+$/);
    assert.ok(created.verificationId.length <= 200);
    assert.ok(!created.verificationId.includes(created.qrCodeText), 'qrCodeText is sealed, not readable in the id');
    assert.equal(created.verificationUrl, `${uqudo.server.url}/reader/${created.qrCodeText}`);
    assert.equal(created.handoff, undefined);
    assert.deepEqual(sessions.at(-1), { verificationId: created.verificationId, sessionId: uqudo.sessions.get(created.qrCodeText)!.sessionId }, 'onSession hands the backend uqudo\'s sessionId');
    const data = JSON.parse(Buffer.from(uqudo.sessions.get(created.qrCodeText)!.data, 'base64').toString()) as Record<string, unknown>;
    assert.deepEqual(data.documents, [{ documentType: 'PASSPORT', reading: { enabled: true } }]);
    assert.deepEqual(data.facialRecognition, { enabled: true });
    const expires = Date.parse(created.expiresAt) - Date.now();
    assert.ok(expires > 29 * 60_000 && expires <= 30 * 60_000, String(expires));
  });

  it('relays each socket message as a step, INFO as completed without an outcome, then deletes the session', async () => {
    const { verificationId, qrCodeText } = await createOne();
    const stream = await openStream(`${http.url}/okid/verifications/${verificationId}/events`);
    await stream.status('created');
    uqudo.say(qrCodeText, 'SCAN');
    await stream.until(() => stream.snapshots.length === 2, 'SCAN');
    uqudo.say(qrCodeText, 'READ');
    await stream.until(() => stream.snapshots.length === 3, 'READ');
    uqudo.say(qrCodeText, 'FACE');
    await stream.until(() => stream.snapshots.length === 4, 'FACE');
    uqudo.say(qrCodeText, 'BACKGROUND_CHECK');
    await stream.status('processing');
    uqudo.say(qrCodeText, 'INFO');
    await stream.status('completed');
    await stream.waitEnd();
    const seen = stream.snapshots.map((s) => [s.status, s.vendorStatus, s.progress.document, s.progress.liveness]);
    assert.deepEqual(seen, [
      ['created', undefined, 'pending', 'pending'],
      ['in_progress', 'SCAN', 'pending', 'pending'],
      ['in_progress', 'READ', 'completed', 'pending'],
      ['in_progress', 'FACE', 'completed', 'completed'],
      ['processing', 'BACKGROUND_CHECK', 'completed', 'completed'],
      ['completed', 'INFO', 'completed', 'completed'],
    ]);
    assert.equal(stream.snapshots.at(-1)!.outcome, undefined);
    await until(() => uqudo.deleted.includes(qrCodeText), 'DELETE after INFO (and its 5 s grace)', 8000);
    // A status read answers from what was relayed (uqudo has no status endpoint).
    const read = (await (await fetch(`${http.url}/okid/verifications/${verificationId}`)).json()) as { status: string };
    assert.equal(read.status, 'completed');
  });

  it('reopens a socket cut mid-session (backoff) and relays what comes after', async () => {
    const { verificationId, qrCodeText } = await createOne();
    const stream = await openStream(`${http.url}/okid/verifications/${verificationId}/events`);
    await stream.status('created');
    uqudo.say(qrCodeText, 'SCAN');
    await stream.status('in_progress');
    const auths = uqudo.auths;
    uqudo.cut(qrCodeText);
    await until(() => uqudo.auths > auths && uqudo.live(qrCodeText) === 1, 'the socket reopened', 5000);
    uqudo.say(qrCodeText, 'READ');
    uqudo.say(qrCodeText, 'FACE');
    uqudo.say(qrCodeText, 'INFO');
    await stream.status('completed');
    await stream.waitEnd();
    assert.ok(log.lines.some((line) => /uqudo's WebSocket closed \(1006\) mid-session; reopening in \d+ ms/.test(line)), log.lines.join('\n'));
    assert.equal(stream.snapshots.filter((s) => s.status === 'completed').length, 1);
  });

  it('cancel deletes the session at uqudo and ends the stream canceled; a tampered id is a 404 with no uqudo call', async () => {
    const { verificationId, qrCodeText } = await createOne();
    const stream = await openStream(`${http.url}/okid/verifications/${verificationId}/events`);
    await stream.status('created');
    const cancel = await fetch(`${http.url}/okid/verifications/${verificationId}`, { method: 'DELETE' });
    assert.equal(cancel.status, 200);
    assert.equal(((await cancel.json()) as { status: string }).status, 'canceled');
    await stream.status('canceled');
    assert.ok(uqudo.deleted.includes(qrCodeText));
    await until(() => uqudo.live(qrCodeText) === 0, 'no socket left');

    const calls = uqudo.calls.length;
    const last = verificationId.at(-1) === 'A' ? 'B' : 'A';
    for (const id of [verificationId.slice(0, -1) + last, 'uq1.AAAA', `uq1.${'A'.repeat(150)}`]) {
      assert.equal((await fetch(`${http.url}/okid/verifications/${id}`)).status, 404, id);
    }
    assert.equal(uqudo.calls.length, calls);
    // A cross-site cancel is refused (CSRF).
    const crossSite = await fetch(`${http.url}/okid/verifications/${verificationId}`, { method: 'DELETE', headers: { Origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403);
  });

  it('reads any message tolerantly: odd shapes are ignored, unknown services are in_progress and never final, progress never goes back', async () => {
    const { verificationId, qrCodeText } = await createOne();
    const stream = await openStream(`${http.url}/okid/verifications/${verificationId}/events`);
    await stream.status('created');
    for (const socket of uqudo.sockets.get(qrCodeText) ?? []) {
      socket.send('not json');
      socket.send(JSON.stringify({ service: 42 }));
      socket.send(JSON.stringify([1, 2]));
      socket.send(Buffer.from([1, 2, 3]));
      socket.send(JSON.stringify({ service: 'LIVENESS_V2', sessionId: 'x' }));
    }
    await stream.until(() => stream.snapshots.length === 2, 'the unknown service');
    assert.equal(stream.snapshots[1]!.status, 'in_progress');
    assert.equal(stream.snapshots[1]!.vendorStatus, 'LIVENESS_V2');
    assert.ok(log.lines.some((line) => line.includes('"LIVENESS_V2"')));
    uqudo.say(qrCodeText, 'INFO');
    await stream.status('completed');
    await stream.waitEnd();
    // The table alone, over generated sequences of words.
    const words = fc.oneof(fc.constantFrom('SCAN', 'READ', 'FACE', 'BACKGROUND_CHECK', 'scan', 'Face'), fc.string({ minLength: 1, maxLength: 80 }));
    fc.assert(
      fc.property(fc.array(words, { maxLength: 12 }), fc.boolean(), fc.boolean(), (sequence, reading, face) => {
        let snapshot = firstSnapshot('uq1.x', { reading, face }, 0, 1800_000, 1);
        for (const word of sequence) {
          const next = afterService(snapshot, word, { reading, face }, 2).snapshot;
          assert.notEqual(next.status, 'completed', 'only INFO ends it');
          for (const [step, state] of Object.entries(snapshot.progress)) if (state === 'completed') assert.equal(next.progress[step as 'document'], 'completed');
          assert.ok((next.vendorStatus ?? '').length <= 64);
          snapshot = next;
        }
        assert.equal(afterService(snapshot, 'INFO', { reading, face }, 3).snapshot.status, 'completed');
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });

  it('answers expired past uqudo\'s 30 minutes, with no socket', async () => {
    const old = sealSession(sealingKey(SECRET), { sessionId: '0b7d3c2e-0000-4000-8000-999999999999', qrCodeText: 'qrOld_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', createdAt: Math.floor(Date.now() / 1000) - 31 * 60 })!;
    const auths = uqudo.auths;
    const body = (await (await fetch(`${http.url}/okid/verifications/${old}`)).json()) as { status: string };
    assert.equal(body.status, 'expired');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(uqudo.auths, auths);
  });

  it('checks its options at start, naming the option; the token is in no log line or answer', async () => {
    const good = { token: TOKEN, baseUrl: 'https://uqudo.example', secret: SECRET, documents: [{ documentType: 'PASSPORT' }] };
    const refused: [unknown, RegExp][] = [
      [{ ...good, token: '' }, /token/],
      [{ ...good, baseUrl: 'nope' }, /baseUrl/],
      [{ ...good, wsUrl: 'ws://uqudo.example/ws/v1/session' }, /wsUrl must be wss/],
      [{ ...good, secret: 'short' }, /secret/],
      [{ ...good, documents: [] }, /documents/],
      [{ ...good, documents: [{ documentType: 'passport; drop' }] }, /documents\[0\]\.documentType/],
      [{ ...good, documents: [{ documentType: 'PASSPORT', reading: true }] }, /documents\[0\]\.reading/],
      [{ ...good, facialRecognition: { enabled: 'yes' } }, /facialRecognition/],
      [{ ...good, reconnect: { baseMs: -1 } }, /reconnect\.baseMs/],
      [{ ...good, document: [] }, /documents/],
    ];
    for (const [options, message] of refused) {
      assert.throws(() => uqudoProvider(options as never), (error: Error) => error instanceof TypeError && message.test(error.message) && !error.message.includes(TOKEN), JSON.stringify(options));
    }
    const wrong = createOkidProxy({ provider: uqudoProvider({ ...good, token: `${TOKEN}-old`, baseUrl: uqudo.server.url }), authorize: 'public', create: () => ({}), logger: log.logger });
    const refusedAnswer = await wrong.fetch(new Request('http://operator.test/okid/verifications', { method: 'POST' }));
    assert.equal(refusedAnswer.status, 502);
    assert.doesNotMatch(await refusedAnswer.text(), /uqudo-bearer/);
    await wrong.close();
    assert.ok(log.lines.some((line) => line.includes('the token option of uqudoProvider')));
    for (const line of log.lines) assert.ok(!line.includes(TOKEN), line);
  });
});

describe('uqudo provider, two proxies over a real redis-server', () => {
  let redis: RedisServer;
  let uqudo: FakeUqudo;
  const hubs: OkidHub[] = [];

  before(async () => {
    redis = await startRedis();
    uqudo = await new FakeUqudo().start();
  });

  after(async () => {
    for (const hub of hubs) await hub.close();
    await uqudo.close();
    await redis.stop();
  });

  it('holds one socket between them; when its holder stops, the other takes over and its browsers see the rest', async () => {
    const proxy = () => {
      const hub = createRedisHub({ url: redis.url });
      hubs.push(hub);
      return createOkidProxy({ provider: provider(uqudo), hub, authorize: 'public', create: () => ({}), pollIntervalMs: 200, logger: capture().logger });
    };
    const a = proxy();
    const b = proxy();
    const httpA = await listen((req, res) => a.node(req, res));
    const httpB = await listen((req, res) => b.node(req, res));
    try {
      const created = (await (await fetch(`${httpA.url}/okid/verifications`, { method: 'POST' })).json()) as { verificationId: string; verificationUrl: string };
      const qr = created.verificationUrl.split('/').at(-1)!;
      await until(() => uqudo.live(qr) === 1, 'A holds the socket');
      // A browser on B: B follows the session but does not open a second socket.
      const stream = await openStream(`${httpB.url}/okid/verifications/${created.verificationId}/events`);
      await stream.status('created');
      uqudo.say(qr, 'SCAN');
      await stream.until(() => stream.snapshots.length === 2, 'SCAN through the hub');
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(uqudo.live(qr), 1, 'one socket for two instances');
      assert.equal(uqudo.auths, 1);
      // A stops (its lease goes back to the hub): B, which follows the session, takes the socket on its next tick.
      await a.close();
      await until(() => uqudo.live(qr) === 1 && uqudo.auths === 2, 'B took the socket over', 5000);
      uqudo.say(qr, 'READ');
      uqudo.say(qr, 'FACE');
      uqudo.say(qr, 'INFO');
      await stream.status('completed');
      await stream.waitEnd();
      assert.deepEqual(stream.snapshots.map((s) => s.vendorStatus), [undefined, 'SCAN', 'READ', 'FACE', 'INFO']);
      // A cold instance reads the last status from the hub.
      const c = proxy();
      const read = (await (await c.fetch(new Request(`http://operator.test/okid/verifications/${created.verificationId}`))).json()) as { status: string };
      assert.equal(read.status, 'completed');
      await c.close();
    } finally {
      await a.close();
      await b.close();
      await httpA.close();
      await httpB.close();
    }
  });
});
