/**
 * verifyWebhook / signWebhook: one test per way a delivery can be wrong, a known-answer vector
 * computed here with node:crypto (independently of signWebhook), string and byte bodies, and
 * secret rotation.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { OkidWebhookError, signWebhook, verifyWebhook } from '../../src/server/index.js';
import type { VerifyWebhookOptions } from '../../src/server/index.js';

const SECRET = 'whsec_test_secret';
const NOW = 1_750_000_000;
const EVENT = {
  event: 'verification.completed',
  id: 'evt_0123456789abcdef',
  created_at: '2025-06-15T15:06:40.000Z',
  data: { id: 'ver_abcdef123456', status: 'verified', outcome: 'verified', updated_at: '2025-06-15T15:06:40.000Z' },
};
const BODY = JSON.stringify(EVENT);

/** The signature computed the way okID documents it, without touching the code under test. */
const hmacHex = (secret: string, timestamp: string | number, body: string | Uint8Array): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

const signed = (body: string | Uint8Array = BODY, secret = SECRET, timestamp = NOW): Record<string, string> => ({
  'X-okID-Timestamp': String(timestamp),
  'X-okID-Signature': hmacHex(secret, timestamp, body),
});

const verify = (overrides: Partial<VerifyWebhookOptions> = {}) =>
  verifyWebhook({ body: BODY, headers: signed(), secret: SECRET, now: NOW, ...overrides });

/** Asserts that a verification rejects with `code`, and returns the error for message checks. */
async function rejects(promise: Promise<unknown>, code: string): Promise<OkidWebhookError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OkidWebhookError, `an OkidWebhookError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.name, 'OkidWebhookError');
    return error;
  }
  return assert.fail(`expected ${code}`);
}

describe('verifyWebhook', () => {
  it('matches a known-answer vector computed with node:crypto', async () => {
    // Pinned by hand: HMAC-SHA256("secret", "1700000000.{\"a\":1}").
    const vector = createHmac('sha256', 'secret').update('1700000000.{"a":1}').digest('hex');
    assert.equal(vector, hmacHex('secret', 1700000000, '{"a":1}'));
    assert.deepEqual(signWebhook({ body: '{"a":1}', secret: 'secret', timestamp: 1700000000 }), {
      'X-okID-Timestamp': '1700000000',
      'X-okID-Signature': vector,
    });
    assert.match(vector, /^[0-9a-f]{64}$/, 'lowercase hex');
    const event = await verify();
    assert.deepEqual(event, EVENT);
  });

  it('accepts an event shaped like okID\'s documented payload: no top-level id nor created_at', async () => {
    // The okID v1 documents' example, as is.
    const seed = {
      event: 'verification.completed',
      data: {
        id: 'ver_6a7b8c9d0e1f2g3h4i5j',
        status: 'completed',
        created_at: '2023-12-30T10:15:30Z',
        completed_at: '2023-12-30T10:17:45Z',
        document_type: 'passport',
        verification_details: { first_name: 'John', last_name: 'Doe', document_number: 'X123456', expiry_date: '2028-05-20', date_of_birth: '1990-01-15' },
        metadata: { user_id: 'user-123', reference: 'order-456' },
      },
    };
    const body = JSON.stringify(seed);
    const event = await verify({ body, headers: signed(body) });
    assert.equal(event.id, undefined);
    assert.deepEqual(event, seed);
    const noData = JSON.stringify({ event: 'verification.completed' });
    await rejects(verify({ body: noData, headers: signed(noData) }), 'BAD_PAYLOAD');
  });

  it('accepts the body as a string, a Uint8Array, a Buffer or an ArrayBuffer', async () => {
    const bytes = new TextEncoder().encode(BODY);
    for (const body of [BODY, bytes, Buffer.from(BODY), bytes.buffer.slice(0)] as const) {
      assert.deepEqual(await verify({ body }), EVENT);
    }
  });

  it('signs and checks the exact bytes of a non-ASCII body', async () => {
    const body = JSON.stringify({ ...EVENT, data: { ...EVENT.data, note: 'Zoë ✓' } });
    const bytes = Buffer.from(body, 'utf8');
    assert.equal((await verify({ body: bytes, headers: signed(body) })).data.note, 'Zoë ✓');
    assert.equal((await verify({ body, headers: signWebhook({ body: bytes, secret: SECRET, timestamp: NOW }) })).id, EVENT.id);
  });

  it('reads headers from a Headers object or a plain object in any case, Node arrays too', async () => {
    const h = signed();
    await verify({ headers: new Headers(h) });
    await verify({ headers: { 'x-okid-timestamp': h['X-okID-Timestamp'], 'X-OKID-SIGNATURE': h['X-okID-Signature'] } });
    await verify({ headers: { 'x-okid-timestamp': h['X-okID-Timestamp'], 'x-okid-signature': ['0'.repeat(64), h['X-okID-Signature']!] } });
  });

  it('reads headers from any Headers-like object with get() (another realm, a polyfill)', async () => {
    const h = signed();
    // Not `instanceof Headers`: a polyfill, or a Headers from another realm (vm, iframe, worker).
    class ForeignHeaders {
      readonly #values = new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
      get(name: string): string | null {
        return this.#values.get(name.toLowerCase()) ?? null;
      }
    }
    const foreign = new ForeignHeaders();
    assert.ok(!((foreign as unknown) instanceof Headers));
    assert.deepEqual(await verify({ headers: foreign as unknown as Headers }), EVENT);
    await rejects(verify({ headers: { get: () => null } as unknown as Headers }), 'MISSING_HEADER');
  });

  it('rotation: any of several signatures, any of several secrets', async () => {
    const old = hmacHex('whsec_old', NOW, BODY);
    const current = hmacHex(SECRET, NOW, BODY);
    // The sender signs with both secrets while rotating.
    await verify({ headers: { 'X-okID-Timestamp': String(NOW), 'X-okID-Signature': `${old}, ${current}` } });
    // The receiver knows both secrets while rotating.
    await verify({ headers: signed(BODY, 'whsec_old'), secret: ['whsec_new', 'whsec_old'] });
    await verify({ secret: [SECRET, 'whsec_next'] });
    await rejects(verify({ headers: signed(BODY, 'whsec_retired'), secret: ['whsec_new', 'whsec_old'] }), 'BAD_SIGNATURE');
  });

  it('MISSING_HEADER: no timestamp, no signature, or empty ones', async () => {
    const h = signed();
    await rejects(verify({ headers: { 'X-okID-Signature': h['X-okID-Signature'] } }), 'MISSING_HEADER');
    const error = await rejects(verify({ headers: { 'X-okID-Timestamp': h['X-okID-Timestamp'] } }), 'MISSING_HEADER');
    assert.match(error.message, /X-okID-Signature/);
    await rejects(verify({ headers: { 'X-okID-Timestamp': ' ', 'X-okID-Signature': h['X-okID-Signature'] } }), 'MISSING_HEADER');
    await rejects(verify({ headers: {} }), 'MISSING_HEADER');
  });

  it('BAD_TIMESTAMP: anything but digits (seconds or milliseconds) or ISO-8601', async () => {
    for (const timestamp of ['1.75e9', '-1750000000', '0x683f1f00', '1750000000.5', 'Sun, 15 Jun 2025', '17500000OO', '17500000000000000', '2025-06-15']) {
      const headers = { 'X-okID-Timestamp': timestamp, 'X-okID-Signature': hmacHex(SECRET, timestamp, BODY) };
      await rejects(verify({ headers }), 'BAD_TIMESTAMP');
    }
  });

  it('TIMESTAMP_OUT_OF_TOLERANCE: stale or in the future, 300 s by default, configurable', async () => {
    const stale = await rejects(verify({ headers: signed(BODY, SECRET, NOW - 301) }), 'TIMESTAMP_OUT_OF_TOLERANCE');
    assert.match(stale.message, /301 s old/);
    const future = await rejects(verify({ headers: signed(BODY, SECRET, NOW + 301) }), 'TIMESTAMP_OUT_OF_TOLERANCE');
    assert.match(future.message, /future/);
    // The edges are inside.
    await verify({ headers: signed(BODY, SECRET, NOW - 300) });
    await verify({ headers: signed(BODY, SECRET, NOW + 300) });
    await verify({ headers: signed(BODY, SECRET, NOW - 3000), toleranceSeconds: 3600 });
    await rejects(verify({ headers: signed(BODY, SECRET, NOW - 11), toleranceSeconds: 10 }), 'TIMESTAMP_OUT_OF_TOLERANCE');
    // `now` as a Date works too; milliseconds by mistake are refused with a hint.
    await verify({ now: new Date(NOW * 1000) });
    await assert.rejects(verify({ now: NOW * 1000 }), /milliseconds/);
  });

  it('BAD_SIGNATURE: forged, wrong secret, garbage header', async () => {
    await rejects(verify({ headers: { ...signed(), 'X-okID-Signature': 'f'.repeat(64) } }), 'BAD_SIGNATURE');
    await rejects(verify({ secret: 'whsec_other' }), 'BAD_SIGNATURE');
    const garbage = await rejects(verify({ headers: { ...signed(), 'X-okID-Signature': 'sha256=abc' } }), 'BAD_SIGNATURE');
    assert.match(garbage.message, /no HMAC-SHA256 signature/);
    // A signature for another timestamp does not transfer.
    await rejects(verify({ headers: { ...signed(), 'X-okID-Timestamp': String(NOW - 1) } }), 'BAD_SIGNATURE');
  });

  it('BAD_SIGNATURE: a body altered, truncated or re-serialized after signing', async () => {
    const altered = BODY.replace('verified', 'rejected');
    await rejects(verify({ body: altered }), 'BAD_SIGNATURE');
    await rejects(verify({ body: BODY.slice(0, -1) }), 'BAD_SIGNATURE');
    const reserialized = JSON.stringify(JSON.parse(BODY), null, 2);
    const error = await rejects(verify({ body: reserialized }), 'BAD_SIGNATURE');
    assert.match(error.message, /raw bytes/);
    assert.match(error.message, /re-serialized/);
  });

  it('names whitespace in the secret when no signature matches', async () => {
    const error = await rejects(verify({ secret: `${SECRET}\n` }), 'BAD_SIGNATURE');
    assert.match(error.message, /whitespace/);
  });

  it('BAD_PAYLOAD: a parsed object instead of the raw body, with the usual fix in the message', async () => {
    const error = await rejects(verify({ body: EVENT as unknown as string }), 'BAD_PAYLOAD');
    assert.match(error.message, /raw request body/);
    assert.match(error.message, /express\.raw/);
    await rejects(verify({ body: undefined as unknown as string }), 'BAD_PAYLOAD');
  });

  it('verifies before parsing: an unsigned non-JSON body is BAD_SIGNATURE, a signed one BAD_PAYLOAD', async () => {
    await rejects(verify({ body: 'not json' }), 'BAD_SIGNATURE');
    await rejects(verify({ body: 'not json', headers: signed('not json') }), 'BAD_PAYLOAD');
    const notAnEvent = JSON.stringify({ hello: 'world' });
    await rejects(verify({ body: notAnEvent, headers: signed(notAnEvent) }), 'BAD_PAYLOAD');
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    await rejects(verify({ body: invalidUtf8, headers: signed(invalidUtf8) }), 'BAD_PAYLOAD');
  });

  it('refuses an empty secret list as a programming error', async () => {
    await assert.rejects(verify({ secret: [] }), TypeError);
    await assert.rejects(verify({ secret: '' }), TypeError);
  });
});
