import { expect } from '@open-wc/testing';
import '../../src/index.js';
import { mount, ok, scriptedProxy, snapshot } from './helpers.js';

/**
 * Without `frontend-url`, the phone is sent to okID's portal for the id's API: a v2 verification
 * (`ver_…`) to `https://verify.prod.okid.io`, a v1 process token (`tok_…`) to
 * `https://verify.okid.io`, as the v1 SDK has it. The link a person follows shows which.
 */
describe('<okid-verify> default frontend-url follows the id', () => {
  const cases: Array<[string, string]> = [
    ['ver_frontendV2abcd', 'https://verify.prod.okid.io'],
    ['tok_frontendV1abcd', 'https://verify.okid.io'],
  ];
  for (const [id, host] of cases) {
    it(`leads ${id.slice(0, 4)}… to ${host}`, async () => {
      const proxy = await scriptedProxy([ok(snapshot({ verificationId: id }))]);
      const el = await mount(proxy.url, { 'process-token': id });
      const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!;
      expect(link.href).to.equal(`${host}/verify?verification_id=${id}&lang=en`);
    });
  }

  it('keeps an explicit frontend-url for either kind of id', async () => {
    for (const id of ['ver_frontendV2abcd', 'tok_frontendV1abcd']) {
      const proxy = await scriptedProxy([ok(snapshot({ verificationId: id }))]);
      const el = await mount(proxy.url, { 'process-token': id, 'frontend-url': 'https://verify.stage.okid.io' });
      const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('a[part="open-link"]')!;
      expect(link.href).to.equal(`https://verify.stage.okid.io/verify?verification_id=${id}&lang=en`);
      el.remove();
    }
  });
});
