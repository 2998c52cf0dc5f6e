/**
 * Stalled connections on the servers this project starts (the sandbox's, the demo's; one
 * protocol or two on a port), over real sockets on 127.0.0.1: one byte and then silence, a
 * trickle of header lines, a TLS handshake cut short or finished and then silence, and 500 such
 * sockets at once while a real request still gets its answer. The limits are small here (about
 * a second) so the suite stays quick; the defaults are Node's own, checked separately.
 */
import assert from 'node:assert/strict';
import { createServer as createNodeHttpServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { lanCertificate } from '../../src/sandbox/certificate.js';
import type { LanCertificate } from '../../src/sandbox/certificate.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { DEFAULT_CONNECTION_LIMITS, createWebServer, resolveConnectionLimits } from '../../src/sandbox/web-server.js';
import type { ConnectionLimits, WebServer } from '../../src/sandbox/web-server.js';
import { startOperatorServer } from '../../demo/operator-server.js';

/** About a second each, checked every 100 ms: a stalled socket must be gone within {@link BOUND_MS}. */
const SMALL: ConnectionLimits = {
  firstByteTimeout: 1000,
  handshakeTimeout: 1000,
  headersTimeout: 1000,
  requestTimeout: 1500,
  keepAliveTimeout: 500,
  connectionsCheckingInterval: 100,
};
const BOUND_MS = 3000;

/** A raw client socket and when the server closed it (ms after connecting), or `open` after `waitMs`. */
interface Probe {
  socket: Socket;
  closed: (waitMs?: number) => Promise<number | 'open'>;
}

function probe(socket: Socket): Probe {
  const start = Date.now();
  let closedAt: number | undefined;
  const done = new Promise<number>((resolve) => {
    socket.on('close', () => {
      closedAt = Date.now() - start;
      resolve(closedAt);
    });
  });
  socket.on('error', () => {});
  socket.resume(); // read (and drop) whatever the server answers, so its close is seen
  return {
    socket,
    closed: (waitMs = BOUND_MS) =>
      Promise.race([done, new Promise<number | 'open'>((resolve) => setTimeout(() => resolve(closedAt ?? 'open'), waitMs).unref())]),
  };
}

function raw(port: number, first?: string | Buffer): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (first !== undefined) socket.write(first);
      resolve(probe(socket));
    });
    socket.once('error', reject);
  });
}

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${port}${path}`).then(async (res) => ({ status: res.status, body: await res.text() }));
}

describe('stalled connections', () => {
  let work: string;
  let certificate: LanCertificate;
  const servers: WebServer[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'okid-web-server-'));
    certificate = await lanCertificate({ hosts: ['192.168.1.20'], cacheDir: work, env: {} });
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await server.close();
    }
    await rm(work, { recursive: true, force: true });
  });

  async function serve(tls: boolean, limits: ConnectionLimits = SMALL, handler = (_req: unknown, res: { end(body: string): void }) => res.end('ok')): Promise<{ server: WebServer; port: number }> {
    const server = createWebServer(handler as never, tls ? certificate : undefined, limits);
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    return { server, port };
  }

  test("the defaults are Node's own, and every limit is checked", () => {
    const node = createNodeHttpServer();
    assert.equal(DEFAULT_CONNECTION_LIMITS.headersTimeout, node.headersTimeout);
    assert.equal(DEFAULT_CONNECTION_LIMITS.requestTimeout, node.requestTimeout);
    assert.equal(DEFAULT_CONNECTION_LIMITS.keepAliveTimeout, node.keepAliveTimeout);
    assert.equal(DEFAULT_CONNECTION_LIMITS.handshakeTimeout, 120_000, "tls.createServer's handshakeTimeout");
    assert.deepEqual(createWebServer(() => {}).limits, DEFAULT_CONNECTION_LIMITS);
    assert.equal(createWebServer(() => {}, undefined, { maxConnections: 7 }).limits.maxConnections, 7);
    assert.throws(() => resolveConnectionLimits({ headersTimeout: 0 }), /headersTimeout must be a whole number of at least 1/);
    assert.throws(() => resolveConnectionLimits({ maxConnections: 1.5 }), /maxConnections/);
    assert.throws(() => resolveConnectionLimits({ headerTimeout: 5 } as never), /unknown field "headerTimeout"/);
    assert.throws(() => createWebServer(() => {}, undefined, { headersTimeout: 2000, requestTimeout: 1000 }), /must not exceed requestTimeout/);
  });

  for (const tls of [false, true]) {
    const kind = tls ? 'http and https on one port' : 'plain http';
    test(`${kind}: one byte then silence, and a trickle of header lines, are cut with 408`, async () => {
      const { port } = await serve(tls);
      const oneByte = await raw(port, 'G');
      const trickle = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => trickle.socket.writable && trickle.socket.write('X-Slow: 1\r\n'), 150);
      let answer = '';
      oneByte.socket.on('data', (chunk) => (answer += chunk));
      try {
        const [a, b] = await Promise.all([oneByte.closed(), trickle.closed()]);
        assert.notEqual(a, 'open', 'one byte then silence: still open');
        assert.notEqual(b, 'open', 'header trickle: still open');
        assert.ok((a as number) >= 900 && (b as number) >= 900, `not before the header timeout (${a}, ${b} ms)`);
        assert.match(answer, /^HTTP\/1\.1 408/);
      } finally {
        clearInterval(drip);
      }
      // A real request on the same server still gets its answer.
      assert.deepEqual(await get(port), { status: 200, body: 'ok' });
    });

    test(`${kind}: a connection that never sends a byte is closed`, async () => {
      const { port } = await serve(tls);
      const silent = await raw(port);
      assert.notEqual(await silent.closed(), 'open');
    });
  }

  test('https: a handshake cut short, and a finished handshake followed by silence, are both closed', async () => {
    const { port } = await serve(true);
    // A TLS record header announcing a handshake, and nothing more.
    const cut = await raw(port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    const finished = await new Promise<Probe>((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(probe(socket as unknown as Socket)));
      socket.once('error', reject);
    });
    const [a, b] = await Promise.all([cut.closed(), finished.closed()]);
    assert.notEqual(a, 'open', 'handshake cut short: still open');
    assert.notEqual(b, 'open', 'handshake finished, then silence: still open');
  });

  test('500 stalled sockets: a real request is still answered, the open count stays at the cap, and all are gone after the timeout', async () => {
    const { server, port } = await serve(true, { ...SMALL, maxConnections: 50 });
    const stalled: Probe[] = [];
    for (let i = 0; i < 500; i++) stalled.push(await raw(port, i % 3 === 0 ? 'G' : i % 3 === 1 ? Buffer.from([0x16]) : 'GET / HTTP/1.1\r\n'));
    assert.ok(server.connections <= 50, `${server.connections} connections open, cap 50`);
    // Arrived last, yet answered: the oldest stalled socket made room.
    assert.deepEqual(await get(port), { status: 200, body: 'ok' });
    const closed = await Promise.all(stalled.map((p) => p.closed(BOUND_MS)));
    assert.equal(closed.filter((c) => c === 'open').length, 0, 'every stalled socket is closed');
    // The server's side of each socket closes a moment after the client's.
    for (let i = 0; i < 40 && server.connections > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.connections, 0, 'the server holds none of them');
  });

  test('at the cap, requests being answered are never cut: a newcomer is refused instead', async () => {
    const held: Array<() => void> = [];
    const { server, port } = await serve(false, { ...SMALL, maxConnections: 3 }, (_req, res) => {
      (res as unknown as { writeHead(s: number): { write(s: string): void } }).writeHead(200).write('streaming');
      held.push(() => res.end('done'));
    });
    const streams = await Promise.all([1, 2, 3].map(() => fetch(`http://127.0.0.1:${port}/`)));
    assert.deepEqual(streams.map((r) => r.status), [200, 200, 200]);
    const newcomer = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.notEqual(await newcomer.closed(500), 'open', 'refused at once');
    assert.equal(server.connections, 3);
    for (const end of held) end();
    await Promise.all(streams.map((r) => r.text()));
  });

  test('the sandbox and the demo operator site take these limits and close a one-byte socket', async () => {
    const sandbox = await startSandbox({ port: 0, connectionLimits: SMALL });
    const operator = await startOperatorServer({ okidUrl: sandbox.url, apiKey: 'sk_sandbox_demo', port: 0, connectionLimits: SMALL });
    try {
      const ports = [new URL(sandbox.url).port, new URL(operator.url).port].map(Number);
      const probes = await Promise.all(ports.map((port) => raw(port, 'G')));
      for (const closed of await Promise.all(probes.map((p) => p.closed()))) assert.notEqual(closed, 'open');
    } finally {
      await operator.close();
      await sandbox.close();
    }
  });

  test('keep-alive: an idle connection after its answer is closed as a listening Node server closes it', async () => {
    const { port } = await serve(false);
    const idle = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.notEqual(await idle.closed(), 'open');
  });
});
