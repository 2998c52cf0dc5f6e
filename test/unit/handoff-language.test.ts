/**
 * The handoff carries the language, in Chromium: the QR code, the link and the copy give the
 * desktop page's language as `lang`, and the phone speaks the `lang` the desktop handed over.
 */
import { expect, fixture, html } from '@open-wc/testing';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import { ID, ok, scriptedProxy, snapshot, text, until } from './helpers.js';

describe('the handoff carries the language', () => {
  it('gives the phone the desktop page’s language in the QR code, the link and the copy', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const wrapper = await fixture<HTMLElement>(
      html`<section lang="pl-PL"><okid-verify mode="handoff" process-token=${ID} proxy-url=${proxy.url}></okid-verify></section>`,
    );
    const el = wrapper.querySelector('okid-verify') as OkidVerifyElement;
    await until(() => text(el).includes('Potwierdź swoją tożsamość'), 'Polish');
    const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!;
    expect(new URL(link.href).searchParams.get('lang')).to.equal('pl');
    // A new locale draws a new code.
    el.locale = 'tr';
    await until(() => text(el).includes('Kimliğinizi doğrulayın'), 'Turkish');
    expect(new URL(el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!.href).searchParams.get('lang')).to.equal('tr');
    expect(el.shadowRoot!.querySelector('svg[part="qr"]')!.getAttribute('aria-label')).to.contain('lang=tr');
  });

  it('on the phone, speaks the lang the desktop handed over before the page’s own and the browser’s', async () => {
    const before = location.href;
    history.replaceState(null, '', `${location.pathname}?verification_id=${ID}&lang=he`);
    try {
      const proxy = await scriptedProxy([ok(snapshot({ status: 'opened' }))]);
      const wrapper = await fixture<HTMLElement>(
        html`<section lang="en"><okid-verify mode="handoff" process-token=${ID} proxy-url=${proxy.url}></okid-verify></section>`,
      );
      const el = wrapper.querySelector('okid-verify') as OkidVerifyElement;
      await until(() => text(el).includes('ממשיכים בטלפון'), 'Hebrew');
      const base = el.shadowRoot!.querySelector('[part="base"]')!;
      expect(base.getAttribute('lang')).to.equal('he');
      expect(base.getAttribute('dir')).to.equal('rtl');
    } finally {
      history.replaceState(null, '', before);
    }
  });
});
