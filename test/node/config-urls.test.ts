/**
 * The element's URL attributes (core/config.ts): a URL with a user name or password reads as
 * one site and opens another, so it is refused naming the attribute; the portal and handoff
 * URLs (where the QR code and the phone go) must be https except on this machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/core/config.js';
import type { ConfigInput } from '../../src/core/config.js';

const ID = 'ver_configUrls1234';
const PAGE = 'https://shop.example/checkout';
const base: ConfigInput = { processToken: ID, proxyUrl: '/okid' };

function message(input: ConfigInput, page = PAGE): string | undefined {
  const result = resolveConfig({ ...base, ...input }, page);
  return result.ok ? undefined : result.message;
}

test('a user name or password in any URL attribute is refused, naming the attribute', () => {
  const cases: Array<[keyof ConfigInput, string, string]> = [
    ['frontendUrl', 'frontend-url', 'https://verify.okid.io@evil.example'],
    ['handoffUrl', 'handoff-url', 'https://verify.okid.io@evil.example/{id}'],
    ['handoffUrl', 'handoff-url', 'https://okid:secret@evil.example/{id}'],
    ['verificationUrl', 'verification-url', `https://verify.okid.io@evil.example/verify?verification_id=${ID}`],
    ['proxyUrl', 'proxy-url', 'https://shop.example@evil.example/okid'],
    ['apiUrl', 'api-url', 'https://api1.okid.io@evil.example'],
    ['returnUrl', 'return-url', 'https://shop.example@evil.example/done'],
  ];
  for (const [key, attribute, url] of cases) {
    const said = message({ [key]: url });
    assert.ok(said, `${attribute}=${url} is refused`);
    assert.ok(said.startsWith(`${attribute} must not hold a user name or password`), said);
  }
});

test('handoff-url, frontend-url and verification-url must be https except on loopback', () => {
  assert.match(message({ handoffUrl: 'http://evil.example/{id}' }) ?? '', /^handoff-url must be https/);
  assert.match(message({ frontendUrl: 'http://verify.example' }) ?? '', /^frontend-url must be https/);
  assert.match(message({ verificationUrl: `http://verify.example/verify?verification_id=${ID}` }) ?? '', /^verification-url must be https/);
  // A relative template on a plain-http page off this machine would send the phone over http too.
  assert.match(message({ handoffUrl: '/phone/{id}' }, 'http://shop.example/checkout') ?? '', /^handoff-url must be https/);
  for (const url of ['https://op.example/phone/{id}', 'http://localhost:3000/phone/{id}', 'http://127.0.0.1:3000/{id}', 'http://[::1]:3000/{id}']) {
    assert.equal(message({ handoffUrl: url }), undefined, url);
  }
  assert.equal(message({ handoffUrl: '/phone/{id}' }), undefined, 'a path on an https page');
  const ok = resolveConfig({ ...base, frontendUrl: 'http://localhost:8790' }, PAGE);
  assert.ok(ok.ok && ok.config.handoffUrl.startsWith('http://localhost:8790/verify?verification_id='));
});
