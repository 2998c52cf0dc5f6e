import { expect } from '@open-wc/testing';
import '../../src/index.js';
import { ID, record, text, until } from './helpers.js';

/**
 * A QR code is read by a person before a phone opens it: a URL that reads as okID but opens
 * another host, or a plain-http handoff off this machine, must never be drawn.
 */
describe('<okid-verify> URL attributes that mislead', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ 'frontend-url': 'https://verify.okid.io@evil.example' }, 'frontend-url must not hold a user name or password'],
    [{ 'handoff-url': 'https://verify.okid.io@evil.example/{id}' }, 'handoff-url must not hold a user name or password'],
    [{ 'handoff-url': 'http://evil.example/{id}' }, 'handoff-url must be https'],
  ];
  for (const [attrs, said] of cases) {
    it(`refuses ${JSON.stringify(attrs)} with CONFIG_INVALID and draws no QR code`, async () => {
      const el = document.createElement('okid-verify');
      const events = record(el);
      for (const [key, value] of Object.entries({ mode: 'handoff', 'process-token': ID, 'proxy-url': '/okid', ...attrs })) el.setAttribute(key, value);
      document.body.append(el);
      try {
        await until(() => events.length > 0, 'an okid-error');
        expect(events[0]!.detail.code).to.equal('CONFIG_INVALID');
        expect(events[0]!.detail.message).to.contain(said);
        expect(text(el)).to.contain(said);
        expect(el.shadowRoot!.querySelector('svg[part="qr"]')).to.equal(null);
        expect(el.shadowRoot!.querySelector('a[part="open-link"]')).to.equal(null);
      } finally {
        el.remove();
      }
    });
  }
});
