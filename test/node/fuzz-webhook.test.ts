/**
 * Generated inputs against the webhook check (fast-check, bounded runs; a failure prints the
 * seed and the shrunk case to replay): only a genuine signature of the exact bytes yields an
 * event; everything else is a typed OkidWebhookError, never an uncaught exception or a hang.
 * The same through the proxy's webhook route over real HTTP: 2xx only when genuine, else 4xx.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { OkidWebhookError, OkidWebhookErrorCode, signWebhook, verifyWebhook } from '../../src/server/webhooks/signature.js';
import { createOkidProxy } from '../../src/server/index.js';

const SECRET = 'whsec_fuzz_0123456789';
const NOW = 1_760_000_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** What an HTTP header can carry (Latin-1, no CR, LF or NUL); `Headers` refuses anything else. */
const isHeaderValue = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value) && value.trim() === value;

const hmac = (secret: string, timestamp: string, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** Timestamps a sender gets wrong: letters, exponents, hex, milliseconds, NaN, signs, spaces. */
const timestamps = fc.oneof(
  // Mostly a good time, so the signature itself is what gets compared.
  { arbitrary: fc.integer({ min: NOW - 300, max: NOW + 300 }).map(String), weight: 6 },
  fc.constantFrom('123abc', '1e9', '0x10', 'NaN', '', ' ', '-1', '+1760000000', '1760000000.5', `${NOW * 1000}`, ` ${NOW}`, `${NOW}\n`, 'Infinity', '٣٤'),
  fc.integer({ min: NOW - 10_000, max: NOW + 10_000 }).map(String),
  fc.string({ maxLength: 20 }),
);

/** Signature headers: the right one mangled, and every wrong shape. */
function signatures(genuine: string) {
  return fc.oneof(
    fc.constant(genuine.toUpperCase()),
    fc.constant(Buffer.from(genuine, 'hex').toString('base64')),
    fc.integer({ min: 0, max: 63 }).map((n) => genuine.slice(0, n)),
    fc.constant(''),
    fc.constant(`sha256=${genuine}`),
    fc.constant(Array.from({ length: 1000 }, (_, i) => i.toString(16).padStart(64, '0')).join(',')),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex')),
    fc.string({ maxLength: 200 }),
  );
}

const bodies = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant('{"__proto__":{"polluted":true},"event":"verification.completed","data":{}}'),
  fc.constant('{"event":"verification.completed","verification_id":"ver_abcd1234","status":"verified"}'),
);

describe('verifyWebhook, generated inputs', () => {
  test('a mangled header never verifies and always rejects with a typed code', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, timestamps, fc.boolean(), async (body, timestamp, lowercase) => {
        // Mangled from the signature this very timestamp would have, so most cases reach the compare.
        const genuine = hmac(SECRET, timestamp.trim(), body);
        await fc.assert(
          fc.asyncProperty(signatures(genuine), async (signature) => {
            const headers = lowercase || !isHeaderValue(timestamp) || !isHeaderValue(signature)
              ? { 'x-okid-timestamp': timestamp, 'x-okid-signature': signature }
              : new Headers({ 'X-okID-Timestamp': timestamp, 'X-okID-Signature': signature });
            // The only ways to pass (issue 19: each reading of okID's words): the HMAC of
            // `${timestamp}.${body}` or of the body, in hex (either case) or base64, with or
            // without `sha256=`, the timestamp as Unix seconds (1–11 digits) or milliseconds (12–16
            // digits) within tolerance (this generator makes no ISO-8601 time). Surrounding
            // whitespace of a header value is not part of it (HTTP's OWS).
            const sent = timestamp.trim();
            const sentSeconds = /^\d{1,11}$/.test(sent) ? Number(sent) : /^\d{12,16}$/.test(sent) ? Number(sent) / 1000 : Number.NaN;
            const macs = [hmac(SECRET, sent, body), createHmac('sha256', SECRET).update(body).digest('hex')];
            const readings = macs.flatMap((hex) => [hex, Buffer.from(hex, 'hex').toString('base64'), Buffer.from(hex, 'hex').toString('base64url')]);
            const valid =
              Math.abs(sentSeconds - NOW) <= 300 &&
              signature.split(',').some((part) => {
                const value = part.trim().replace(/^sha256=/i, '').trim();
                return readings.some((r) => r === value || r === value.toLowerCase() || r === `${value}=`);
              });
            try {
              await verifyWebhook({ body, headers, secret: SECRET, now: NOW });
            } catch (error) {
              assert.ok(error instanceof OkidWebhookError, `not a typed error: ${String(error)}`);
              assert.ok(Object.values(OkidWebhookErrorCode).includes(error.code));
              assert.ok(!error.message.includes(SECRET), 'the secret is never in a message');
              return;
            }
            assert.ok(valid, 'verified a delivery that is not genuinely signed');
          }),
          { numRuns: 8 },
        );
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  test('a genuine signature always passes the check: an event when the body is an okID event, else BAD_PAYLOAD', async () => {
    const okidEvents = fc.record({
      event: fc.constantFrom('verification.started', 'verification.completed', 'verification.failed', 'verification.expired'),
      data: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 4 }),
    });
    const anything = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(okidEvents, anything),
        fc.integer({ min: -300, max: 300 }),
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 3 }),
        async (payload, skew, oldSecrets) => {
          const body = JSON.stringify(payload);
          const headers = signWebhook({ body, secret: SECRET, timestamp: NOW + skew });
          try {
            const event = await verifyWebhook({ body, headers, secret: [...oldSecrets, SECRET], now: NOW });
            assert.equal(event.event, (payload as { event?: unknown }).event);
          } catch (error) {
            assert.ok(error instanceof OkidWebhookError && error.code === 'BAD_PAYLOAD', `a genuine delivery refused: ${String(error)}`);
            assert.ok(!('event' in payload && 'data' in payload && typeof payload.data === 'object'), 'an okID-shaped event was refused');
          }
          assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('one changed byte of the body or the timestamp breaks the signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 2 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (json, position, flip) => {
        const body = Buffer.from(json);
        const headers = signWebhook({ body, secret: SECRET, timestamp: NOW });
        const tampered = Buffer.from(body);
        const at = position % tampered.length;
        tampered[at] = tampered[at]! ^ flip;
        await assert.rejects(verifyWebhook({ body: tampered, headers, secret: SECRET, now: NOW }), (e: Error) => e instanceof OkidWebhookError && e.code === 'BAD_SIGNATURE');
        const later = { ...headers, 'X-okID-Timestamp': String(NOW + 1) };
        await assert.rejects(verifyWebhook({ body, headers: later, secret: SECRET, now: NOW }), (e: Error) => e instanceof OkidWebhookError && e.code === 'BAD_SIGNATURE');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the proxy webhook route, generated inputs over its Fetch handler', () => {
  test('answers 2xx only to genuine deliveries, 4xx to the rest, never 5xx or an exception', async () => {
    const errors: string[] = [];
    const logger = { warn: () => {}, error: (line: string) => errors.push(line) };
    const okid = createOkidProxy({ apiKey: 'sk_fuzz', baseUrl: 'http://127.0.0.1:9', webhookSecret: SECRET, logger });
    try {
      await fc.assert(
        fc.asyncProperty(bodies, timestamps.filter(isHeaderValue), fc.boolean(), fc.constantFrom('application/json', 'text/plain', '', 'application/x-www-form-urlencoded'), async (body, timestamp, genuine, type) => {
          const now = String(Math.floor(Date.now() / 1000));
          const signature = genuine ? hmac(SECRET, now, body) : hmac('wrong', timestamp, body);
          const response = await okid.fetch(
            new Request('http://operator.test/okid/webhooks', {
              method: 'POST',
              headers: { 'X-okID-Timestamp': genuine ? now : timestamp, 'X-okID-Signature': signature, ...(type ? { 'Content-Type': type } : {}) },
              body,
            }),
          );
          const text = await response.text();
          assert.ok(response.status < 500, `answered ${response.status}: ${text}`);
          if (!genuine) assert.ok(response.status >= 400, `an unsigned delivery was accepted (${response.status})`);
          assert.ok(!text.includes(SECRET) && !text.includes('sk_fuzz'));
        }),
        { numRuns: RUNS },
      );
      assert.deepEqual(errors, [], 'nothing logged as an unexpected error');
    } finally {
      await okid.close();
    }
  });
});
