/**
 * `okid-verify check`, the live check for going live, run as a child process (as
 * bin/okid-verify.js runs it): against the sandbox over real HTTP it passes with exit code 0;
 * against a fake okID that answers badly (wrong key, 500, HTML, too slow) it says so in one clear
 * line per call, without a stack trace, never printing the key, with exit code 1. With
 * `--webhook-port` it names the signature reading of a signed delivery.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { signWebhook } from '../../src/server/webhooks/signature.js';
import type { WebhookScheme } from '../../src/server/webhooks/signature.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'sk_live_checkTestKey_9f3a7c';
const SECRET = 'whsec_checkTestSecret_51b2';
/**
 * Tests at once in each describe. Each runs its own child process (and fake okID, or its own
 * verification at the shared sandbox), so they share nothing; most of a test is the child's
 * start-up, which two cores take two at a time.
 */
const CONCURRENCY = 2;

/** Runs `okid-verify <args>` in a child process with `env`, collecting its output. */
function spawnCheck(args: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import('./src/server/check/cli.ts').then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function runCheck(args: string[], env: Record<string, string> = { OKID_API_KEY: KEY }) {
  const run = spawnCheck(args, env);
  const code = await run.exited;
  return { code, out: run.out(), err: run.err() };
}

/** What no output may hold: the key, the secret, a stack frame. */
function assertClean(text: string): void {
  assert.ok(!text.includes(KEY), `the key leaked:\n${text}`);
  assert.ok(!text.includes(SECRET), `the webhook secret leaked:\n${text}`);
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace:\n${text}`);
}

/** A fake okID on 127.0.0.1:0 whose every answer `answer` writes. */
async function fakeOkid(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const stop = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('okid-verify check against the sandbox', { concurrency: CONCURRENCY }, () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', apiKey: KEY, log: () => {} });
  });
  after(() => sandbox.close());

  test('v2 and v1: every call 200 and parsed, status words read, exit 0', async () => {
    const { code, out, err } = await runCheck(['check', '--base-url', sandbox.url, '--v1-base-url', sandbox.url, '--v1']);
    assert.equal(code, 0, `${out}\n${err}`);
    assert.match(out, /^ok {4}POST \/api\/generate-verification {2}200 {2}verification ver_/m);
    assert.match(out, /^ok {4}GET \/api\/get-verification-details\/ver_\S+ {2}200 {2}status word "generated"; read as status created/m);
    assert.match(out, /^ok {4}GET \/api\/get-verification-qrcode\/ver_\S+ {2}200 {2}a PNG of \d+ bytes/m);
    assert.match(out, /^ok {4}POST \/v1\/verification\/generate {2}200 {2}token tok_/m);
    assert.match(out, /^ok {4}GET \/v1\/verification\/tok_\S+ {2}200 {2}status word "pending"; read as status created/m);
    // The sandbox is not okID's default host: the check says what to set.
    assert.ok(out.includes(`baseUrl: '${sandbox.url}'`), out);
    assert.ok(out.includes(`v1BaseUrl: '${sandbox.url}'`), out);
    assert.match(out, /everything answered and parsed/);
    assertClean(out + err);
  });

  test('the documented dialect, v1 on its own origin: every call 200 and parsed, exit 0', async () => {
    const documented = await startSandbox({ port: 0, host: '127.0.0.1', apiKey: KEY, log: () => {}, dialect: 'documented', v1Port: 0 });
    try {
      assert.ok(documented.v1Url && documented.v1Url !== documented.url, 'v1 has an origin of its own');
      const { code, out, err } = await runCheck(['check', '--base-url', documented.url, '--v1-base-url', documented.v1Url!, '--v1']);
      assert.equal(code, 0, `${out}\n${err}`);
      assert.match(out, /^ok {4}GET \/api\/get-verification-details\/\S+ {2}200 {2}status word "\w+"; read as status created/m);
      assert.match(out, /^ok {4}GET \/v1\/verification\/tok_\S+ {2}200 {2}status word "\w+"; read as status/m);
      assert.match(out, /everything answered and parsed/);
      assertClean(out + err);
    } finally {
      await documented.close();
    }
  });

  for (const scheme of ['timestamp.body:hex', 'body:base64'] as WebhookScheme[]) {
    test(`--webhook-port 0 names the reading of a delivery signed as ${scheme}`, async () => {
      const run = spawnCheck(
        ['check', '--base-url', sandbox.url, '--webhook-port', '0', '--webhook-host', '127.0.0.1', '--webhook-wait-s', '30'],
        { OKID_API_KEY: KEY, OKID_WEBHOOK_SECRET: SECRET },
      );
      try {
        const deadline = Date.now() + 20_000;
        let port: string | undefined;
        while (port === undefined && Date.now() < deadline) {
          port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.out())?.[1];
          if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(port, `no listening line:\n${run.out()}\n${run.err()}`);
        const post = (body: string, headers: Record<string, string>) =>
          fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
        const body = JSON.stringify({ event: 'verification.completed', data: { verification_id: 'ver_checkHook1234', status: 'verified' } });
        // A forged delivery is refused and named; the listener keeps waiting.
        const forged = await post(body, signWebhook({ body, secret: 'another-secret', scheme }));
        assert.equal(forged.status, 401);
        const delivered = await post(body, signWebhook({ body, secret: SECRET, scheme }));
        assert.equal(delivered.status, 200);
        assert.equal(await run.exited, 0, `${run.out()}\n${run.err()}`);
        const out = run.out();
        assert.match(out, /FAIL {2}webhook: refused a delivery \(BAD_SIGNATURE/);
        assert.ok(out.includes(`webhook: verification.completed for ver_checkHook1234; its signature matched as`), out);
        assert.ok(out.includes(`webhookScheme: '${scheme}'`), out);
        assertClean(out + run.err());
      } finally {
        run.child.kill();
      }
    });
  }
});

describe('okid-verify check against an okID that answers badly', { concurrency: CONCURRENCY }, () => {
  const cases: Array<{ name: string; args?: string[]; answer: (req: IncomingMessage, res: ServerResponse) => void; line: RegExp }> = [
    {
      name: 'a wrong key (401, the key echoed in the body)',
      answer: (req, res) => res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `Invalid API key ${req.headers['x-sdk-key']}` })),
      line: /^FAIL {2}POST \/api\/generate-verification {2}INVALID_API_KEY \(HTTP 401\).*check that it is an active key/m,
    },
    {
      name: 'a key of another account (403)',
      answer: (_req, res) => res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"error":"Forbidden"}'),
      line: /^FAIL {2}POST \/api\/generate-verification {2}ACCESS_DENIED \(HTTP 403\)/m,
    },
    {
      name: 'a server error (500)',
      answer: (_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error'),
      line: /^FAIL {2}POST \/api\/generate-verification {2}SERVER_ERROR \(HTTP 500\).*try again later/m,
    },
    {
      name: 'an HTML page (200)',
      answer: (req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><html><body>Login ${req.headers['x-sdk-key']}</body></html>`),
      line: /^FAIL {2}POST \/api\/generate-verification {2}BAD_RESPONSE \(HTTP 200\).*not okID's API.*--base-url/m,
    },
    {
      name: 'a slow answer (beyond --timeout-ms)',
      args: ['--timeout-ms', '300'],
      answer: (_req, res) => {
        const timer = setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'), 5_000);
        res.on('close', () => clearTimeout(timer));
      },
      line: /^FAIL {2}POST \/api\/generate-verification {2}TIMEOUT \(no answer\).*no answer within 300 ms \(--timeout-ms\)/m,
    },
  ];
  for (const { name, args = [], answer, line } of cases) {
    test(`${name}: one clear line, exit 1, no key, no stack`, async () => {
      const okid = await fakeOkid(answer);
      try {
        const { code, out, err } = await runCheck(['check', '--base-url', okid.url, '--v1-base-url', okid.url, '--v1', ...args]);
        assert.equal(code, 1, `${out}\n${err}`);
        assert.match(out, line);
        // The calls that need the created id say why they did not run; the v1 call fails on its own line.
        assert.match(out, /^skip {2}GET \/api\/get-verification-details\/… {2}\(no verification was created\)/m);
        assert.match(out, /^FAIL {2}POST \/v1\/verification\/generate {2}/m);
        assert.match(out, /NOT ready/);
        assertClean(out + err);
      } finally {
        await stop(okid.server);
      }
    });
  }

  test('an unknown status word: read as in progress, kept as vendorStatus, and statusWords advised', async () => {
    const id = 'ver_checkWord1234';
    const okid = await fakeOkid((req, res) => {
      const json = (body: unknown) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/api/generate-verification') return json({ verificationId: id, expiresAt: new Date(Date.now() + 600_000).toISOString() });
      if (req.url === `/api/get-verification-details/${id}`) return json({ verification_id: id, status: { current: 'awaiting_review', updated_at: null } });
      if (req.url === `/api/get-verification-qrcode/${id}`) return res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      res.writeHead(404).end();
    });
    try {
      const { code, out, err } = await runCheck(['check', '--base-url', okid.url]);
      assert.equal(code, 0, `${out}\n${err}`);
      assert.match(out, /status word "awaiting_review" \(not in the table\); read as status in_progress, vendorStatus "awaiting_review"; createOkidClient's typed getVerificationDetails would refuse it/);
      assert.match(out, /statusWords: \{ awaiting_review: '…' \}/);
      assertClean(out + err);
    } finally {
      await stop(okid.server);
    }
  });

  test('bad usage: no key, a key as an argument, an unknown flag — one line on stderr, exit 2', async () => {
    // Four independent children, started together (each fails at once on its arguments).
    const [noKey, asArgument, unknown, noSecret] = await Promise.all([
      runCheck(['check'], {}),
      runCheck(['check', `--api-key=${KEY}`]),
      runCheck(['check', '--base-ulr', 'https://verify.stage.okid.io']),
      runCheck(['check', '--webhook-port', '0']),
    ]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /set OKID_API_KEY/);
    assert.equal(asArgument.code, 2);
    assert.match(asArgument.err, /read from OKID_API_KEY and OKID_WEBHOOK_SECRET only/);
    assertClean(asArgument.out + asArgument.err);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown option '--base-ulr'/);
    assert.equal(noSecret.code, 2);
    assert.match(noSecret.err, /--webhook-port needs OKID_WEBHOOK_SECRET/);
    for (const run of [noKey, unknown, noSecret]) assertClean(run.out + run.err);
  });
});
