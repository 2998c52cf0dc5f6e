/**
 * Operator pages have global CSS of their own (issue 5, item 3): the element must look and work
 * the same under a page that styles `*`, `a`, `button`, `svg`, `p`, `h2`, `video` and `img`
 * aggressively, its own styles must not reach the page, and `--okid-*` custom properties set on
 * `:root` must theme it. Pages are served (without a CSP) by a small server that passes the
 * bundle and the /okid proxy through to the operator server, or the capture API to the sandbox.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { createVerification, decodeQrOnScreen, launchChromium, startStack } from './support.js';
import type { Stack } from './support.js';
import { firstPage, launchPhone, startPageServer } from './audit-support.js';
import type { PageServer } from './audit-support.js';

/** Rules real sites ship (resets, "utility" globals, legacy themes), turned up. */
const HOSTILE_CSS = `
* { box-sizing: content-box; margin: 20px; font: 30px serif; color: magenta; }
a { color: red; text-decoration: line-through; }
button { display: none; }
svg { width: 10px; height: 10px; }
p { display: inline; }
h2 { font-size: 60px; color: lime; text-transform: uppercase; }
video, img { display: none; }
`;

/** A page's own, ordinary styles for the elements around ours. */
const PAGE_CSS = `
button { background: rgb(1, 2, 3); color: rgb(250, 250, 250); border-radius: 0; padding: 3px 9px; font: 13px monospace; }
p { color: rgb(10, 20, 30); margin: 7px; font: 15px Georgia, serif; }
a { color: rgb(0, 128, 0); }
h2 { font: bold 19px Arial, sans-serif; color: rgb(90, 0, 0); }
svg { width: 33px; height: 17px; }
`;

const THEME_CSS = `
:root { --okid-accent: rgb(200, 0, 100); --okid-font-family: "Courier New", monospace; --okid-radius: 3px; }
`;

/**
 * Known defect (reported to the element's owner): the page's `*` rule matches the host element
 * itself, and for the host a page's rules win over the element's `:host { color; font-family;
 * font-size }`; the shadow tree then inherits magenta 30px serif text. Setting colour and font
 * on an inner wrapper (or on `:host` with `!important`) would keep the element's own.
 */
const HOST_INHERITS_PAGE_STAR = "the page's `* { color; font }` matches <okid-verify> itself and beats `:host`, so the shadow tree inherits it";

/** The element's defaults (src/element/styles.ts), as computed colours. */
const OWN = { text: 'rgb(29, 41, 57)', accent: 'rgb(29, 78, 216)', white: 'rgb(255, 255, 255)' };

const page = (title: string, sheets: string[], body: string, script = '/okid-verify.iife.js') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
${sheets.map((href) => `<link rel="stylesheet" href="${href}">`).join('')}${script ? `<script src="${script}"></script>` : ''}</head><body><main>${body}</main></body></html>`;

const SIBLINGS_BEFORE = '<h2 id="page-h2">Page heading</h2><p id="page-p">Page paragraph <a id="page-a" href="#x">page link</a></p>';
const SIBLINGS_AFTER = '<button id="page-button" type="button">Page button</button><svg id="page-svg" viewBox="0 0 10 10"><rect width="10" height="10"></rect></svg>';

const SIBLING_PROPS = ['color', 'background-color', 'font-family', 'font-size', 'font-weight', 'margin-top', 'margin-left', 'padding-left', 'border-top-left-radius', 'display', 'text-decoration-line', 'text-transform', 'box-sizing', 'line-height', 'width', 'height'];

/** Computed styles of the page's own elements around the element. */
const siblingStyles = (p: Page) =>
  p.evaluate(
    `(() => Object.fromEntries(['page-h2', 'page-p', 'page-a', 'page-button', 'page-svg'].map((id) => {
      const cs = getComputedStyle(document.getElementById(id));
      return [id, Object.fromEntries(${JSON.stringify(SIBLING_PROPS)}.map((prop) => [prop, cs.getPropertyValue(prop)]))];
    })))()`,
  ) as Promise<Record<string, Record<string, string>>>;

/** What the page's document holds beyond its own sheets: added <style>s, adopted sheets, @font-face. */
const documentAdditions = (p: Page) =>
  p.evaluate(`({ styles: document.querySelectorAll('style').length, adopted: document.adoptedStyleSheets.length, sheets: document.styleSheets.length, fonts: document.fonts.size })`) as Promise<Record<string, number>>;

/** Computed styles inside the shadow root. */
const shadowStyle = (p: Page, selector: string, props: string[]) =>
  p.evaluate(
    `(() => { const el = document.querySelector('okid-verify').shadowRoot.querySelector(${JSON.stringify(selector)});
      if (!el) return undefined; const cs = getComputedStyle(el); const box = el.getBoundingClientRect();
      return { ...Object.fromEntries(${JSON.stringify(props)}.map((p) => [p, cs.getPropertyValue(p)])), boxWidth: box.width, boxHeight: box.height }; })()`,
  ) as Promise<(Record<string, string> & { boxWidth: number; boxHeight: number }) | undefined>;

describe('hostile page styles and theming', () => {
  let stack: Stack;
  let browser: Browser;
  let operatorSide: PageServer;
  let sandboxSide: PageServer;
  let work: string;

  before(async () => {
    stack = await startStack({}, 300);
    browser = await launchChromium();
    operatorSide = await startPageServer(stack.operator.url);
    sandboxSide = await startPageServer(stack.sandbox.url);
    for (const server of [operatorSide, sandboxSide]) {
      server.files['/hostile.css'] = { body: HOSTILE_CSS, type: 'text/css' };
      server.files['/page.css'] = { body: PAGE_CSS, type: 'text/css' };
      server.files['/theme.css'] = { body: THEME_CSS, type: 'text/css' };
    }
    work = await mkdtemp(join(tmpdir(), 'okid-hostile-'));
  });
  after(async () => {
    await operatorSide?.close();
    await sandboxSide?.close();
    await browser?.close();
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function openHandoff(path: string, sheets: string[], before = '', afterElement = ''): Promise<{ page: Page; url: string }> {
    const created = await createVerification(stack);
    operatorSide.files[path] = {
      body: page('hostile', sheets, `${before}<okid-verify verification-url="${created.verificationUrl}" proxy-url="/okid" mode="handoff"></okid-verify>${afterElement}`),
    };
    const p = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await p.goto(operatorSide.url + path);
    await p.locator('okid-verify svg[part="qr"]').waitFor();
    // The QR code's URL carries the page's language (lang="en"), for the phone to speak it.
    return { page: p, url: `${created.verificationUrl}&lang=en` };
  }

  describe('a page that styles *, a, button, svg, p, h2, video and img', () => {
    let hostile: Page;
    let handoffUrl: string;
    before(async () => {
      ({ page: hostile, url: handoffUrl } = await openHandoff('/hostile.html', ['/hostile.css']));
    });
    after(async () => {
      await hostile?.close();
    });

    it('the QR code keeps a normal, square size and still scans', async (t) => {
      const qr = (await shadowStyle(hostile, 'svg[part="qr"]', ['display']))!;
      t.diagnostic(`QR ${qr.boxWidth}×${qr.boxHeight} px (14rem; the page's * { font: 30px } makes 1rem 30px)`);
      assert.ok(Math.abs(qr.boxWidth - qr.boxHeight) < 1, `square (${qr.boxWidth}×${qr.boxHeight})`);
      assert.ok(qr.boxWidth >= 160 && qr.boxWidth <= 480, `a phone can scan it from a desk: ${qr.boxWidth}px wide`);
      assert.equal(await decodeQrOnScreen(hostile), handoffUrl);
    });

    it('the copy button and the open link are shown, at least 44×44 px, the link not struck through', async () => {
      const copy = (await shadowStyle(hostile, '[part="copy-button"]', ['display', 'visibility']))!;
      assert.notEqual(copy.display, 'none', 'button { display: none } of the page does not hide ours');
      assert.ok(copy.boxWidth >= 44 && copy.boxHeight >= 44, `copy button ${copy.boxWidth}×${copy.boxHeight}`);
      const link = (await shadowStyle(hostile, '[part="open-link"]', ['text-decoration-line', 'color', 'background-color']))!;
      assert.ok(link.boxWidth >= 44 && link.boxHeight >= 44, `open link ${link.boxWidth}×${link.boxHeight}`);
      assert.equal(link['text-decoration-line'], 'none');
      assert.equal(link.color, OWN.white);
      assert.equal(link['background-color'], OWN.accent);
      await hostile.locator('okid-verify').getByRole('button', { name: 'Copy link' }).click({ trial: true });
    });

    it("headings and text keep the element's own colour, not the page's `* { color }`", async () => {
      const heading = (await shadowStyle(hostile, 'h2', ['color']))!;
      const text = (await shadowStyle(hostile, 'p', ['color']))!;
      assert.deepEqual({ heading: heading.color, text: text.color }, { heading: OWN.text, text: OWN.text });
    });

    it("text keeps the element's own font, not the page's `* { font: 30px serif }`", async (t) => {
      const heading = (await shadowStyle(hostile, 'h2', ['font-family', 'font-size']))!;
      const text = (await shadowStyle(hostile, 'p', ['font-family', 'font-size']))!;
      t.diagnostic(`h2 ${heading['font-size']} ${heading['font-family']}; p ${text['font-size']} ${text['font-family']}`);
      assert.notEqual(text['font-family'], 'serif');
      assert.ok(parseFloat(text['font-size']!) < 24, `body text ${text['font-size']}`);
      assert.ok(parseFloat(heading['font-size']!) < 40, `heading ${heading['font-size']}`);
    });

    it('the element’s paragraphs stay blocks and its heading is not transformed', async () => {
      const p = (await shadowStyle(hostile, 'p', ['display']))!;
      const h2 = (await shadowStyle(hostile, 'h2', ['text-transform', 'color']))!;
      assert.equal(p.display, 'block');
      assert.equal(h2['text-transform'], 'none');
      assert.notEqual(h2.color, 'rgb(0, 255, 0)');
    });
  });

  it("nothing leaks out: the page's own button, p, a, h2 and svg look the same with the element as without", async () => {
    const body = (element: string) => `${SIBLINGS_BEFORE}${element}${SIBLINGS_AFTER}`;
    operatorSide.files['/control.html'] = { body: page('control', ['/page.css'], body(''), '') };
    const control = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await control.goto(`${operatorSide.url}/control.html`);
    const expected = await siblingStyles(control);
    const expectedDocument = await documentAdditions(control);
    await control.close();

    const { page: withElement } = await openHandoff('/siblings.html', ['/page.css'], SIBLINGS_BEFORE, SIBLINGS_AFTER);
    assert.deepEqual(await siblingStyles(withElement), expected);
    assert.deepEqual(await documentAdditions(withElement), expectedDocument, 'no <style>, adopted sheet or font added to the page');
    await withElement.close();
  });

  it('theming from :root: --okid-accent, --okid-font-family and --okid-radius change the element', async () => {
    const { page: themed } = await openHandoff('/themed.html', ['/theme.css']);
    const link = (await shadowStyle(themed, '[part="open-link"]', ['background-color', 'font-family']))!;
    const copy = (await shadowStyle(themed, '[part="copy-button"]', ['color', 'border-top-color']))!;
    const host = (await themed.evaluate(`getComputedStyle(document.querySelector('okid-verify')).borderTopLeftRadius`)) as string;
    assert.equal(link['background-color'], 'rgb(200, 0, 100)', 'the primary button takes the accent');
    assert.match(link['font-family']!, /Courier New/, 'and the font');
    assert.equal(copy.color, 'rgb(200, 0, 100)');
    assert.equal(copy['border-top-color'], 'rgb(200, 0, 100)');
    assert.equal(host, '3px', 'the box takes the radius');
    await themed.close();
  });

  describe('capture mode on a phone, on the hostile page', () => {
    const seen: Record<string, Awaited<ReturnType<typeof shadowStyle>>> = {};
    let leak: { expected?: unknown; actual?: unknown } = {};
    let themedButton: string | undefined;
    let failure: Error | undefined;

    before(async () => {
      const created = await createVerification(stack);
      const siblingsCreated = await createVerification(stack);
      const themedCreated = await createVerification(stack);
      const element = (id: string) => `<okid-verify mode="capture" process-token="${id}" api-url="${sandboxSide.url}"></okid-verify>`;
      sandboxSide.files['/capture-hostile.html'] = { body: page('capture', ['/hostile.css'], element(created.verificationId)) };
      sandboxSide.files['/capture-siblings.html'] = { body: page('capture', ['/page.css'], `${SIBLINGS_BEFORE}${element(siblingsCreated.verificationId)}${SIBLINGS_AFTER}`) };
      sandboxSide.files['/capture-control.html'] = { body: page('capture', ['/page.css'], `${SIBLINGS_BEFORE}${SIBLINGS_AFTER}`, '') };
      sandboxSide.files['/capture-themed.html'] = { body: page('capture', ['/theme.css'], element(themedCreated.verificationId)) };
      const context = await launchPhone(join(work, 'phone'), 'fake');
      try {
        const p = await firstPage(context);
        await p.goto(`${sandboxSide.url}/capture-hostile.html`);
        const el = p.locator('okid-verify');
        await el.locator('[part="primary-button"]').waitFor();
        seen.terms = await shadowStyle(p, '[part="primary-button"]', ['display', 'background-color', 'color']);
        await el.locator('[part="primary-button"]').click();
        await el.locator('[part="choice"]').first().waitFor();
        seen.choice = await shadowStyle(p, '[part="choice"]', ['display']);
        await el.getByRole('button', { name: 'ID card' }).click();
        await p.waitForFunction(`document.querySelector('okid-verify').shadowRoot.querySelector('video')?.readyState >= 2`);
        seen.video = await shadowStyle(p, 'video[part="camera"]', ['display']);
        seen.shutter = await shadowStyle(p, '[part="shutter"]', ['display']);
        await el.locator('[part="shutter"]').click();
        await p.waitForFunction(`document.querySelector('okid-verify').shadowRoot.querySelector('img')?.complete`);
        seen.review = await shadowStyle(p, 'img[part="review-image"]', ['display']);

        await p.goto(`${sandboxSide.url}/capture-control.html`);
        leak.expected = await siblingStyles(p);
        await p.goto(`${sandboxSide.url}/capture-siblings.html`);
        await el.locator('[part="primary-button"]').waitFor();
        leak.actual = await siblingStyles(p);

        await p.goto(`${sandboxSide.url}/capture-themed.html`);
        await el.locator('[part="primary-button"]').waitFor();
        themedButton = (await shadowStyle(p, '[part="primary-button"]', ['background-color']))?.['background-color'];
      } catch (error) {
        failure = error as Error;
      } finally {
        await context.close();
      }
    });

    const reached = (key: string) => {
      if (failure) throw failure;
      const value = seen[key];
      assert.ok(value, `${key} was rendered`);
      return value;
    };

    it('the terms and document buttons are shown with their own colours', () => {
      const terms = reached('terms');
      assert.notEqual(terms.display, 'none');
      assert.ok(terms.boxWidth >= 44 && terms.boxHeight >= 44, `terms button ${terms.boxWidth}×${terms.boxHeight}`);
      assert.equal(terms['background-color'], OWN.accent);
      assert.equal(terms.color, OWN.white);
      const choice = reached('choice');
      assert.notEqual(choice.display, 'none');
      assert.ok(choice.boxHeight >= 44);
    });

    it("the camera picture, the shutter and the photo to check are shown despite the page's video, img and button rules", () => {
      const video = reached('video');
      assert.notEqual(video.display, 'none');
      assert.ok(video.boxWidth > 150 && video.boxHeight > 100, `camera ${video.boxWidth}×${video.boxHeight}`);
      assert.notEqual(reached('shutter').display, 'none');
      const review = reached('review');
      assert.notEqual(review.display, 'none');
      assert.ok(review.boxWidth > 150 && review.boxHeight > 50, `photo ${review.boxWidth}×${review.boxHeight}`);
    });

    it('the capture styles do not leak out to the page', () => {
      if (failure) throw failure;
      assert.deepEqual(leak.actual, leak.expected);
    });

    it('the capture primary button takes --okid-accent from :root', () => {
      if (failure) throw failure;
      assert.equal(themedButton, 'rgb(200, 0, 100)');
    });
  });
});
