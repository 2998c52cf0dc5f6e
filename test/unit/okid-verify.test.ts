import { expect, fixture, html } from '@open-wc/testing';
import jsQR from 'jsqr';
import { OkidVerifyElement, OkID } from '../../src/index.js';
import { ID, mount, ok, record, scriptedProxy, sleep, snapshot, text, until } from './helpers.js';

/** Renders the element's QR SVG to a canvas and decodes it with an off-the-shelf reader. */
async function decodeQr(el: OkidVerifyElement): Promise<string | undefined> {
  const svg = el.shadowRoot!.querySelector('svg[part="qr"]')!;
  const markup = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 400;
  const context = canvas.getContext('2d')!;
  context.drawImage(image, 0, 0, 400, 400);
  return jsQR(context.getImageData(0, 0, 400, 400).data, 400, 400)?.data;
}

describe('<okid-verify> handoff', () => {
  it('draws a QR code of the default handoff URL that a reader decodes, with link and copy button', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mount(proxy.url);
    // With the page's language, for the phone to speak it (the test page is English).
    const expected = `https://verify.prod.okid.io/verify?verification_id=${ID}&lang=en`;
    expect(await decodeQr(el)).to.equal(expected);
    const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!;
    expect(link.href).to.equal(expected);
    expect(link.textContent).to.contain('Open on this device');
    expect(el.shadowRoot!.querySelector('svg[part="qr"]')!.getAttribute('aria-label')).to.contain(expected);
    await expect(el).to.be.accessible();
  });

  it('uses a handoff-url template, or the verification-url', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mount(proxy.url, { 'handoff-url': 'https://op.example/phone/{id}?src=qr' });
    expect(await decodeQr(el)).to.equal(`https://op.example/phone/${ID}?src=qr&lang=en`);
    el.removeAttribute('process-token');
    el.removeAttribute('handoff-url');
    el.setAttribute('verification-url', `https://verify.stage.okid.io/verify?verification_id=${ID}`);
    await el.updateComplete;
    expect(await decodeQr(el)).to.equal(`https://verify.stage.okid.io/verify?verification_id=${ID}&lang=en`);
  });

  it('shows the time left until expiresAt and counts down', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ expiresAt: new Date(Date.now() + 125_500).toISOString() }))]);
    const el = await mount(proxy.url);
    await until(() => /Time left: 0?2:0[56]/.test(text(el)), 'time left shown');
    const first = text(el).match(/Time left: (\d+:\d+)/)![1];
    await until(() => text(el).match(/Time left: (\d+:\d+)/)![1] !== first, 'countdown moves', 2500);
  });

  it('moves the countdown without re-rendering the element', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ expiresAt: new Date(Date.now() + 125_500).toISOString() }))]);
    const el = await mount(proxy.url);
    await until(() => /Time left/.test(text(el)), 'time left shown');
    await el.updateComplete;
    const qr = el.shadowRoot!.querySelector('svg[part="qr"]');
    const renders = { count: 0 };
    const update = (el as unknown as { update(changed: unknown): void }).update;
    Object.assign(el, {
      update(this: OkidVerifyElement, changed: unknown) {
        renders.count += 1;
        update.call(this, changed);
      },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      seen.add(el.shadowRoot!.querySelector('[part="time-left"]')!.textContent!);
      await sleep(100);
    }
    expect(seen.size, 'the countdown text changed').to.be.at.least(2);
    expect(renders.count, 'element renders while only the countdown changed').to.equal(0);
    expect(el.shadowRoot!.querySelector('svg[part="qr"]')).to.equal(qr);
  });

  it('copies the handoff URL with the copy button', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mount(proxy.url);
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="copy-button"]')!.click();
    await until(() => text(el).includes('Link copied'), 'copy confirmed');
    expect(await navigator.clipboard.readText()).to.equal(`https://verify.prod.okid.io/verify?verification_id=${ID}&lang=en`);
  });

  it('follows the status: phone opened, progress, completed — okid-complete exactly once', async () => {
    const proxy = await scriptedProxy([
      ok(snapshot(), '"a"'),
      { status: 304 },
      ok(snapshot({ status: 'opened' }), '"b"'),
      ok(snapshot({ status: 'in_progress', progress: { terms: 'completed', document: 'completed', liveness: 'pending' } }), '"c"'),
      ok(snapshot({ status: 'processing', progress: { terms: 'completed', document: 'completed', liveness: 'completed' } }), '"d"'),
      ok(snapshot({ status: 'completed', outcome: 'verified', progress: { terms: 'completed', document: 'completed', liveness: 'completed' } }), '"e"'),
    ]);
    const completions: unknown[] = [];
    const el = await mount(proxy.url);
    el.onComplete = (detail) => completions.push(detail);
    const events = record(el);
    await until(() => text(el).includes('Continue on your phone'), 'phone view');
    expect(el.shadowRoot!.querySelector('svg[part="qr"]')).to.equal(null);
    await expect(el).to.be.accessible();
    await until(() => el.shadowRoot!.querySelector('li[data-step="document"]')?.getAttribute('data-state') === 'completed', 'document done');
    expect(el.shadowRoot!.querySelector('li[data-step="liveness"]')!.getAttribute('data-state')).to.equal('pending');
    await until(() => text(el).includes('You are verified'), 'outcome shown');
    await expect(el).to.be.accessible();
    const requestsAtEnd = (await proxy.requests()).length;
    await sleep(800);
    expect((await proxy.requests()).length, 'polling stops on a final state').to.equal(requestsAtEnd);
    const complete = events.filter((e) => e.type === 'okid-complete');
    expect(complete).to.have.length(1);
    expect(complete[0]!.detail).to.include({ verificationId: ID, outcome: 'verified' });
    expect(completions).to.have.length(1);
    expect(events.filter((e) => e.type === 'okid-status').map((e) => e.detail.status)).to.deep.equal([
      'created',
      'opened',
      'in_progress',
      'processing',
      'completed',
    ]);
    const requests = await proxy.requests();
    expect(requests[0]!.url).to.equal(`/verifications/${ID}`);
    expect(requests[1]!.headers['if-none-match']).to.equal('"a"');
  });

  it('says so when the outcome is a manual review', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'completed', outcome: 'manual_review' }))]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => text(el).includes('reviewing'), 'manual review text');
    expect(events.find((e) => e.type === 'okid-complete')?.detail.outcome).to.equal('manual_review');
  });

  it('never says verified when the vendor did not say so (OOTO-AI DONE, uqudo INFO): the review text, okid-complete without an outcome', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'completed', vendorStatus: 'DONE' }))]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => text(el).includes('reviewing'), 'the review text');
    expect(text(el)).not.to.contain('You are verified');
    const complete = events.filter((e) => e.type === 'okid-complete');
    expect(complete).to.have.length(1);
    expect(complete[0]!.detail.verificationId).to.equal(ID);
    expect(complete[0]!.detail.outcome).to.equal(undefined);
  });

  for (const [status, code, words] of [
    ['failed', 'VERIFICATION_FAILED', 'could not verify'],
    ['expired', 'VERIFICATION_EXPIRED', 'expired'],
    ['canceled', 'VERIFICATION_CANCELED', 'canceled'],
  ] as const) {
    it(`fires okid-error ${code} and calls onError when the verification is ${status}`, async () => {
      const proxy = await scriptedProxy([ok(snapshot({ status }))]);
      const errors: unknown[] = [];
      const el = await mount(proxy.url);
      el.onError = (detail) => errors.push(detail);
      const events = record(el);
      await until(() => errors.length === 1, 'onError called');
      expect(errors[0]).to.deep.equal({ code, message: (errors[0] as { message: string }).message, recoverable: false, verificationId: ID });
      expect(events.filter((e) => e.type === 'okid-error')).to.have.length(1);
      expect(text(el).toLowerCase()).to.contain(words);
      await expect(el).to.be.accessible();
    });
  }
});

describe('<okid-verify> bad configuration', () => {
  const hostile = ['../x', '%2e%2e%2f', `ver_${'a'.repeat(10_000)}`, '"><img src=x onerror="window.__pwned=1">', 'ver x', 'ver_é', 'a'.repeat(201), '..'];
  for (const token of hostile) {
    it(`refuses process-token ${JSON.stringify(token.slice(0, 30))} with CONFIG_INVALID and asks nothing`, async () => {
      const proxy = await scriptedProxy([ok(snapshot())]);
      const el = document.createElement('okid-verify');
      const events = record(el);
      el.setAttribute('mode', 'handoff');
      el.setAttribute('proxy-url', proxy.url);
      el.setAttribute('process-token', token);
      document.body.append(el);
      try {
        await until(() => events.length > 0, 'an event');
        expect(events[0]!.type).to.equal('okid-error');
        expect(events[0]!.detail).to.include({ code: 'CONFIG_INVALID', recoverable: false });
        expect(text(el)).to.contain('process-token is not an okID id');
        expect(el.shadowRoot!.querySelector('img')).to.equal(null);
        expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
        await sleep(300);
        expect(await proxy.requests()).to.have.length(0);
      } finally {
        el.remove();
      }
    });
  }

  it('reports a missing process-token, a missing proxy-url, a bad mode and a javascript: handoff-url', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'proxy-url': '/okid' }, 'Set process-token'],
      [{ 'process-token': ID }, 'Set proxy-url'],
      [{ 'process-token': ID, 'proxy-url': '/okid', mode: 'fast' }, 'mode must be'],
      [{ 'process-token': ID, 'proxy-url': '/okid', 'handoff-url': 'javascript:alert(1)//{id}' }, 'handoff-url must be'],
      [{ 'verification-url': 'https://verify.okid.io/verify?x=1', 'proxy-url': '/okid' }, 'verification-url holds no okID id'],
      [{ 'process-token': ID, 'proxy-url': 'ftp://x/okid' }, 'proxy-url must be'],
    ];
    for (const [attrs, message] of cases) {
      const el = document.createElement('okid-verify');
      const events = record(el);
      for (const [key, value] of Object.entries({ mode: 'handoff', ...attrs })) el.setAttribute(key, value);
      document.body.append(el);
      await until(() => events.length > 0, `an event for ${message}`);
      expect(events[0]!.detail.code).to.equal('CONFIG_INVALID');
      expect(events[0]!.detail.message).to.contain(message);
      expect(text(el)).to.contain(message);
      await expect(el).to.be.accessible();
      el.remove();
    }
  });

  it('recovers when the configuration is fixed', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mount(undefined);
    expect(text(el)).to.contain('Set proxy-url');
    el.setAttribute('proxy-url', proxy.url);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('svg[part="qr"]')).to.not.equal(null);
    await until(() => text(el).includes('Time left'), 'status followed');
  });
});

describe('<okid-verify> network faults', () => {
  it('a proxy answering 500 then garbage gives one recoverable NETWORK error, a banner, then recovers', async () => {
    const proxy = await scriptedProxy([
      { status: 500, body: { error: 'boom', code: 'UPSTREAM_ERROR' } },
      { status: 200, raw: '<html>not json</html>' },
      ok(snapshot({ verificationId: 'ver_someoneElse1' })),
      ok(snapshot({ status: 'opened' })),
    ]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => text(el).includes('Connection lost'), 'banner shown');
    expect(el.shadowRoot!.querySelector('svg[part="qr"]'), 'the QR stays usable during an outage').to.not.equal(null);
    await expect(el).to.be.accessible();
    await until(() => text(el).includes('Continue on your phone'), 'recovered', 20_000);
    expect(text(el)).to.not.contain('Connection lost');
    const errors = events.filter((e) => e.type === 'okid-error');
    expect(errors).to.have.length(1);
    expect(errors[0]!.detail).to.include({ code: 'NETWORK', recoverable: true, verificationId: ID });
  });

  it('a proxy that is down gives NETWORK, and "retry now" asks again at once', async () => {
    const el = await mount('http://127.0.0.1:9/okid');
    const events = record(el);
    await until(() => events.some((e) => e.detail.code === 'NETWORK'), 'NETWORK error', 8000);
    expect(text(el)).to.contain('Connection lost');
    const retry = el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="retry-button"]')!;
    expect(retry).to.not.equal(null);
    el.setAttribute('proxy-url', (await scriptedProxy([ok(snapshot({ status: 'opened' }))])).url);
    await until(() => text(el).includes('Continue on your phone'), 'new proxy followed');
  });

  it('retries a failing proxy at least once per poll interval, so the outcome shows within two intervals of the fault ending', async () => {
    const failing = { status: 500, body: { error: 'down', code: 'UPSTREAM_ERROR' } };
    const proxy = await scriptedProxy([...Array.from({ length: 8 }, () => failing), ok(snapshot({ status: 'completed', outcome: 'verified' }))]);
    const el = await mount(proxy.url, { 'poll-interval': '400' });
    await until(() => text(el).includes('You are verified'), 'outcome shown', 8000);
    const at = (await proxy.requests()).map((request) => request.at);
    expect(at).to.have.length(9);
    // Uncapped, the backoff would double towards 30 s: by the eighth failure a gap of seconds.
    const gaps = at.slice(1).map((time, i) => time - at[i]!);
    expect(Math.max(...gaps), `gaps ${gaps.join(', ')} ms`).to.be.below(400 + 200);
  });

  it('honours Retry-After', async () => {
    const proxy = await scriptedProxy([{ status: 503, headers: { 'Retry-After': '2' }, body: { error: 'busy', code: 'RATE_LIMITED' } }, ok(snapshot())]);
    const el = await mount(proxy.url);
    await until(() => text(el).includes('Time left'), 'recovered', 6000);
    const [first, second] = await proxy.requests();
    expect(second!.at - first!.at).to.be.at.least(1900);
  });

  it('stops with VERIFICATION_NOT_FOUND, ACCESS_DENIED, or CONFIG_INVALID for a proxy-url that is no okid proxy', async () => {
    const cases: Array<[Step, string]> = [
      [{ status: 404, body: { error: 'Verification not found', code: 'VERIFICATION_NOT_FOUND' } }, 'VERIFICATION_NOT_FOUND'],
      [{ status: 403, body: { error: 'no', code: 'ACCESS_DENIED' } }, 'ACCESS_DENIED'],
      [{ status: 404, raw: '<h1>Not Found</h1>' }, 'CONFIG_INVALID'],
    ];
    for (const [step, code] of cases) {
      const proxy = await scriptedProxy([step]);
      const el = await mount(proxy.url);
      const events = record(el);
      await until(() => events.length > 0, `error ${code}`);
      expect(events[0]!.detail).to.include({ code, recoverable: false });
      await sleep(600);
      expect(await proxy.requests(), 'no retry after a final fault').to.have.length(1);
      expect(el.shadowRoot!.querySelector('svg[part="qr"]')).to.equal(null);
      el.remove();
    }
  });

  it('stops asking when removed from the page and while the tab is hidden', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = await mount(proxy.url);
    await sleep(600);
    const visibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
      await sleep(300);
      const hiddenStart = (await proxy.requests()).length;
      await sleep(800);
      expect((await proxy.requests()).length, 'no polls while hidden').to.be.at.most(hiddenStart + 1);
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
      Object.defineProperty(Document.prototype, 'visibilityState', visibility);
    }
    document.dispatchEvent(new Event('visibilitychange'));
    const beforeVisible = (await proxy.requests()).length;
    await sleep(400);
    expect((await proxy.requests()).length, 'polls again when visible').to.be.greaterThan(beforeVisible);
    el.remove();
    await sleep(100);
    const afterRemove = (await proxy.requests()).length;
    await sleep(800);
    expect((await proxy.requests()).length).to.equal(afterRemove);
  });
});

describe('registration and the OkID facade', () => {
  it('define() tolerates being called again', () => {
    OkidVerifyElement.define();
    OkidVerifyElement.define('okid-verify');
    expect(customElements.get('okid-verify')).to.equal(OkidVerifyElement);
  });

  it('new OkID(config).init() mounts the element into a container and calls onComplete', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'completed', outcome: 'verified' }))]);
    const container = await fixture<HTMLDivElement>(html`<div id="okid-here"></div>`);
    const done: unknown[] = [];
    const okid = new OkID({ processToken: ID, proxyUrl: proxy.url, mode: 'handoff', container: '#okid-here', onComplete: (d) => done.push(d) });
    const el = okid.init();
    expect(container.firstElementChild).to.equal(el);
    await until(() => done.length === 1, 'onComplete');
    okid.destroy();
    expect(container.children).to.have.length(0);
    expect(() => new OkID({ processToken: ID, container: '#nowhere' }).init()).to.throw(/no element matches/);
  });
});

type Step = import('./helpers.js').Step;
