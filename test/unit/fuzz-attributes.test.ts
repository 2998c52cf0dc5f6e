/**
 * Generated attributes on `<okid-verify>` in real Chromium (fast-check, bounded; a failure prints
 * the seed and the shrunk attribute set): hostile markup, script URLs, odd numbers and very long
 * values. Whatever comes in, the element renders or fires `okid-error` CONFIG_INVALID; it never
 * throws, never renders markup from an attribute, and never links anywhere but http(s).
 */
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import '../../src/index.js';
import type { OkidVerifyElement } from '../../src/element/okid-verify-element.js';
import { ok, scriptedProxy, snapshot } from './helpers.js';

const RUNS = 80;

const hostile = fc.constantFrom(
  '<img src=x onerror="window.__okidInjected=1">',
  '"><script>window.__okidInjected=1</script>',
  "javascript:window.__okidInjected=1",
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>window.__okidInjected=1</script>',
  '//evil.example/x',
  '/\\evil.example',
  'https:evil.example',
  'https://evil.example/{id}"><svg onload=alert(1)>',
  'http://localhost:1/',
  'ftp://x',
  '{id}',
  '\u202eevil',
  '\u0000\u0007',
  'x'.repeat(10_000),
  '',
  ' ',
  '-1',
  '1e309',
  'NaN',
  '0x10',
);
const ids = fc.oneof(fc.constantFrom('ver_fuzzAttr1234', 'tok_fuzzAttr1234', 'ver_', 'ver_../../x'), hostile);
const urls = fc.oneof(fc.constantFrom('https://verify.okid.io', 'http://localhost:9', `https://verify.okid.io/verify?verification_id=ver_fuzzAttr1234`), hostile, fc.webUrl());
const attributes = fc.record(
  {
    'process-token': ids,
    'verification-url': urls,
    'proxy-url': fc.oneof(fc.constantFrom('/scripted/none', 'http://localhost:9/okid'), hostile),
    mode: fc.oneof({ arbitrary: fc.constantFrom('auto', 'handoff', 'capture', 'capture', 'HANDOFF', 'phone'), weight: 3 }, hostile),
    capture: fc.oneof({ arbitrary: fc.constantFrom('auto', 'hosted', 'hosted', 'embedded', 'camera'), weight: 3 }, hostile),
    'handoff-url': urls,
    'api-url': urls,
    'frontend-url': urls,
    'flow-name': fc.oneof(fc.string({ maxLength: 30 }), hostile),
    locale: fc.oneof(fc.constantFrom('en', 'ar', 'nl-BE', 'zz', 'en-US-x-private'), hostile),
    'return-url': urls,
    'poll-interval': fc.oneof(fc.integer().map(String), hostile),
  },
  { requiredKeys: [] },
);

/** A phone on the hosted path with generated portal URLs: where a URL attribute becomes a link's href. */
const hostedPhone = fc.record(
  {
    'process-token': fc.constant('ver_fuzzAttr1234'),
    mode: fc.constant('capture'),
    capture: fc.constant('hosted'),
    'verification-url': fc.oneof(urls, fc.webUrl({ validSchemes: ['https'] }).map((url) => `${url}${url.includes('?') ? '&' : '?'}verification_id=ver_fuzzAttr1234`)),
    'frontend-url': fc.oneof(urls, fc.webUrl({ validSchemes: ['https'] })),
    'return-url': urls,
  },
  { requiredKeys: ['process-token', 'mode', 'capture'] },
);

const statuses = fc.option(fc.constantFrom('created', 'opened', 'processing', 'completed', 'failed', 'expired', 'canceled') as fc.Arbitrary<'created'>, { nil: null });

/** Elements mounted side by side in one run: each mostly waits (up to 800 ms for its first event). */
const BATCH = 8;

/** One generated element: its attributes and, if not null, the status a scripted proxy answers. */
const oneCase = fc.tuple(fc.oneof(attributes, hostedPhone), statuses);

describe('<okid-verify> with generated attributes', () => {
  it('renders or reports CONFIG_INVALID, never throws, never injects markup, links only to http(s)', async function () {
    this.timeout(120_000);
    const thrown: unknown[] = [];
    const onError = (event: ErrorEvent) => thrown.push(event.error ?? event.message);
    const onRejection = (event: PromiseRejectionEvent) => thrown.push(event.reason);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    let invalid = 0;
    let hostedLinks = 0;
    let elements = 0;

    /** Mounts one element, waits for it to settle, and checks what it shows. */
    const check = async ([attrs, status]: [Record<string, string>, 'created' | null]): Promise<void> => {
      const el = document.createElement('okid-verify') as OkidVerifyElement;
      const errors: Array<{ code: string }> = [];
      el.addEventListener('okid-error', (event) => errors.push((event as CustomEvent).detail));
      // Half the elements get a proxy that answers, so the views that follow a status (the phone's
      // hosted Continue link, results) are drawn from the generated URLs too.
      if (status !== null && attrs['proxy-url'] === undefined) {
        const proxy = await scriptedProxy(Array.from({ length: 4 }, () => ok(snapshot({ status }))));
        attrs['proxy-url'] = proxy.url;
      }
      for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
      const settled = new Promise((resolve) => {
        el.addEventListener('okid-status', resolve, { once: true });
        el.addEventListener('okid-error', resolve, { once: true });
        setTimeout(resolve, 800);
      });
      document.body.append(el);
      try {
        await el.updateComplete;
        await settled;
        await new Promise((resolve) => setTimeout(resolve, 50));
        await el.updateComplete;
        const root = el.shadowRoot!;
        expect(root.childElementCount + (root.textContent?.trim().length ?? 0), 'something is shown').to.be.greaterThan(0);
        expect(root.querySelectorAll('script, iframe, img, object, embed').length, 'no injected elements').to.equal(0);
        for (const node of root.querySelectorAll('*')) {
          for (const attribute of node.getAttributeNames()) expect(attribute.startsWith('on'), `<${node.localName} ${attribute}>`).to.equal(false);
        }
        for (const link of root.querySelectorAll<HTMLAnchorElement>('a[href]')) {
          expect(['http:', 'https:'], `a link to ${link.href.slice(0, 80)}`).to.include(new URL(link.href).protocol);
        }
        if (errors.some((e) => e.code === 'CONFIG_INVALID')) invalid++;
        if (root.querySelector('[part="continue-button"]')) hostedLinks++;
        expect((window as { __okidInjected?: unknown }).__okidInjected, 'no script ran').to.equal(undefined);
        elements++;
      } finally {
        el.remove();
      }
    };

    try {
      await fc.assert(
        // A batch of elements at once, each its own generated case; a failing batch shrinks its
        // cases, the passing ones to the simplest.
        fc.asyncProperty(fc.array(oneCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          await Promise.all(batch.map((one) => check(one as [Record<string, string>, 'created' | null])));
        }),
        { numRuns: RUNS / BATCH },
      );
      // Whatever the last elements started has had time to fail loudly.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(thrown, 'no uncaught exception').to.deep.equal([]);
      expect(elements, 'every generated element was checked').to.equal(RUNS);
      expect(invalid, 'some generated sets are refused as CONFIG_INVALID').to.be.greaterThan(0);
      expect(hostedLinks, "some runs reach the phone's hosted Continue link, whose href is checked").to.be.greaterThan(0);
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    }
  });
});
