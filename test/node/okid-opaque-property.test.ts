/**
 * Issue 19, parts 2 and 6 on the proxy, against a fake okID over real HTTP: which API reads an
 * opaque id (`tok_` → v1, `apiVersionOf` for other forms), and a fast-check property that drives
 * the proxy with answers generated from what okID's documents allow — any optional field null or
 * missing, unknown fields, any status word, any id form — and asserts what a browser would
 * notice: never a 5xx, never a final status from an unknown word, never personal data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { VERIFICATION_ID_PATTERN } from '../../src/core/status.js';
import { createOkidProxy } from '../../src/server/index.js';
import type { OkidProxyLogger } from '../../src/server/index.js';
import { meaningOf, statusWordsWith } from '../../src/server/okid/status-words.js';
import { API_KEY, listen, request } from './proxy-helpers.js';
import type { Listening } from './proxy-helpers.js';

const FINAL = new Set(['completed', 'failed', 'expired', 'canceled']);
const PERSONAL = ['Jane', 'Doe', 'X1234567', 'jane@example.test', '1990-02-03'];

/** A fake okID on one origin: v1 records and v2 details both answer with `current(api, id)`. */
async function fakeOkid(current: (api: 'v1' | 'v2', id: string) => unknown) {
  const paths: string[] = [];
  const server = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://okid.test');
    paths.push(url.pathname);
    const v1 = /^\/v1\/verification\/([^/]+)$/.exec(url.pathname);
    const v2 = /^\/api\/get-verification-details\/([^/]+)$/.exec(url.pathname);
    const match = v1 ?? v2;
    if (!match) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(current(v1 ? 'v1' : 'v2', decodeURIComponent(match[1]!))));
  });
  return Object.assign(server, { paths });
}

const quiet: OkidProxyLogger = { warn: () => undefined, error: () => undefined };

describe('opaque ids: which API reads them', () => {
  let okid: Awaited<ReturnType<typeof fakeOkid>>;
  before(async () => {
    okid = await fakeOkid((api, id) => (api === 'v1' ? { id, status: 'pending' } : { verification_id: id, status: { current: 'started' } }));
  });
  after(() => okid.close());

  test('tok_ ids go to v1, other forms to v2, or where apiVersionOf says; tok_ stays v1 whatever it says', async () => {
    const uuid = '3f2b8c1e-4d5a-4e6f-9a0b-1c2d3e4f5a6b';
    const plain = createOkidProxy({ apiKey: API_KEY, baseUrl: okid.url, v1BaseUrl: okid.url, authorize: 'public', logger: quiet });
    const routed = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: okid.url,
      v1BaseUrl: okid.url,
      authorize: 'public',
      logger: quiet,
      apiVersionOf: (id) => (id.includes('-') ? 'v1' : 'v2'),
    });
    const cases: Array<[typeof plain, string, string, string]> = [
      [plain, 'tok_abc:1', '/v1/verification/tok_abc%3A1', 'created'],
      [plain, uuid, `/api/get-verification-details/${uuid}`, 'opened'],
      [plain, 'a.b~c', '/api/get-verification-details/a.b~c', 'opened'],
      [routed, uuid, `/v1/verification/${uuid}`, 'created'],
      [routed, 'a.b~c', '/api/get-verification-details/a.b~c', 'opened'],
      [routed, 'tok_x', '/v1/verification/tok_x', 'created'],
    ];
    for (const [proxy, id, path, status] of cases) {
      okid.paths.length = 0;
      const response = await proxy.fetch(request(`/okid/verifications/${encodeURIComponent(id)}`));
      const body = (await response.json()) as { verificationId: string; status: string };
      assert.equal(response.status, 200, id);
      assert.deepEqual(okid.paths, [path], id);
      assert.equal(body.verificationId, id);
      assert.equal(body.status, status, id);
    }
    await plain.close();
    await routed.close();
  });

  test('apiVersionOf is checked at start; a wrong answer is the operator\'s 500, logged, never a call to okID', async () => {
    const base = { apiKey: API_KEY, baseUrl: okid.url, v1BaseUrl: okid.url, authorize: 'public' as const };
    assert.throws(() => createOkidProxy({ ...base, logger: quiet, apiVersionOf: 'v1' as never }), /apiVersionOf must be a function/);
    assert.throws(() => createOkidProxy({ ...base, logger: quiet, apiVersionof: () => 'v1' } as never), /unknown option "apiVersionof"; did you mean "apiVersionOf"\?/);
    const lines: string[] = [];
    const proxy = createOkidProxy({ ...base, logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) }, apiVersionOf: () => 'V1' as never });
    okid.paths.length = 0;
    const response = await proxy.fetch(request('/okid/verifications/ab-cd'));
    assert.equal(response.status, 500);
    assert.deepEqual(okid.paths, []);
    assert.ok(lines.some((line) => line.includes(`apiVersionOf option answered "V1"`)), lines.join('\n'));
    await proxy.close();
  });
});

describe('answers generated from what the documents allow, for every id form', () => {
  let answer: (api: 'v1' | 'v2', id: string) => unknown = () => ({});
  let okid: Listening;
  before(async () => {
    okid = await fakeOkid((api, id) => answer(api, id));
  });
  after(() => okid.close());

  test('never a 5xx, never a final status from an unknown word, never personal data in the snapshot', async () => {
    const proxy = createOkidProxy({
      apiKey: API_KEY,
      baseUrl: okid.url,
      v1BaseUrl: okid.url,
      authorize: 'public',
      logger: quiet,
      apiVersionOf: (id) => (id.length % 2 === 0 ? 'v1' : 'v2'),
    });
    const table = statusWordsWith(undefined);
    // The documents' own words, okID's likely variants, and anything at all.
    const documented = ['generated', 'started', 'in_progress', 'processing', 'completed', 'verified', 'manual_review', 'rejected', 'failed', 'expired', 'canceled'];
    const word = fc.oneof(
      fc.constantFrom(...documented).chain((w) => fc.constantFrom(w, w.toUpperCase(), w.replace('_', ' '), w.replace('_', '-'))),
      // A blank word is no status at all: a 502 by design (okid-drift.test.ts), not a word to read.
      fc.string({ minLength: 1, maxLength: 80 }).filter((w) => w.trim() !== ''),
      fc.stringMatching(/^[a-z][a-z_]{2,30}$/),
    );
    const id = fc.oneof(fc.uuid(), fc.stringMatching(VERIFICATION_ID_PATTERN), fc.stringMatching(/^(tok|ver)_[A-Za-z0-9._~:-]{1,40}$/));
    /** A field okID may send, leave out (undefined), or send as null. */
    const optional = <V>(arb: fc.Arbitrary<V>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));
    const time = optional(fc.constantFrom('2026-01-02T03:04:05.000Z', '2026-01-02 03:04:05', 'not a date', ''));
    const step = fc.oneof(fc.constantFrom('pending', 'completed', 'done', 'in_progress', 'weird'), fc.boolean(), fc.constant(null), fc.record({ status: fc.constantFrom('completed', 'x') }), fc.integer());
    const personal = { first_name: 'Jane', last_name: 'Doe', document_number: 'X1234567', date_of_birth: '1990-02-03' };
    const shape = fc.record({
      id,
      word,
      asString: fc.boolean(),
      updatedAt: time,
      expiresAt: time,
      createdAt: time,
      outcome: optional(fc.constantFrom('verified', 'rejected', 'manual_review', 'Jane')),
      progress: optional(fc.dictionary(fc.constantFrom('terms', 'document', 'liveness', 'form_data', 'address'), step)),
      results: optional(fc.oneof(fc.constant([]), fc.constant({ document: personal }), fc.constant([{ type: 'document', data: personal }]))),
      details: optional(fc.constant(personal)),
      extraData: optional(fc.constant({ email: 'jane@example.test', name: 'Jane Doe' })),
      unknown: fc.dictionary(fc.stringMatching(/^[a-z_]{3,12}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    });

    await fc.assert(
      fc.asyncProperty(shape, async (a) => {
        answer = (api, asked) => ({
          ...a.unknown,
          [api === 'v1' ? 'id' : 'verification_id']: asked,
          status: a.asString ? a.word : { current: a.word, updated_at: a.updatedAt, progress: a.progress },
          outcome: a.outcome,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
          expires_at: a.expiresAt,
          results: a.results,
          verification_details: a.details,
          extra_data: a.extraData,
          metadata: a.extraData,
        });
        await proxy.close(); // past the one-second shared read: every run reaches okID
        const response = await proxy.fetch(request(`/okid/verifications/${encodeURIComponent(a.id)}`));
        const text = await response.text();

        assert.ok(response.status < 500, `${a.id} / ${JSON.stringify(a.word)} → ${response.status} ${text}`);
        assert.equal(response.status, 200, text);
        const snapshot = JSON.parse(text) as { verificationId: string; status: string; vendorStatus?: string };
        assert.equal(snapshot.verificationId, a.id);
        if (meaningOf(table, a.word) === undefined) {
          assert.ok(!FINAL.has(snapshot.status), `unknown word ${JSON.stringify(a.word)} made ${snapshot.status}`);
        }
        const shown = text.replace(JSON.stringify(a.id).slice(1, -1), '').replace(snapshot.vendorStatus === undefined ? '' : JSON.stringify(snapshot.vendorStatus).slice(1, -1), '');
        for (const value of PERSONAL) assert.ok(!shown.includes(value), `${value} reached the snapshot: ${text}`);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
    await proxy.close();
  });
});
