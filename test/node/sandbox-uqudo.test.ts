/**
 * The sandbox as uqudo (`provider: 'uqudo'`), over real HTTP and real WebSockets (`ws` as the
 * client): the session API, sockets authenticated by their first message, the reader page pressed
 * through its forms as a phone's browser would, the reader endpoints, DELETE and expiry closing
 * sockets, 1008 for a bad qrCodeText, TLS on the same port, and the connection cap.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { lanCertificate } from '../../src/sandbox/certificate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { buttons, openPage, press, pressAndFollow } from './vendor-helpers.js';

const KEY = 'sk_sandbox_demo';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

const FULL_DATA = {
  documents: [
    { documentType: 'PASSPORT', reading: { enabled: false } },
    { documentType: 'UAE_ID', reading: { enabled: true } },
  ],
  generalConfig: { secureWindowsEnabled: true, userIdentifier: null },
  backgroundCheck: { enabled: true, checkType: 'RDC' },
  facialRecognition: { enabled: true, maxAttempts: 3 },
};

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function api(sandbox: Sandbox, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(sandbox.url + path, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}

const createRaw = (sandbox: Sandbox, body: unknown, key = KEY) =>
  api(sandbox, '/api/v1/session', {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function create(sandbox: Sandbox, data: unknown = {}): Promise<{ sessionId: string; qrCodeText: string; qrCodeTextWithDynamicLink: string }> {
  const res = await createRaw(sandbox, { data: b64(data) });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** A socket as the operator's page opens it: what it received, and how it closed. */
interface Client {
  ws: WebSocket;
  messages: Array<{ service: string; sessionId: string }>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a socket to `url` and sends `first` on open, as the document's JS component does. */
function connect(base: string, first: string | Buffer | undefined, options: { rejectUnauthorized?: boolean } = {}): Client {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/v1/session`, options);
  const messages: Client['messages'] = [];
  ws.on('open', () => {
    if (first !== undefined) ws.send(first);
  });
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', () => {});
  });
  return { ws, messages, closed };
}

/** A sandbox whose log the test reads, to know when sockets are authenticated. */
async function logged(options: Parameters<typeof startSandbox>[0] = {}): Promise<{ sandbox: Sandbox; lines: string[]; authenticated(count: number): Promise<void> }> {
  const lines: string[] = [];
  const sandbox = await startSandbox({ provider: 'uqudo', port: 0, ...options, log: (line) => lines.push(line) });
  return {
    sandbox,
    lines,
    async authenticated(count) {
      const deadline = Date.now() + 3000;
      while (lines.filter((line) => line.startsWith('websocket authenticated')).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} authenticated sockets; log: ${lines.join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('sandbox as uqudo', () => {
  let sandbox: Sandbox;
  let lines: string[];
  let authenticated: (count: number) => Promise<void>;
  before(async () => {
    ({ sandbox, lines, authenticated } = await logged());
  });
  after(async () => {
    await sandbox?.close();
  });

  test('a whole session: created, sockets authenticated, the reader plays every step, INFO closes the sockets', async () => {
    assert.equal(sandbox.provider, 'uqudo');
    const session = await create(sandbox, FULL_DATA);
    assert.deepEqual(Object.keys(session).sort(), ['qrCodeText', 'qrCodeTextWithDynamicLink', 'sessionId']);
    assert.match(session.qrCodeText, /^[A-Za-z0-9_-]{32,}$/);
    assert.equal(session.qrCodeTextWithDynamicLink, `${sandbox.url}/reader/${session.qrCodeText}`);

    // The reader app's two ways of reading the session.
    const byHeader = await api(sandbox, '/api/v1/session', { headers: { Authorization: session.qrCodeText } });
    assert.equal(byHeader.status, 200);
    assert.deepEqual(Object.keys(byHeader.body).sort(), ['data', 'sessionId', 'token']);
    assert.equal(byHeader.body.sessionId, session.sessionId);
    assert.equal(byHeader.body.data, b64(FULL_DATA), 'data as the backend sent it');
    assert.equal(typeof byHeader.body.token, 'string');
    const byPath = await api(sandbox, `/api/v1/session/${session.qrCodeText}`);
    assert.deepEqual(byPath.body, byHeader.body);

    const before = lines.filter((line) => line.startsWith('websocket authenticated')).length;
    const first = connect(sandbox.url, session.qrCodeText);
    const second = connect(sandbox.url, session.qrCodeText);
    await authenticated(before + 2);

    let page = await openPage(session.qrCodeTextWithDynamicLink);
    assert.equal(page.status, 200);
    assert.match(page.csp ?? '', /default-src 'none'/);
    assert.doesNotMatch(page.html, /<script/i);
    assert.deepEqual(buttons(page), ['Scan document']);
    page = await pressAndFollow(page, 'Scan document');
    await settle();
    assert.deepEqual(first.messages, [{ service: 'SCAN', sessionId: session.sessionId }]);
    assert.deepEqual(second.messages, first.messages, 'every authenticated socket hears it');

    // A socket that authenticates later hears what comes next only: no replay.
    const late = connect(sandbox.url, session.qrCodeText);
    await authenticated(before + 3);
    for (const label of ['Read chip', 'Face check', 'Background check']) page = await pressAndFollow(page, label);
    assert.deepEqual(buttons(page), ['Finish']);
    page = await pressAndFollow(page, 'Finish');
    assert.match(page.html, /Onboarding done/);
    assert.deepEqual(buttons(page), []);

    const expected = ['SCAN', 'READ', 'FACE', 'BACKGROUND_CHECK', 'INFO'].map((service) => ({ service, sessionId: session.sessionId }));
    for (const client of [first, second, late]) {
      const closed = await client.closed;
      assert.equal(closed.code, 1000, 'closed normally after INFO');
    }
    assert.deepEqual(first.messages, expected);
    assert.deepEqual(second.messages, expected);
    assert.deepEqual(late.messages, expected.slice(1), 'no SCAN for the late socket');

    // The result, by the operator's backend (a stand-in for the Info API).
    const info = await api(sandbox, `/api/v1/info/${session.sessionId}`, { headers: { Authorization: `Bearer ${KEY}` } });
    assert.equal(info.status, 200);
    assert.ok(lines.length > 5 && !lines.join('\n').includes(session.qrCodeText), 'the log names routes with the qrCodeText cut short');
    assert.equal(info.body.sessionId, session.sessionId);
    const payload = JSON.parse(Buffer.from(info.body.jws.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(payload.jti, session.sessionId, "the JWS's jti is the session id, as the document says");
  });

  test("only the services data asks for: SCAN and INFO when nothing else is enabled; a stale form plays nothing", async () => {
    const session = await create(sandbox, { documents: [{ documentType: 'PASSPORT' }] });
    const before = lines.filter((line) => line.startsWith('websocket authenticated')).length;
    const client = connect(sandbox.url, session.qrCodeText);
    await authenticated(before + 1);
    const page = await openPage(session.qrCodeTextWithDynamicLink);
    assert.equal((await press(page, 'Scan document')).status, 303);
    assert.equal((await press(page, 'Scan document')).status, 303, 'a double submit answers as the first');
    const next = await openPage(page.url);
    assert.deepEqual(buttons(next), ['Finish']);
    const info = await api(sandbox, `/api/v1/info/${session.sessionId}`, { headers: { Authorization: `Bearer ${KEY}` } });
    assert.equal(info.status, 409, 'no result before INFO');
    await pressAndFollow(next, 'Finish');
    assert.equal((await client.closed).code, 1000);
    assert.deepEqual(client.messages.map((m) => m.service), ['SCAN', 'INFO']);
    const bad = await fetch(`${page.url}/step`, { method: 'POST', body: 'at=' });
    assert.equal(bad.status, 400);
  });

  test('1008 for an unknown, malformed or binary qrCodeText, and for silence past the auth timeout', async () => {
    const session = await create(sandbox);
    for (const first of ['A'.repeat(32), `${session.qrCodeText} `, session.qrCodeText.slice(1), 'x', Buffer.from(session.qrCodeText)]) {
      const client = connect(sandbox.url, first);
      const closed = await client.closed;
      assert.equal(closed.code, 1008, JSON.stringify(String(first)));
      assert.match(closed.reason, /qrCodeText/);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }), async (text) => {
        const client = connect(sandbox.url, text);
        assert.equal((await client.closed).code, 1008);
        assert.deepEqual(client.messages, []);
      }),
      { numRuns: 30 },
    );
    const huge = connect(sandbox.url, 'x'.repeat(5000));
    assert.equal((await huge.closed).code, 1009, 'a message past 1 KiB');

    const quick = await startSandbox({ provider: 'uqudo', port: 0, connectionLimits: { firstByteTimeout: 150 } });
    try {
      const silent = connect(quick.url, undefined);
      const closed = await silent.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /qrCodeText first/);
    } finally {
      await quick.close();
    }
  });

  test('DELETE answers 204 and closes the session\'s sockets; then everything about it is 404', async () => {
    const session = await create(sandbox, FULL_DATA);
    const before = lines.filter((line) => line.startsWith('websocket authenticated')).length;
    const client = connect(sandbox.url, session.qrCodeText);
    await authenticated(before + 1);
    const deleted = await api(sandbox, `/api/v1/session/${session.qrCodeText}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    assert.equal(closed.reason, 'Session deleted');
    assert.equal((await api(sandbox, `/api/v1/session/${session.qrCodeText}`)).status, 404);
    assert.equal((await api(sandbox, '/api/v1/session', { headers: { Authorization: session.qrCodeText } })).status, 404);
    assert.equal((await api(sandbox, `/api/v1/session/${session.qrCodeText}`, { method: 'DELETE' })).status, 404);
    assert.equal((await openPage(session.qrCodeTextWithDynamicLink)).status, 404);
    const again = connect(sandbox.url, session.qrCodeText);
    assert.equal((await again.closed).code, 1008);
  });

  test('bad bearer tokens: 401 without echoing them; bad bodies and data: 400 with { error, details }', async () => {
    const guess = 'sk_guess_ABCDEFGHIJKLMNOP';
    for (const authorization of [undefined, guess, `Bearer ${guess}`, `Basic ${KEY}`, 'Bearer']) {
      const res = await api(sandbox, '/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
        body: JSON.stringify({ data: b64({}) }),
      });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(typeof res.body.error, 'string');
      assert.ok(!res.text.includes(guess) && !res.text.includes(KEY));
    }
    const bad: unknown[] = [
      {},
      { data: 1 },
      { data: '' },
      { data: 'not base64!' },
      { data: Buffer.from('{}').toString('base64url') + '_' },
      { data: Buffer.from('not json').toString('base64') },
      { data: b64([1, 2]) },
      { data: b64(null) },
      { data: b64('text') },
      { data: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64') },
      { data: b64({ documents: {} }) },
      { data: b64({ documents: ['PASSPORT'] }) },
      { data: b64({ documents: [{ reading: { enabled: 'yes' } }] }) },
      { data: b64({ facialRecognition: true }) },
      { data: b64({ backgroundCheck: { enabled: 1 } }) },
      '[]',
      '{"data":',
    ];
    for (const body of bad) {
      const res = await createRaw(sandbox, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.error, 'string');
      assert.equal(typeof res.body.details, 'string');
    }
    assert.equal((await createRaw(sandbox, { data: 'x'.repeat(70 * 1024) })).status, 413);
    assert.equal((await api(sandbox, '/api/v1/session')).status, 401, 'the reader route without a qrCodeText');
  });

  test('any data string: 200 exactly when it is base64 of a JSON object, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.base64String({ maxLength: 80 }),
          fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64')),
        ),
        async (data) => {
          const res = await createRaw(sandbox, { data });
          let expected = 400;
          try {
            const decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data, 'base64')));
            const canonical = Buffer.from(data, 'base64').toString('base64').replace(/=+$/, '') === data.replace(/=+$/, '');
            if (canonical && /^[A-Za-z0-9+/]+={0,2}$/.test(data) && decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded)) expected = 200;
          } catch {
            expected = 400;
          }
          // A JSON object whose reading/facialRecognition/backgroundCheck fields have other types is a 400 too.
          if (expected === 200 && res.status === 400) assert.match(res.body.details, /^data\./);
          else assert.equal(res.status, expected, `${res.status} for ${JSON.stringify(data)}: ${res.text}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('malformed or unknown qrCodeText on the reader routes: 404, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), async (text) => {
        const path = `/api/v1/session/${encodeURIComponent(text)}`;
        const byPath = await api(sandbox, path);
        // '.' and '..' are resolved away by the URL itself: the collection route then answers.
        assert.ok([404, 401].includes(byPath.status), `${byPath.status} for ${JSON.stringify(text)}`);
        const page = await fetch(`${sandbox.url}/reader/${encodeURIComponent(text)}`);
        await page.arrayBuffer();
        assert.ok(page.status === 404);
      }),
      { numRuns: 60 },
    );
  });

  test('an upgrade on another path is a 404; the WebSocket route answers plain GETs 404 too', async () => {
    const ws = new WebSocket(`${sandbox.url.replace('http', 'ws')}/ws/v2/other`);
    const error = await new Promise<Error>((resolve) => ws.on('error', resolve));
    assert.match(error.message, /404/);
    assert.equal((await api(sandbox, '/ws/v1/session')).status, 404);
  });
});

describe('uqudo sandbox: lifetime, limits, TLS, options', () => {
  test('sessions are deleted ttlSeconds after creation: sockets closed, reads 404', async () => {
    const { sandbox, authenticated } = await logged({ ttlSeconds: 1 });
    try {
      const session = await create(sandbox);
      const client = connect(sandbox.url, session.qrCodeText);
      await authenticated(1);
      const started = Date.now();
      const closed = await client.closed;
      assert.equal(closed.code, 1000);
      assert.equal(closed.reason, 'Session expired');
      assert.ok(Date.now() - started < 1500, 'closed on time, by the timer');
      assert.equal((await api(sandbox, `/api/v1/session/${session.qrCodeText}`)).status, 404);
    } finally {
      await sandbox.close();
    }
  });

  test('upgraded sockets count toward maxConnections and are never closed for a newcomer', async () => {
    const { sandbox, authenticated } = await logged({ connectionLimits: { maxConnections: 2 } });
    try {
      const a = await create(sandbox);
      const first = connect(sandbox.url, a.qrCodeText);
      const second = connect(sandbox.url, a.qrCodeText);
      await authenticated(2);
      await assert.rejects(fetch(`${sandbox.url}/healthz`), 'a third connection is refused at the cap');
      assert.equal(first.ws.readyState, WebSocket.OPEN);
      assert.equal(second.ws.readyState, WebSocket.OPEN);
      first.ws.close();
      await first.closed;
      await settle();
      assert.equal((await fetch(`${sandbox.url}/healthz`)).status, 200, 'room again once one closed');
    } finally {
      await sandbox.close();
    }
  });

  test("an upgrade request whose headers trickle in is cut by the server's header timeout", async () => {
    const sandbox = await startSandbox({ provider: 'uqudo', port: 0, connectionLimits: { headersTimeout: 1000, requestTimeout: 1500, connectionsCheckingInterval: 100 } });
    const socket = netConnect(Number(new URL(sandbox.url).port), '127.0.0.1');
    socket.on('error', () => {});
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const started = Date.now();
    socket.write('GET /ws/v1/session HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 150);
    try {
      await new Promise((resolve) => socket.on('close', resolve));
      const after = Date.now() - started;
      assert.ok(after >= 900 && after < 3500, `cut after ${after} ms`);
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
      socket.destroy();
      await sandbox.close();
    }
  });

  test('over TLS on the same port: wss:// works like ws://', async () => {
    const work = await mkdtemp(join(tmpdir(), 'okid-uqudo-'));
    const tls = await lanCertificate({ hosts: ['127.0.0.1'], cacheDir: work, env: {} });
    const lines: string[] = [];
    const sandbox = await startSandbox({ provider: 'uqudo', port: 0, tls: { cert: tls.cert, key: tls.key }, log: (line) => lines.push(line) });
    try {
      const session = await create(sandbox);
      const secure = connect(sandbox.url.replace('http:', 'https:'), session.qrCodeText, { rejectUnauthorized: false });
      const plain = connect(sandbox.url, session.qrCodeText);
      const deadline = Date.now() + 3000;
      while (lines.filter((line) => line.startsWith('websocket authenticated')).length < 2 && Date.now() < deadline) await settle();
      await pressAndFollow(await openPage(session.qrCodeTextWithDynamicLink), 'Scan document');
      await settle();
      assert.deepEqual(secure.messages, [{ service: 'SCAN', sessionId: session.sessionId }]);
      assert.deepEqual(plain.messages, secure.messages);
      const bad = connect(sandbox.url.replace('http:', 'https:'), 'B'.repeat(32), { rejectUnauthorized: false });
      assert.equal((await bad.closed).code, 1008);
    } finally {
      await sandbox.close();
      await rm(work, { recursive: true, force: true });
    }
  });

  test('close() returns promptly with sockets open, and ends them', async () => {
    const { sandbox, authenticated } = await logged();
    const session = await create(sandbox);
    const clients = [connect(sandbox.url, session.qrCodeText), connect(sandbox.url, session.qrCodeText)];
    await authenticated(2);
    const silent = connect(sandbox.url, undefined);
    await new Promise((resolve) => silent.ws.once('open', resolve));
    const started = Date.now();
    await sandbox.close();
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
    for (const client of [...clients, silent]) assert.notEqual((await client.closed).code, 1000);
  });

  test('options: unknown names refused, okID-only ones and appId/webhookUrl refused; a custom bearer token', async () => {
    await assert.rejects(startSandbox({ provider: 'uqudo', port: 0, ttlSecond: 5 } as never), /unknown option "ttlSecond"; did you mean "ttlSeconds"/);
    await assert.rejects(startSandbox({ provider: 'uqudo', port: 0, appId: 'x' }), /appId is OOTO's APP-ID/);
    await assert.rejects(startSandbox({ provider: 'uqudo', port: 0, webhookUrl: 'http://127.0.0.1:9/' }), /uqudo's document has no callback/);
    await assert.rejects(startSandbox({ provider: 'uqudo', port: 0, flow: ['document'] }), /flow is an okID option/);
    const sandbox = await startSandbox({ provider: 'uqudo', port: 0, apiKey: 'uq_token' });
    try {
      assert.equal((await createRaw(sandbox, { data: b64({}) }, 'uq_token')).status, 200);
      assert.equal((await createRaw(sandbox, { data: b64({}) })).status, 401);
    } finally {
      await sandbox.close();
    }
  });
});
