import { expect, fixture, html } from '@open-wc/testing';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import { pickLocale } from '../../src/i18n/locale.js';
import { ID, ok, scriptedProxy, snapshot, text, until } from './helpers.js';

async function mountIn(markup: ReturnType<typeof html>): Promise<OkidVerifyElement> {
  const wrapper = await fixture<HTMLElement>(markup);
  return wrapper.matches('okid-verify') ? (wrapper as OkidVerifyElement) : wrapper.querySelector('okid-verify')!;
}

describe('<okid-verify> languages', () => {
  it('picks one of its languages from a BCP 47 tag, English otherwise', () => {
    expect(pickLocale('nl-BE')).to.equal('nl');
    expect(pickLocale('AR')).to.equal('ar');
    expect(pickLocale('pt-BR')).to.equal('pt');
    expect(pickLocale('ko-KR')).to.equal('en');
    expect(pickLocale(undefined)).to.equal('en');
  });

  it('speaks the locale attribute, else the nearest lang', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const byAttribute = await mountIn(
      html`<okid-verify mode="handoff" locale="nl" process-token=${ID} proxy-url=${proxy.url}></okid-verify>`,
    );
    await until(() => text(byAttribute).includes('Verifieer je identiteit'), 'Dutch');
    expect(byAttribute.shadowRoot!.querySelector('[part="base"]')!.getAttribute('lang')).to.equal('nl');
    const byLang = await mountIn(
      html`<section lang="de-AT"><okid-verify mode="handoff" process-token=${ID} proxy-url=${proxy.url}></okid-verify></section>`,
    );
    await until(() => /Identität/.test(text(byLang)), 'German from the nearest lang');
  });

  it('lays Arabic out right to left, mirrored', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'opened' }))]);
    const el = await mountIn(html`<okid-verify mode="handoff" locale="ar" process-token=${ID} proxy-url=${proxy.url}></okid-verify>`);
    await until(() => text(el).includes('التحقق') || !!el.shadowRoot!.querySelector('li'), 'Arabic steps');
    await until(() => !!el.shadowRoot!.querySelector('li[data-step="terms"]'), 'steps list');
    const base = el.shadowRoot!.querySelector<HTMLElement>('[part="base"]')!;
    expect(base.getAttribute('dir')).to.equal('rtl');
    expect(getComputedStyle(base).direction).to.equal('rtl');
    // The step name sits on the right and its state on the left, as an Arabic reader expects.
    const [name, state] = [...el.shadowRoot!.querySelectorAll('li[data-step="terms"] span')].map((s) => s.getBoundingClientRect());
    expect(name!.left).to.be.greaterThan(state!.left);
    await expect(el).to.be.accessible();
  });

  it('lets the operator override any string, in any language', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mountIn(html`<okid-verify mode="handoff" locale="fr" process-token=${ID} proxy-url=${proxy.url}></okid-verify>`);
    el.strings = { title: 'Vérifions votre permis', openHere: 'Ouvrir ici' };
    await until(() => text(el).includes('Vérifions votre permis') && text(el).includes('Ouvrir ici'), 'overrides');
  });

  it('shows the time left through Intl', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ expiresAt: new Date(Date.now() + 65_500).toISOString() }))]);
    const el = await mountIn(html`<okid-verify mode="handoff" locale="de" process-token=${ID} proxy-url=${proxy.url}></okid-verify>`);
    await until(() => /0?1:0[56]/.test(el.shadowRoot!.querySelector('[part="time-left"]')?.textContent ?? ''), 'German time left');
  });
});

describe('<okid-verify> slots', () => {
  it("shows the operator's logo and intro text in place of the default instruction", async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mountIn(html`<okid-verify mode="handoff" process-token=${ID} proxy-url=${proxy.url}>
      <img slot="logo" alt="Acme Rentals" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" />
      <p slot="intro">Scan to finish your car rental check.</p>
    </okid-verify>`);
    const intro = el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="intro"]')!;
    expect(intro.assignedElements()[0]!.textContent).to.equal('Scan to finish your car rental check.');
    expect(el.shadowRoot!.querySelector<HTMLSlotElement>('slot[name="logo"]')!.assignedElements()).to.have.length(1);
    // The default instruction is the slot's fallback: not rendered once the page fills the slot.
    expect(intro.querySelector('p')!.getClientRects()).to.have.length(0);
    await expect(el).to.be.accessible();
  });
});
