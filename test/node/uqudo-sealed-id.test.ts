/**
 * The id a browser holds for a uqudo session is sealed (AES-256-GCM): every other spelling of it
 * opens to nothing. Base64url's last character has spare bits a decoder ignores, so a tampered last
 * character could decode to the very same bytes; one spelling per session closes that.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { openSession, sealSession, sealingKey } from '../../src/server/uqudo/sealed-id.js';

const key = sealingKey('a secret of the operator, long enough');
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('uqudo sealed ids', () => {
  it('open to what was sealed, and any other character anywhere opens to nothing', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{20,60}$/),
        fc.nat(),
        fc.nat(),
        (qrCodeText, where, by) => {
          const session = { sessionId: randomUUID(), qrCodeText, createdAt: 1_760_000_000 };
          const id = sealSession(key, session);
          assert.ok(id, 'a session of this size seals into an id');
          assert.deepEqual(openSession(key, id), session);
          const at = 4 + (where % (id.length - 4));
          const swapped = BASE64URL[(BASE64URL.indexOf(id[at]!) + 1 + (by % 63)) % 64]!;
          assert.equal(openSession(key, id.slice(0, at) + swapped + id.slice(at + 1)), undefined, `position ${at}: ${id[at]} → ${swapped}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a last character that differs only in the bits the decoder ignores opens to nothing', () => {
    // 12 + 6 + 16 + 44 + 16 = 94 bytes: the last of 126 characters carries 2 bits and 4 spare ones.
    let spareBits = 0;
    for (let n = 0; n < 300; n++) {
      const id = sealSession(key, { sessionId: randomUUID(), qrCodeText: 'q'.repeat(44), createdAt: 1_760_000_000 })!;
      const last = BASE64URL.indexOf(id.at(-1)!);
      const twin = id.slice(0, -1) + BASE64URL[last ^ 1];
      if (Buffer.from(twin.slice(4), 'base64url').equals(Buffer.from(id.slice(4), 'base64url'))) spareBits++;
      assert.equal(openSession(key, twin), undefined);
    }
    assert.ok(spareBits > 0, 'some twins decode to the same bytes, so the check is what refuses them');
  });
});
