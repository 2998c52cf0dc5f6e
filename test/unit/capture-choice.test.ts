// The phone's way in, in real Chromium: status first through the proxy, then the `capture`
// choice (embedded where the capture API answers, else okID's hosted portal), and the checks on
// the URLs the hosted Continue may lead to. The "capture API" that refuses or vanishes is the
// scripted middleware (or a closed port), over real HTTP.
import { expect, fixture, html } from '@open-wc/testing';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import { ID, ok, record, scriptedProxy, sleep, snapshot, text, until } from './helpers.js';

const PORTAL = 'https://portal.example.test';
const NOT_FOUND = { status: 404, body: { error: 'Not found', details: 'No route for GET.' } };

/** A phone-side element (mode="capture") with these attributes. */
async function phone(attrs: Record<string, string>): Promise<{ el: OkidVerifyElement; events: ReturnType<typeof record> }> {
  const el = await fixture<OkidVerifyElement>(html`<okid-verify mode="capture" poll-interval="250"></okid-verify>`);
  const events = record(el);
  for (const [key, value] of Object.entries({ 'process-token': ID, 'frontend-url': PORTAL, ...attrs })) el.setAttribute(key, value);
  await el.updateComplete;
  return { el, events };
}

const continueLink = (el: OkidVerifyElement) => el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="continue-button"]');

/** A scripted "capture API": its base URL (the element's api-url) and the requests it got. */
async function captureApi(steps: Parameters<typeof scriptedProxy>[0]) {
  const api = await scriptedProxy(steps);
  return { url: new URL(api.url, location.href).href, requests: api.requests };
}

describe('<okid-verify> capture="auto" on a phone', () => {
  it('falls back to okID’s hosted portal when the capture API answers 404, asking it once, with no error', async () => {
    const api = await captureApi([NOT_FOUND]);
    const { el, events } = await phone({ 'api-url': api.url });
    await until(() => !!continueLink(el), 'hosted view');
    const link = continueLink(el)!;
    expect(link.getAttribute('href')).to.equal(`${PORTAL}/verify?verification_id=${ID}`);
    expect(link.textContent!.trim()).to.equal('Continue');
    expect(link.target).to.equal('');
    expect(text(el)).to.contain('okID’s secure page');
    await sleep(300);
    expect((await api.requests()).map((r) => r.url)).to.deep.equal([`/v1/flow/${ID}`]);
    expect(events.filter((e) => e.type === 'okid-error')).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('falls back when the capture API cannot be reached at all (refused connection, as CORS looks)', async () => {
    const { el, events } = await phone({ 'api-url': 'http://127.0.0.1:9' });
    await until(() => !!continueLink(el), 'hosted view', 15_000);
    expect(events.filter((e) => e.type === 'okid-error')).to.deep.equal([]);
  });

  it('shows the operator’s slots above the sentence and Continue', async () => {
    const api = await captureApi([NOT_FOUND]);
    const el = await fixture<OkidVerifyElement>(
      html`<okid-verify mode="capture" process-token=${ID} frontend-url=${PORTAL} api-url=${api.url}><img slot="logo" alt="Shop" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p slot="intro">Shop needs your ID.</p></okid-verify>`,
    );
    await until(() => !!continueLink(el), 'hosted view');
    const slots = [...el.shadowRoot!.querySelectorAll('slot')].map((slot) => slot.name);
    expect(slots).to.deep.equal(['logo', 'intro']);
    expect((el.shadowRoot!.querySelector('slot[name="intro"]') as HTMLSlotElement).assignedElements()[0]!.textContent).to.equal('Shop needs your ID.');
  });

  it('runs the embedded flow where the capture API answers', async () => {
    const { url } = await (await fetch('/__sandbox/url')).json();
    const { verificationId } = await (await fetch('/__sandbox/verifications', { method: 'POST', body: '{}' })).json();
    const el = await fixture<OkidVerifyElement>(html`<okid-verify mode="capture" process-token=${verificationId} api-url=${url}></okid-verify>`);
    await until(() => /terms|agree/i.test(text(el)), 'the embedded flow’s first screen', 10_000);
    expect(continueLink(el)).to.equal(null);
  });
});

describe('<okid-verify> capture="embedded" and capture="hosted"', () => {
  it('embedded never falls back: a clear okid-error instead', async () => {
    const api = await captureApi([NOT_FOUND]);
    const { el, events } = await phone({ 'api-url': api.url, capture: 'embedded' });
    await until(() => events.some((e) => e.type === 'okid-error'), 'okid-error');
    expect(events.find((e) => e.type === 'okid-error')!.detail).to.include({ code: 'VERIFICATION_NOT_FOUND', verificationId: ID });
    await sleep(200);
    expect(continueLink(el)).to.equal(null);
  });

  it('hosted never asks the capture API, and Continue leads to the verification-url given', async () => {
    const api = await captureApi([NOT_FOUND]);
    const given = `https://verify.stage.okid.io/verify?verification_id=${ID}`;
    const { el } = await phone({ 'api-url': api.url, capture: 'hosted', 'verification-url': given });
    await until(() => !!continueLink(el), 'hosted view');
    expect(continueLink(el)!.href).to.equal(given);
    await sleep(300);
    expect(await api.requests()).to.deep.equal([]);
  });
});

describe('<okid-verify> on a phone with a proxy: status first', () => {
  it('a completed verification (okID’s return_url brought the person back) shows the outcome and fires okid-complete once, never a new flow', async () => {
    const api = await captureApi([NOT_FOUND]);
    const proxy = await scriptedProxy([ok(snapshot({ status: 'completed', outcome: 'verified' }))]);
    const { el, events } = await phone({ 'api-url': api.url, 'proxy-url': proxy.url });
    await until(() => text(el).includes('You are verified'), 'outcome');
    await sleep(400);
    expect(events.filter((e) => e.type === 'okid-complete').length).to.equal(1);
    expect(await api.requests()).to.deep.equal([]);
    expect(continueLink(el)).to.equal(null);
    expect((await proxy.requests()).length).to.equal(1);
  });

  it('a failed one shows that it failed, with VERIFICATION_FAILED once', async () => {
    const api = await captureApi([NOT_FOUND]);
    const proxy = await scriptedProxy([ok(snapshot({ status: 'failed' }))]);
    const { el, events } = await phone({ 'api-url': api.url, 'proxy-url': proxy.url });
    await until(() => text(el).includes('We could not verify your identity'), 'outcome');
    expect(events.filter((e) => e.type === 'okid-error').map((e) => e.detail.code)).to.deep.equal(['VERIFICATION_FAILED']);
    expect(await api.requests()).to.deep.equal([]);
  });

  it('a processing one is followed to its outcome', async () => {
    const api = await captureApi([NOT_FOUND]);
    const proxy = await scriptedProxy([ok(snapshot({ status: 'processing' })), ok(snapshot({ status: 'completed', outcome: 'manual_review' }))]);
    const { el, events } = await phone({ 'api-url': api.url, 'proxy-url': proxy.url });
    await until(() => text(el).includes('we are reviewing'), 'outcome');
    expect(events.filter((e) => e.type === 'okid-complete').length).to.equal(1);
    expect(await api.requests()).to.deep.equal([]);
  });

  it('an open one goes on to the capture choice (here: the hosted portal), and stops reading the status', async () => {
    const api = await captureApi([NOT_FOUND]);
    const proxy = await scriptedProxy([ok(snapshot({ status: 'created' }))]);
    const { el } = await phone({ 'api-url': api.url, 'proxy-url': proxy.url });
    await until(() => !!continueLink(el), 'hosted view');
    const asked = (await proxy.requests()).length;
    await sleep(700);
    expect((await proxy.requests()).length).to.equal(asked);
    expect((await api.requests()).length).to.equal(1);
  });

  it('an unknown verification says so, without a flow', async () => {
    const api = await captureApi([NOT_FOUND]);
    const proxy = await scriptedProxy([{ status: 404, body: { error: 'Verification not found', code: 'VERIFICATION_NOT_FOUND' } }]);
    const { el, events } = await phone({ 'api-url': api.url, 'proxy-url': proxy.url });
    await until(() => text(el).includes('does not exist'), 'not found');
    expect(events.filter((e) => e.type === 'okid-error').map((e) => e.detail.code)).to.deep.equal(['VERIFICATION_NOT_FOUND']);
    expect(await api.requests()).to.deep.equal([]);
    expect(continueLink(el)).to.equal(null);
  });
});

describe('<okid-verify> capture and portal URLs: bad input', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a capture value that is not one of the three', { capture: 'popup' }, /capture must be/],
    ['an http frontend-url on another host', { 'frontend-url': 'http://verify.example' }, /frontend-url must be https/],
    ['a javascript: frontend-url', { 'frontend-url': 'javascript:alert(1)' }, /frontend-url must be https/],
    ['an http verification-url on another host', { 'verification-url': `http://verify.example/verify?verification_id=${ID}` }, /verification-url must be https/],
    ['a data: verification-url', { 'verification-url': `data:text/html,${ID}` }, /verification-url must be https/],
  ];
  for (const [name, attrs, message] of cases) {
    it(`refuses ${name} with CONFIG_INVALID`, async () => {
      const { el, events } = await phone({ 'api-url': 'http://127.0.0.1:9', ...attrs });
      await until(() => events.some((e) => e.type === 'okid-error'), 'okid-error');
      const error = events.find((e) => e.type === 'okid-error')!.detail;
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.match(message);
      expect(continueLink(el)).to.equal(null);
    });
  }

  it('accepts plain http only on this machine', async () => {
    for (const host of ['localhost:8790', '127.0.0.1:8790', '[::1]:8790']) {
      const { el } = await phone({ 'api-url': 'http://127.0.0.1:9', capture: 'hosted', 'frontend-url': `http://${host}` });
      await until(() => !!continueLink(el), `hosted view for ${host}`);
      expect(continueLink(el)!.href).to.equal(`http://${host}/verify?verification_id=${ID}`);
    }
  });
});
