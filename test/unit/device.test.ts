import { expect } from '@open-wc/testing';
import { isPhoneLike } from '../../src/element/device.js';

const media = (coarse: boolean, anyFine: boolean) => (query: string) =>
  query === '(pointer: coarse)' ? coarse : query === '(any-pointer: fine)' ? anyFine : false;

describe('mode="auto": which devices run the capture flow', () => {
  it('phones and tablets by their user agent', () => {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';
    const pixel = 'Mozilla/5.0 (Linux; Android 15; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
    const tablet = 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
    for (const userAgent of [iphone, pixel, tablet]) expect(isPhoneLike({ userAgent }, media(true, false)), userAgent).to.equal(true);
  });

  it('an iPad that asks for the desktop site, by its touch-only pointer', () => {
    const ipadDesktop = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';
    expect(isPhoneLike({ userAgent: ipadDesktop, maxTouchPoints: 5 }, media(true, false))).to.equal(true);
  });

  it('not desktops, nor touch-screen laptops with a trackpad', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
    expect(isPhoneLike({ userAgent: chrome, maxTouchPoints: 0 }, media(false, true))).to.equal(false);
    expect(isPhoneLike({ userAgent: chrome, maxTouchPoints: 10 }, media(false, true))).to.equal(false);
  });

  it('a phone asking for the desktop site, through client hints', () => {
    expect(isPhoneLike({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', userAgentData: { mobile: true } }, media(false, false))).to.equal(true);
  });
});
