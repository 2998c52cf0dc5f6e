// **Start again** (issue 10, part 5) against the scripted proxy: offered only when the proxy's
// create route exists, one POST however often it is pressed, then the new QR code and
// `okid-restart`. The end-to-end run against the real proxy and sandbox is e2e/handoff.test.ts.
import { expect } from '@open-wc/testing';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import type { OkidRestartDetail } from '../../src/index.js';
import { ID, mount, ok, record, scriptedProxy, snapshot, text, until } from './helpers.js';
import type { Step } from './helpers.js';

const NEW_ID = 'ver_unitTestAgain99';
const NEW_URL = `https://verify.prod.okid.io/verify?verification_id=${NEW_ID}`;
/** What the QR code and the link give: the new URL with the page's language (English here). */
const NEW_HANDOFF = `${NEW_URL}&lang=en`;

/** The proxy's create route answering `GET` (405, as the real proxy does when it has a `create` hook). */
const CREATE_ROUTE: Step = { status: 405, headers: { Allow: 'POST' }, body: { error: 'Method not allowed.', code: 'METHOD_NOT_ALLOWED' } };
/** The proxy without a `create` hook: no such route. */
const NO_ROUTE: Step = { status: 404, body: { error: 'Not found.', code: 'NOT_FOUND' } };
const created = (delayMs = 0): Step => ({
  status: 201,
  delayMs,
  body: { verificationId: NEW_ID, verificationUrl: NEW_URL, expiresAt: new Date(Date.now() + 600_000).toISOString() },
});

type Request = { url: string; method: string };
const requestsOf = async (proxy: { requests(): Promise<unknown[]> }): Promise<Request[]> => (await proxy.requests()) as Request[];
/**
 * The answer to the element's `GET {proxy}/verifications`, observed (not changed) on its way to
 * the element, so a test knows when the element has heard it.
 */
function watchProbe(proxyUrl: string): Promise<Response> {
  const original = window.fetch;
  return new Promise((resolve) => {
    window.fetch = (input, init) => {
      const answer = original(input, init);
      if (String(input).endsWith(`${proxyUrl}/verifications`) && !init?.method) {
        window.fetch = original;
        void answer.then((response) => resolve(response.clone()));
      }
      return answer;
    };
  });
}

const button = (el: OkidVerifyElement) => el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="restart-button"]');

describe('<okid-verify> Start again', () => {
  it('is not offered when the proxy has no create hook', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'expired' })), NO_ROUTE]);
    const probe = watchProbe(proxy.url);
    const el = await mount(proxy.url);
    await until(() => text(el).includes('This verification has expired'), 'expired shown');
    // The element asked (GET, creating nothing) and heard "no such route".
    const answer = await probe;
    expect(answer.status).to.equal(404);
    await el.updateComplete;
    expect((await requestsOf(proxy)).filter((r) => r.url === '/verifications').map((r) => r.method)).to.deep.equal(['GET']);
    expect(button(el)).to.equal(null);
    expect(text(el)).not.to.contain('Start again');
  });

  it('creates one verification however often it is pressed, draws its QR code and fires okid-restart once', async () => {
    const proxy = await scriptedProxy([
      ok(snapshot({ status: 'expired' })),
      CREATE_ROUTE,
      created(300),
      ok(snapshot({ verificationId: NEW_ID, status: 'created' })),
    ]);
    const el = await mount(proxy.url);
    const events = record(el);
    const restarts: OkidRestartDetail[] = [];
    const fired: OkidRestartDetail[] = [];
    el.onRestart = (detail) => restarts.push(detail);
    el.addEventListener('okid-restart', (event) => fired.push(event.detail));
    await until(() => button(el) !== null, 'Start again offered');
    expect(button(el)!.textContent).to.equal('Start again');
    await expect(el).to.be.accessible();

    button(el)!.focus();
    button(el)!.click();
    button(el)!.click();
    await el.updateComplete;
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    expect(button(el)!.getAttribute('aria-disabled'), 'disabled while it runs').to.equal('true');
    button(el)!.click();

    await until(() => fired.length === 1, 'okid-restart fired');
    expect(fired[0]).to.deep.equal({ previousVerificationId: ID, verificationId: NEW_ID });
    expect(restarts).to.deep.equal(fired);
    expect(el.verificationId).to.equal(NEW_ID);
    const qr = el.shadowRoot!.querySelector('svg[part="qr"]');
    expect(qr, 'the new QR code').not.to.equal(null);
    expect(qr!.getAttribute('aria-label')).to.contain(NEW_HANDOFF);
    expect(el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!.href).to.equal(NEW_HANDOFF);
    // The pressed button is gone: focus moved to the new link, not lost to the page.
    expect(el.shadowRoot!.activeElement?.getAttribute('part')).to.equal('open-link');
    await until(() => events.some((e) => e.type === 'okid-status' && e.detail.verificationId === NEW_ID), 'the new id followed');

    const posts = (await requestsOf(proxy)).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.url)).to.deep.equal(['/verifications']);
    expect(fired).to.have.length(1);
    await expect(el).to.be.accessible();
  });

  it('keeps a verification-url page on the new portal URL', async () => {
    const proxy = await scriptedProxy([ok(snapshot({ status: 'canceled' })), CREATE_ROUTE, created(), ok(snapshot({ verificationId: NEW_ID }))]);
    const el = await mount(proxy.url, { 'process-token': '', 'verification-url': `https://verify.okid.io/verify?verification_id=${ID}` });
    await until(() => button(el) !== null, 'Start again offered');
    button(el)!.click();
    await until(() => el.verificationId === NEW_ID, 'switched');
    expect(el.verificationUrl).to.equal(NEW_URL);
  });

  it('says so when the proxy cannot create one, and may be pressed again', async () => {
    const proxy = await scriptedProxy([
      ok(snapshot({ status: 'failed' })),
      CREATE_ROUTE,
      { status: 502, body: { error: 'okID is unavailable.', code: 'UPSTREAM_ERROR' } },
      created(),
      ok(snapshot({ verificationId: NEW_ID })),
    ]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => button(el) !== null, 'Start again offered');
    button(el)!.click();
    await until(() => text(el).includes('A new verification could not be started'), 'failure shown');
    const error = events.find((e) => e.type === 'okid-error' && e.detail.code !== 'VERIFICATION_FAILED');
    expect(error?.detail).to.deep.include({ code: 'NETWORK', recoverable: true, verificationId: ID });
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('could not be started');
    expect(button(el)!.getAttribute('aria-disabled')).to.equal('false');
    await expect(el).to.be.accessible();
    button(el)!.click();
    await until(() => el.verificationId === NEW_ID, 'the second press worked');
  });

  it('says ACCESS_DENIED when the proxy refuses the create (403), still recoverable', async () => {
    const proxy = await scriptedProxy([
      ok(snapshot({ status: 'expired' })),
      CREATE_ROUTE,
      { status: 403, body: { error: 'Forbidden.', code: 'FORBIDDEN' } },
    ]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => button(el) !== null, 'Start again offered');
    button(el)!.click();
    await until(() => text(el).includes('A new verification could not be started'), 'failure shown');
    const error = events.find((e) => e.type === 'okid-error' && e.detail.code !== 'VERIFICATION_EXPIRED');
    expect(error?.detail).to.deep.include({ code: 'ACCESS_DENIED', recoverable: true, verificationId: ID });
    expect(el.verificationId).to.equal(ID);
  });

  it('is not offered in the words of a proxy fault, only after a verification ended', async () => {
    const proxy = await scriptedProxy([{ status: 404, body: { error: 'Not found', code: 'VERIFICATION_NOT_FOUND' } }]);
    const el = await mount(proxy.url);
    await until(() => text(el).includes('does not exist'), 'not found shown');
    await el.updateComplete;
    expect(button(el)).to.equal(null);
    expect((await requestsOf(proxy)).filter((r) => r.url === '/verifications')).to.deep.equal([]);
  });
});
