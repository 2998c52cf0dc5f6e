/**
 * The sandbox as OOTO-AI (`provider: 'ooto'`), over real HTTP: the sessions API with APP-ID and
 * APP-KEY, the hosted flow page pressed through its forms as a phone's browser would, the
 * callback received by a real local server, expiry, and refusals of bad keys, bodies and tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { buttons, openPage, press, pressAndFollow, receiver } from './vendor-helpers.js';

const APP_ID = 'app_sandbox';
const KEY = 'sk_sandbox_demo';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function api(sandbox: Sandbox, path: string, init: RequestInit = {}, headers: Record<string, string> = { 'APP-ID': APP_ID, 'APP-KEY': KEY }): Promise<Answer> {
  const res = await fetch(sandbox.url + path, { ...init, headers: { 'Content-Type': 'application/json', ...headers, ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}

const create = (sandbox: Sandbox, body: unknown, headers?: Record<string, string>) =>
  api(sandbox, '/api/v1.0/flow/sessions', { method: 'POST', body: JSON.stringify(body) }, headers);
const status = (sandbox: Sandbox, token: string, headers?: Record<string, string>) =>
  api(sandbox, `/api/v1.0/flow/sessions/${encodeURIComponent(token)}`, {}, headers);

describe('sandbox as OOTO-AI', () => {
  let sandbox: Sandbox;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  const lines: string[] = [];
  before(async () => {
    sandbox = await startSandbox({ provider: 'ooto', port: 0, log: (line) => lines.push(line) });
    hooks = await receiver();
  });
  after(async () => {
    await sandbox?.close();
    await hooks?.close();
  });

  test('a whole session: created, captcha, each step in the documented order, DONE with a result, the callback', async () => {
    assert.equal(sandbox.provider, 'ooto');
    assert.equal(sandbox.appId, APP_ID);
    const created = await create(sandbox, {
      scopes: ['search', 'liveness', 'deepfake'],
      metadata: { order: 42 },
      callbackUrl: `${hooks.url}/ooto/cb?s=1`,
      returnUrl: 'https://shop.example/back?a=1&b=2',
    });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(Object.keys(created.body).sort(), ['sessionId', 'token', 'url']);
    assert.match(created.body.sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(created.body.token, /^[A-Za-z0-9_-]{32,}$/);
    assert.equal(created.body.url, `${sandbox.url}/flow/${created.body.token}`);
    const token: string = created.body.token;

    let read = await status(sandbox, token);
    assert.equal(read.status, 200);
    assert.deepEqual(Object.keys(read.body).sort(), ['expiresAt', 'nextStep', 'returnUrl', 'scopes', 'status', 'uiHints']);
    assert.equal(read.body.status, 'CREATED');
    assert.deepEqual(read.body.scopes, ['search', 'liveness', 'deepfake']);
    assert.equal(read.body.nextStep, 'LIVENESS');
    assert.deepEqual(read.body.uiHints, { needCaptcha: true });
    assert.equal(read.body.returnUrl, 'https://shop.example/back?a=1&b=2');
    const expiresIn = Date.parse(read.body.expiresAt) - Date.now();
    assert.ok(expiresIn > 86_390_000 && expiresIn <= 86_400_000, `the document's 86400 s TTL, got ${expiresIn} ms`);

    let page = await openPage(created.body.url);
    assert.equal(page.status, 200);
    assert.match(page.csp ?? '', /default-src 'none'/);
    assert.doesNotMatch(page.html, /<script/i);
    assert.deepEqual(buttons(page), ["I'm not a robot", 'Cancel']);

    page = await pressAndFollow(page, "I'm not a robot");
    read = await status(sandbox, token);
    assert.equal(read.body.status, 'CAPTCHA_OK');
    assert.equal(read.body.uiHints.needCaptcha, false);
    assert.equal(read.body.nextStep, 'LIVENESS');
    assert.deepEqual(buttons(page), ['Start liveness', 'Cancel']);

    const seen: Array<[string, string | null]> = [];
    page = await pressAndFollow(page, 'Start liveness');
    for (;;) {
      read = await status(sandbox, token);
      if (read.body.status !== 'IN_PROGRESS') break;
      seen.push([read.body.status, read.body.nextStep]);
      assert.equal(read.body.result, undefined, 'no result before DONE');
      page = await pressAndFollow(page, 'Continue');
    }
    assert.deepEqual(seen, [
      ['IN_PROGRESS', 'LIVENESS'],
      ['IN_PROGRESS', 'DEEPFAKE'],
      ['IN_PROGRESS', 'SEARCH'],
    ]);
    assert.equal(read.body.status, 'DONE');
    assert.equal(read.body.nextStep, null);
    const result = read.body.result;
    assert.ok(result.liveness.score > 0 && result.deepfake.score > 0 && typeof result.search.similarity === 'number');
    assert.equal(result.landmarks.length, 5);
    assert.deepEqual(Object.keys(result.demography).sort(), ['age', 'gender', 'race']);
    assert.match(page.html, /Verification done/);
    assert.match(page.html, /href="https:\/\/shop\.example\/back\?a=1&amp;b=2"/);
    assert.deepEqual(buttons(page), [], 'no button once done');

    await hooks.waitFor(1);
    const [post] = hooks.posts;
    assert.equal(post!.path, '/ooto/cb?s=1');
    assert.deepEqual(post!.body, read.body, 'the callback is the Get Status JSON');
    assert.equal(post!.headers['content-type'], 'application/json');
    assert.equal(Object.keys(post!.headers).some((name) => /signature/i.test(name)), false, 'unsigned, as documented');
    assert.ok(lines.length > 5 && !lines.join('\n').includes(token), 'the log names routes with the token cut short');
  });

  test('a stale or repeated form changes nothing; a form without its step is 400', async () => {
    const { body } = await create(sandbox, { scopes: ['liveness'] });
    const page = await openPage(body.url);
    assert.equal((await press(page, "I'm not a robot")).status, 303);
    assert.equal((await press(page, "I'm not a robot")).status, 303, 'a double submit answers as the first');
    assert.equal((await status(sandbox, body.token)).body.status, 'CAPTCHA_OK', 'and does not skip a step');
    const bare = await fetch(`${body.url}/next`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'at=x' });
    assert.equal(bare.status, 400);
    assert.equal(typeof ((await bare.json()) as { error: unknown }).error, 'string');
    const empty = await fetch(`${body.url}/next`, { method: 'POST' });
    assert.equal(empty.status, 400);
  });

  test('metadata.sandbox_outcome FAILED ends FAILED, with no result', async () => {
    const { body } = await create(sandbox, { scopes: ['liveness'], metadata: { sandbox_outcome: 'FAILED' } });
    let page = await openPage(body.url);
    page = await pressAndFollow(page, "I'm not a robot");
    page = await pressAndFollow(page, 'Start liveness');
    page = await pressAndFollow(page, 'Continue');
    const read = await status(sandbox, body.token);
    assert.equal(read.body.status, 'FAILED');
    assert.equal(read.body.nextStep, null);
    assert.equal('result' in read.body, false);
    assert.match(page.html, /Verification failed/);
  });

  test('Cancel on the page: CANCELED, and the callback says so', async () => {
    const cancelHooks = await receiver();
    try {
      const { body } = await create(sandbox, { scopes: ['enroll', 'liveness'], callbackUrl: cancelHooks.url });
      let page = await openPage(body.url);
      page = await pressAndFollow(page, "I'm not a robot");
      page = await pressAndFollow(page, 'Cancel');
      assert.match(page.html, /Verification canceled/);
      const read = await status(sandbox, body.token);
      assert.equal(read.body.status, 'CANCELED');
      assert.equal(read.body.nextStep, null);
      await cancelHooks.waitFor(1);
      assert.equal(cancelHooks.posts[0]!.body.status, 'CANCELED');
      assert.deepEqual(buttons(page), [], 'no button left');
    } finally {
      await cancelHooks.close();
    }
  });

  test('expiry: ttlSec shortens the TTL (never lengthens it); EXPIRED on time, with its callback; the page says so', async () => {
    const expiryHooks = await receiver();
    try {
      const long = await create(sandbox, { scopes: ['liveness'], ttlSec: 10 ** 9 });
      const longExpiry = Date.parse((await status(sandbox, long.body.token)).body.expiresAt) - Date.now();
      assert.ok(longExpiry <= 86_400_000, 'bounded by the sandbox TTL');
      const { body } = await create(sandbox, { scopes: ['liveness'], ttlSec: 1, callbackUrl: expiryHooks.url });
      const page = await pressAndFollow(await openPage(body.url), "I'm not a robot");
      await expiryHooks.waitFor(1, 3000);
      assert.equal(expiryHooks.posts[0]!.body.status, 'EXPIRED', 'sent by the timer, nobody reading');
      assert.equal(expiryHooks.posts[0]!.body.nextStep, null);
      assert.equal((await status(sandbox, body.token)).body.status, 'EXPIRED');
      assert.equal((await press(page, 'Start liveness')).status, 303);
      assert.equal((await status(sandbox, body.token)).body.status, 'EXPIRED', 'a late press changes nothing');
      assert.match((await openPage(body.url)).html, /expired/);
      assert.equal(expiryHooks.posts.length, 1, 'one callback');
    } finally {
      await expiryHooks.close();
    }
  });

  test('the callback is retried on 5xx (twice at most), not on 4xx', async () => {
    const flaky = await receiver([503, 502, 500]);
    const refusing = await receiver([404]);
    try {
      for (const target of [flaky, refusing]) {
        const { body } = await create(sandbox, { scopes: ['liveness'], callbackUrl: target.url });
        let page = await openPage(body.url);
        page = await pressAndFollow(page, "I'm not a robot");
        page = await pressAndFollow(page, 'Cancel');
      }
      await flaky.waitFor(3, 4000);
      await refusing.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.equal(flaky.posts.length, 3, 'one attempt and two retries');
      assert.equal(refusing.posts.length, 1, 'a 4xx is an answer');
    } finally {
      await flaky.close();
      await refusing.close();
    }
  });

  test('bad or missing APP-ID / APP-KEY: 401, never echoing what was sent', async () => {
    const secret = 'sk_guess_ABCDEFGHIJKLMNOP';
    for (const headers of [{}, { 'APP-ID': APP_ID }, { 'APP-KEY': KEY }, { 'APP-ID': APP_ID, 'APP-KEY': secret }, { 'APP-ID': 'app_other', 'APP-KEY': KEY }] as Record<string, string>[]) {
      const res = await create(sandbox, { scopes: ['liveness'] }, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(typeof res.body.error, 'string');
      assert.equal(typeof res.body.details, 'string');
      assert.ok(!res.text.includes(secret) && !res.text.includes(KEY));
    }
    const { body } = await create(sandbox, { scopes: ['liveness'] });
    assert.equal((await status(sandbox, body.token, { 'APP-ID': APP_ID, 'APP-KEY': secret })).status, 401);
  });

  test('bad bodies: 400 with { error, details }; too large 413', async () => {
    const bad: unknown[] = [
      {},
      { scopes: [] },
      { scopes: 'liveness' },
      { scopes: ['LIVENESS'] },
      { scopes: ['liveness', 'liveness'] },
      { scopes: ['face'] },
      { scopes: [1] },
      { scopes: ['liveness'], metadata: [1] },
      { scopes: ['liveness'], metadata: 'x' },
      { scopes: ['liveness'], metadata: { sandbox_outcome: 'done' } },
      { scopes: ['liveness'], callbackUrl: 'ftp://x.example/' },
      { scopes: ['liveness'], callbackUrl: 'not a url' },
      { scopes: ['liveness'], returnUrl: 'javascript:alert(1)' },
      { scopes: ['liveness'], ttlSec: 0 },
      { scopes: ['liveness'], ttlSec: 1.5 },
      { scopes: ['liveness'], ttlSec: '60' },
      [],
      'scopes',
    ];
    for (const body of bad) {
      const res = await create(sandbox, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.error, 'string');
      assert.equal(typeof res.body.details, 'string');
    }
    const malformed = await api(sandbox, '/api/v1.0/flow/sessions', { method: 'POST', body: '{"scopes":' });
    assert.equal(malformed.status, 400);
    const huge = await create(sandbox, { scopes: ['liveness'], metadata: { blob: 'x'.repeat(70 * 1024) } });
    assert.equal(huge.status, 413);
  });

  test('tokens: unknown, malformed, or another key\'s: 404 on the API and the page, never a 5xx', async () => {
    const other = await startSandbox({ provider: 'ooto', port: 0, apiKey: ['sk_a', 'sk_b'] });
    try {
      const { body } = await create(other, { scopes: ['liveness'] }, { 'APP-ID': APP_ID, 'APP-KEY': 'sk_a' });
      assert.equal((await status(other, body.token, { 'APP-ID': APP_ID, 'APP-KEY': 'sk_a' })).status, 200);
      assert.equal((await status(other, body.token, { 'APP-ID': APP_ID, 'APP-KEY': 'sk_b' })).status, 404, "another key's session");
    } finally {
      await other.close();
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), async (token) => {
        const read = await status(sandbox, token);
        // '.' and '..' are resolved away by the URL itself: the collection route then answers 405, or no route 404.
        assert.ok(read.status === 404 || read.status === 405, `status ${read.status} for ${JSON.stringify(token)}`);
        const page = await fetch(`${sandbox.url}/flow/${encodeURIComponent(token)}`);
        await page.arrayBuffer();
        assert.ok(page.status === 404, `page ${page.status}`);
        const next = await fetch(`${sandbox.url}/flow/${encodeURIComponent(token)}/next`, { method: 'POST', body: 'at=0' });
        await next.arrayBuffer();
        assert.equal(next.status, 404);
      }),
      { numRuns: 60 },
    );
    assert.equal((await status(sandbox, 'A'.repeat(32))).status, 404, 'well-formed but unknown');
  });

  test('over 100 creates a minute per key: 429 with Retry-After', async () => {
    const limited = await startSandbox({ provider: 'ooto', port: 0 });
    try {
      for (let n = 0; n < 100; n += 1) assert.equal((await create(limited, { scopes: ['liveness'] })).status, 200);
      const refused = await create(limited, { scopes: ['liveness'] });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    } finally {
      await limited.close();
    }
  });
});

describe('OOTO-AI sandbox options', () => {
  test('unknown option names are refused, naming the nearest; okID-only options too', async () => {
    await assert.rejects(startSandbox({ provider: 'ooto', port: 0, appID: 'x' } as never), /unknown option "appID"; did you mean "appId"/);
    await assert.rejects(startSandbox({ provider: 'ooto', port: 0, webhookSecret: 's' }), /webhookSecret is an okID option/);
    await assert.rejects(startSandbox({ provider: 'ooto', port: 0, dialect: 'documented' }), /dialect is an okID option/);
    await assert.rejects(startSandbox({ port: 0, appId: 'x' }), /appId is OOTO's APP-ID/);
    await assert.rejects(startSandbox({ provider: 'ooto', port: 0, appId: 'has space' }), /appId must be/);
    await assert.rejects(startSandbox({ provider: 'okta' as never, port: 0 }), /provider must be/);
  });

  test('a custom APP-ID and APP-KEY; the defaults then fail', async () => {
    const sandbox = await startSandbox({ provider: 'ooto', port: 0, appId: 'app_custom', apiKey: 'key_custom' });
    try {
      assert.equal((await create(sandbox, { scopes: ['liveness'] }, { 'APP-ID': 'app_custom', 'APP-KEY': 'key_custom' })).status, 200);
      assert.equal((await create(sandbox, { scopes: ['liveness'] })).status, 401);
    } finally {
      await sandbox.close();
    }
  });

  test('beyond loopback: a random key, and no callbackUrl but the configured webhook URL or a path beneath it', async () => {
    const sandbox = await startSandbox({ provider: 'ooto', port: 0, host: '0.0.0.0', webhookUrl: 'http://127.0.0.1:9/hooks' });
    try {
      assert.notEqual(sandbox.apiKey, KEY);
      const headers = { 'APP-ID': APP_ID, 'APP-KEY': sandbox.apiKey };
      assert.equal((await create(sandbox, { scopes: ['liveness'] })).status, 401, "the README's key is refused");
      assert.equal((await create(sandbox, { scopes: ['liveness'], callbackUrl: 'http://attacker.example/' }, headers)).status, 400);
      assert.equal((await create(sandbox, { scopes: ['liveness'], callbackUrl: 'http://127.0.0.1:9/hooks' }, headers)).status, 200);
      assert.equal((await create(sandbox, { scopes: ['liveness'], callbackUrl: 'http://127.0.0.1:9/hooks/ooto/s3cr3t?x=1' }, headers)).status, 200, "a proxy's per-session path");
      for (const elsewhere of ['http://127.0.0.1:9/hooksevil', 'http://127.0.0.1:10/hooks', 'https://127.0.0.1:9/hooks', 'http://u:p@127.0.0.1:9/hooks', 'http://127.0.0.1:9/other']) {
        assert.equal((await create(sandbox, { scopes: ['liveness'], callbackUrl: elsewhere }, headers)).status, 400, elsewhere);
      }
    } finally {
      await sandbox.close();
    }
  });

  test('close() returns promptly with live sessions, and nothing is sent afterwards', async () => {
    const hooks = await receiver();
    const sandbox = await startSandbox({ provider: 'ooto', port: 0, ttlSeconds: 1 });
    try {
      const { body } = await create(sandbox, { scopes: ['liveness'], callbackUrl: hooks.url });
      assert.ok(Date.parse((await status(sandbox, body.token)).body.expiresAt) - Date.now() <= 1000, 'ttlSeconds is the session lifetime');
      const started = Date.now();
      await sandbox.close();
      assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.equal(hooks.posts.length, 0, 'the expiry timer died with the sandbox');
    } finally {
      await hooks.close();
    }
  });
});
