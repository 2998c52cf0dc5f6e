/**
 * Two findings of the security review, against the real sandbox over HTTP:
 * - a QR code request cost one okID call each (200 requests, 200 calls): now okID's image is read
 *   once per id and reused for a minute by every client, and each request counts toward the
 *   client's own `qrCodesPerClient`;
 * - past `unknownReadsPerClient`, a client (many people behind one NAT) was refused its real
 *   verifications too: now it is refused only ids it might be guessing, and a verification this
 *   proxy watches or read within the window is still served, at one okID read per interval.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxyOptions } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen, recordingFetch } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

describe('QR code reads and the unknown-id limit', () => {
  let sandbox: Sandbox;
  const closing: Array<() => Promise<void>> = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, processingDelayMs: 0 });
  });
  after(async () => {
    for (const close of closing.reverse()) await close();
    await sandbox.close();
  });

  async function start(options: Partial<OkidProxyOptions> = {}) {
    const recording = recordingFetch();
    const okid = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: sandbox.url,
      fetch: recording.fetch,
      authorize: 'public',
      logger: { warn: () => undefined, error: () => undefined },
      ...options,
    });
    const http: Listening = await listen((req, res) => okid.node(req, res));
    closing.push(async () => {
      await okid.close();
      await http.close();
    });
    const okidCalls = (fragment: string) => recording.calls.filter((call) => call.url.includes(fragment)).length;
    return { okid, http, okidCalls };
  }

  it('200 QR code requests for one id, from 200 clients, cost one okID call and get the same image', async () => {
    const { okid, okidCalls } = await start();
    const id = await createV2(sandbox.url);
    const images = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const response = await okid.fetch(new Request(`http://operator.test/okid/verifications/${id}/qrcode.png`), { clientAddress: `198.51.100.${i}` });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('Content-Type'), 'image/png');
        return Buffer.from(await response.arrayBuffer()).toString('base64');
      }),
    );
    assert.equal(new Set(images).size, 1, 'one image for everybody');
    assert.ok(Buffer.from(images[0]!, 'base64').subarray(1, 4).toString('latin1') === 'PNG', 'a PNG');
    assert.equal(okidCalls('/api/get-verification-qrcode/'), 1, 'okID was asked once');
  });

  it('over HTTP through okid.node, one client past qrCodesPerClient gets 429, still at one okID call', async () => {
    const { http, okidCalls } = await start({ limits: { qrCodesPerClient: 5 } });
    const id = await createV2(sandbox.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await fetch(`${http.url}/okid/verifications/${id}/qrcode.png`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const refused = await fetch(`${http.url}/okid/verifications/${id}/qrcode.png`);
    assert.equal(((await refused.json()) as { code: string }).code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('Retry-After')) >= 1);
    assert.equal(okidCalls('/api/get-verification-qrcode/'), 1);
  });

  it('past the unknown-id limit a client still reads the verifications it has, and guesses still cost okID nothing', async () => {
    const { http, okidCalls } = await start({ limits: { unknownReadsPerClient: 3 } });
    const real = await createV2(sandbox.url);
    const watchedElsewhere = await createV2(sandbox.url);
    const get = (id: string, path = '') => fetch(`${http.url}/okid/verifications/${id}${path}`);
    // Read once before the probing starts: okID knows it, and so does the proxy now.
    assert.equal((await get(real)).status, 200);
    for (let i = 0; i < 3; i += 1) assert.equal((await get(`ver_guess_${1000 + i}`)).status, 404);
    const guessesAsked = okidCalls('ver_guess_');
    assert.equal((await get('ver_guess_2000')).status, 429, 'a further guess is refused');
    assert.equal(okidCalls('ver_guess_'), guessesAsked, 'without asking okID');

    // The same client's page of a real verification keeps working: the status and its stream.
    assert.equal((await get(real)).status, 200, 'a verification read within the window is served');
    const stream = await get(real, '/events');
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('Content-Type') ?? '', /text\/event-stream/);
    await stream.body?.cancel();
    // One it never read before is refused like a guess: the proxy cannot tell the two apart.
    assert.equal((await get(watchedElsewhere)).status, 429);

    // Mixed known and unknown reads cost okID at most one status read per id per second.
    const before = okidCalls(real);
    const started = Date.now();
    for (let i = 0; i < 40; i += 1) {
      assert.equal((await get(real)).status, 200);
      assert.equal((await get(`ver_guess_${3000 + i}`)).status, 429);
    }
    const seconds = (Date.now() - started) / 1000;
    assert.ok(okidCalls(real) - before <= Math.ceil(seconds) + 1, `${okidCalls(real) - before} okID reads in ${seconds.toFixed(1)} s`);
    assert.equal(okidCalls('ver_guess_3'), 0);
  });
});
