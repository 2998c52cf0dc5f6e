/**
 * Opaque verification ids (issue 19, part 2): the element's configuration, its URL helpers and
 * the browser's wire check accept any id of 1 to 200 characters from `A–Z a–z 0–9 . _ ~ : -`
 * and refuse everything else with a message that says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/core/config.js';
import { VERIFICATION_ID_RULE } from '../../src/core/status.js';
import { buildHandoffUrl, isVerificationId, verificationIdFromUrl } from '../../src/core/verification-id.js';
import { checkWire, verificationId } from '../../src/core/wire-checks.js';

const ACCEPTED = ['ver_abcd1234', 'tok_v1_0a1b', '3f2b8c1e-4d5a-4e6f-9a0b-1c2d3e4f5a6b', 'a.b~c:d-e_f', 'x'.repeat(200), 'A', '...', 'ver_..'];
const REFUSED = ['', 'x'.repeat(201), 'a/b', '%2F', 'a%2Fb', 'a b', ' ab', 'verifié', 'ab\u202e', 'a+b', 'a?b', 'a#b', '.', '..', 'ab\n'];

test('every accepted form is an id, for the element and for the browser wire check', () => {
  for (const id of ACCEPTED) {
    assert.ok(isVerificationId(id), id);
    assert.ok(checkWire(verificationId, id).ok, id);
    const config = resolveConfig({ processToken: id, proxyUrl: '/okid' }, 'https://shop.example/');
    assert.ok(config.ok, `${id}: ${config.ok ? '' : config.message}`);
  }
});

test('every refused form is refused, and the element says which ids it accepts', () => {
  for (const id of REFUSED) {
    assert.ok(!isVerificationId(id), JSON.stringify(id));
    assert.ok(!checkWire(verificationId, id).ok, JSON.stringify(id));
    if (id === '') continue; // an empty attribute means "no token", not a bad one
    const config = resolveConfig({ processToken: id, proxyUrl: '/okid' }, 'https://shop.example/');
    assert.equal(config.ok, false, JSON.stringify(id));
    assert.equal(config.ok ? '' : config.message, `process-token is not an okID id: expected ${VERIFICATION_ID_RULE}.`);
  }
});

test('the handoff URL carries the id encoded; a verification URL gives it back decoded', () => {
  const id = 'a.b~c:d-e_f';
  const url = buildHandoffUrl('https://verify.example/go/{id}?again={id}', id);
  assert.equal(url, 'https://verify.example/go/a.b~c%3Ad-e_f?again=a.b~c%3Ad-e_f');
  assert.equal(verificationIdFromUrl(`https://verify.example/verify?verification_id=${encodeURIComponent(id)}`), id);
  assert.equal(verificationIdFromUrl(`https://verify.example/start?token=${encodeURIComponent(id)}`), id);
  assert.equal(verificationIdFromUrl('https://verify.example/v/tok_a%3Ab'), 'tok_a:b');
  // With ids opaque, a bare last segment is only an id in okID's own prefixed forms.
  assert.equal(verificationIdFromUrl('https://verify.example/verify'), undefined);
  assert.equal(verificationIdFromUrl('https://verify.example/verify?verification_id=a%2Fb'), undefined);
});
