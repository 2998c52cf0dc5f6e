/**
 * Generated requests against the proxy over real HTTP (fast-check, bounded runs; a failure
 * prints the seed and the shrunk request). Requests are written on a raw socket, so paths,
 * methods, headers and bodies are whatever an attacker can send, not what a well-behaved client
 * library allows. Between the proxy and the sandbox a recording relay sees every okID call.
 * What must hold for every request: an answer within 5 s and below 500 (Node's own parser
 * answers bytes HTTP forbids with 400), never the API key in what comes back, never an okID
 * call for an id that is not `^(ver|tok)_[A-Za-z0-9_-]{4,128}$`, and never the client's own
 * `X-SDK-Key` forwarded.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { VERIFICATION_ID_PATTERN } from '../../src/core/status.js';

const API_KEY = 'sk_fuzz_secret_key_never_leaked_7f3a';
const ID_PATTERN = VERIFICATION_ID_PATTERN;
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);

interface UpstreamCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** Sends one raw HTTP/1.1 request; resolves with the status (0: the server closed without answering) and what came back within `readMs`. */
function rawRequest(port: number, head: string, body: Buffer, readMs = 300): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    };
    // Long enough for an okID read through the relay; an event stream is cut after `readMs` of it.
    const timer = setTimeout(finish, 5_000);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes('\r\n\r\n')) setTimeout(finish, readMs);
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

// ------------------------------------------------------------------ generators

const validIds = fc.oneof(fc.stringMatching(/^(ver|tok)_[A-Za-z0-9_-]{4,40}$/), fc.uuid(), fc.stringMatching(VERIFICATION_ID_PATTERN));
const hostileIds = fc.oneof(
  fc.constantFrom(
    '..', '%2e%2e', '%2E%2E%2F', '..%2f..%2fapi%2fget-verification-details', '%252e%252e%252f', '..%5c..%5c', '%c0%ae%c0%ae%c0%af',
    'ver_abcd%2f..%2f..%2fapi', 'ver_abcd%2F%2E%2E', 'ver_abcd%00', 'ver_%E2%80%AEabcd', 'ver_abcd%0d%0aX-Injected:%201',
    'http:%2F%2Fevil.example%2F', '%2F%2Fevil.example', 'https%3A%2F%2Fevil.example', 'ver_abcd%2E%2E', '%2E',
    `ver_${'a'.repeat(197)}`, `ver_${'a'.repeat(10_000)}`, `${'%61'.repeat(3_000)}`, 'ver_abcd%20', '%20ver_abcd', 'ver_%C3%A9',
  ),
  // Anything at all, percent-encoded as a browser would send it: control, bidi and astral characters included.
  fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[\s/?#]/g, '')),
);
/** Ids of verifications that exist, filled in before the run, so reads, streams and QR codes answer too. */
const existing: string[] = [];
const ids = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 2).map((i) => existing[i] ?? 'ver_missing'), weight: 2 },
  { arbitrary: validIds, weight: 1 },
  { arbitrary: hostileIds, weight: 3 },
);

const paths = fc.oneof(
  ids.map((id) => `/okid/verifications/${id}`),
  ids.map((id) => `/okid/verifications/${id}/events`),
  ids.map((id) => `/okid/verifications/${id}/qrcode.png`),
  ids.map((id) => `/okid/verifications/${id}/${id}`),
  fc.constantFrom('/okid/verifications', '/okid/webhooks', '/okid', '/okid/', '/okid//verifications', '/okid/verifications/', '/OKID/verifications', '/okid/../okid/verifications', '/', '*'),
  fc.webPath().map((p) => `/okid${p.startsWith('/') ? p : `/${p}`}`),
);
const methods = fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'get', 'X-FOO');
const headerSets = fc.record(
  {
    'X-SDK-Key': fc.constantFrom('sk_attacker', API_KEY.toUpperCase(), ''),
    'Content-Type': fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', ''),
    Origin: fc.constantFrom('http://127.0.0.1', 'https://evil.example', 'null', 'http://localhost:1', ''),
    'Sec-Fetch-Site': fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none'),
    'X-Forwarded-For': fc.constantFrom('1.2.3.4', '127.0.0.1, 10.0.0.1', 'garbage', ''),
    Accept: fc.constantFrom('text/event-stream', 'application/json', '*/*'),
    'If-None-Match': fc.constantFrom('"x"', '*', 'W/"abc"', ''),
    'Last-Event-ID': fc.constantFrom('1', '-1', '99999999999999999999', 'abc'),
    Cookie: fc.constantFrom('session=abc', `key=${API_KEY}`),
  },
  { requiredKeys: [] },
);
const bodies = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.json().map((json) => Buffer.from(json)),
  fc.constant(Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
  fc.constant(Buffer.alloc(70 * 1024, 'a')),
  fc.uint8Array({ maxLength: 500 }).map((bytes) => Buffer.from(bytes)),
);

// ------------------------------------------------------------------ the stack

describe('proxy over real HTTP, generated requests', () => {
  let sandbox: Sandbox;
  let relay: Server;
  let proxyServer: Server;
  let okid: OkidProxy;
  let proxyPort: number;
  const upstream: UpstreamCall[] = [];
  const errors: string[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, apiKey: API_KEY, processingDelayMs: 0 });
    // A real HTTP hop that records every okID call before passing it on.
    relay = createServer(async (req, res) => {
      upstream.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers.set(name, value);
      const answer = await fetch(sandbox.url + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => name !== 'content-encoding' && name !== 'transfer-encoding')));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    const relayUrl = await listen(relay);
    okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: relayUrl, v1BaseUrl: relayUrl,
      webhookSecret: 'whsec_fuzz',
      create: () => ({ extra_data: { fuzz: true } }),
      logger: { warn: () => {}, error: (line: string) => errors.push(line) },
    });
    proxyServer = createServer((req, res) => okid.node(req, res));
    proxyPort = Number(new URL(await listen(proxyServer)).port);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${proxyPort}/okid/verifications`, { method: 'POST' });
      assert.equal(response.status, 201);
      existing.push(((await response.json()) as { verificationId: string }).verificationId);
    }
  });
  after(async () => {
    await okid?.close();
    proxyServer?.closeAllConnections();
    await new Promise((resolve) => proxyServer?.close(resolve));
    relay?.closeAllConnections();
    await new Promise((resolve) => relay?.close(resolve));
    await sandbox?.close();
  });

  test('every answer is 2xx, 3xx or 4xx, never carries the key, and no invalid id reaches okID', async () => {
    let answered = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(methods, paths, headerSets, bodies, async (method, path, headers, body) => {
        const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${proxyPort}`, 'Connection: close'];
        for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
        if (body.length > 0 || method === 'POST') lines.push(`Content-Length: ${body.length}`);
        const { status, text } = await rawRequest(proxyPort, `${lines.join('\r\n')}\r\n\r\n`, body);
        assert.ok(!text.includes(API_KEY), `the key came back for ${method} ${path.slice(0, 80)}`);
        // No answer within 5 s (a hang) or a dropped socket (a crash) fails like a 5xx: Node's own
        // parser answers malformed requests with 400.
        assert.ok(status >= 200 && status < 500, `${method} ${path.slice(0, 120)} answered ${status || 'nothing'}: ${text.slice(0, 300)}`);
        if (status >= 400) {
          refused++;
          const json = text.slice(text.indexOf('\r\n\r\n') + 4);
          if (method !== 'HEAD' && json.trim().startsWith('{')) {
            const parsed = JSON.parse(json) as { error?: unknown; code?: unknown };
            assert.equal(typeof parsed.error, 'string');
            assert.equal(typeof parsed.code, 'string');
          }
        } else answered++;
      }),
      { numRuns: RUNS },
    );
    for (const call of upstream) {
      assert.equal(call.headers['x-sdk-key'], API_KEY, `okID got the operator's key, not a client's (${call.method} ${call.path})`);
      const id = /\/(?:get-verification-[a-z-]+|v1\/verification|v1\/flow)\/([^/?]+)/.exec(call.path)?.[1];
      if (id !== undefined) assert.match(decodeURIComponent(id), ID_PATTERN, `okID was asked about ${call.path.slice(0, 120)}`);
    }
    assert.deepEqual(errors.filter((line) => !/okID|upstream|timed out/i.test(line)), [], 'no unexpected proxy error');
    assert.ok(!errors.join('\n').includes(API_KEY), 'the key is never logged');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    console.log(`fuzz-proxy: ${RUNS} requests: ${answered} answered, ${refused} refused with 4xx; ${upstream.length} okID calls`);
    assert.ok(answered > 0 && refused > 0, 'the run reached both answers and refusals');
  });
});
