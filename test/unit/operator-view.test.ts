/**
 * Who is asking, in Chromium: the first screen's operator block (text only, the host shown, left
 * to right in a right-to-left screen) and the screen it goes on.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { captureEn } from '../../src/i18n/en-capture.js';
import { capture as captureHe } from '../../src/i18n/he.js';
import type { CaptureWords } from '../../src/capture/views/words.js';
import { isOpeningScreen, operatorHost, operatorView } from '../../src/capture/views/operator-view.js';
import { termsView } from '../../src/capture/views/screens.js';

const en = captureEn as CaptureWords;
const show = (view: unknown): Promise<HTMLElement> => fixture<HTMLElement>(html`<div>${view}</div>`);
const clean = (el: Element | null | undefined): string => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

describe('who is asking', () => {
  it('names the operator and its host under the terms heading, as text, with what to do with a forwarded link', async () => {
    const operator = { name: 'Acme <img src=x onerror="window.__owned=1"> Rentals', url: 'https://rentals.example:8443/account?ref=mail#x' };
    const el = await show(termsView({ busy: false, operator: operatorView(operator, en) }, en, { accept: () => {} }));
    const block = el.querySelector('[part="operator"]')!;
    expect(el.querySelector('h2')!.nextElementSibling).to.equal(block);
    expect(clean(block.querySelector('.operator-name'))).to.equal(operator.name);
    expect(clean(block.querySelector('.operator-host'))).to.equal('rentals.example:8443');
    expect(clean(block)).to.contain(en.requestedBy).and.to.contain(en.requestedByHint);
    expect(el.querySelector('img')).to.equal(null);
    expect((window as unknown as { __owned?: number }).__owned).to.equal(undefined);
    await expect(el).to.be.accessible();
  });

  it('shows nothing without an operator, and no host for an address that is not http(s)', async () => {
    expect(operatorView(undefined, en)).not.to.have.property('strings');
    const el = await show(operatorView({ name: 'Acme', url: 'javascript:alert(1)' }, en));
    expect(clean(el.querySelector('.operator-name'))).to.equal('Acme');
    expect(el.querySelector('.operator-host')).to.equal(null);
    expect(operatorHost('https://bücher.example/')).to.equal('xn--bcher-kva.example');
  });

  it('keeps the host left to right inside a right-to-left screen', async () => {
    const he = { ...en, ...captureHe } as CaptureWords;
    const el = await fixture<HTMLElement>(html`<div dir="rtl" lang="he">${operatorView({ name: 'אקמה השכרות', url: 'https://rentals.example/' }, he)}</div>`);
    expect(clean(el)).to.contain(he.requestedBy);
    expect(getComputedStyle(el.querySelector('.operator-host bdi')!).direction).to.equal('ltr');
  });

  it('goes on the screen the flow opens with: the terms, else the first step’s first screen', () => {
    expect(isOpeningScreen('terms', ['terms', 'document'])).to.equal(true);
    expect(isOpeningScreen('document_type', ['terms', 'document'])).to.equal(false);
    expect(isOpeningScreen('document_type', ['document', 'liveness'])).to.equal(true);
    expect(isOpeningScreen('liveness_intro', ['liveness'])).to.equal(true);
    expect(isOpeningScreen('form', ['form_data'])).to.equal(true);
  });
});
