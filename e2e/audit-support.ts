/**
 * Helpers of the audit tests (accessibility, strict CSP, hostile page styles): axe-core in the
 * page, keyboard and touch-target checks inside the element's shadow root, phones with a fake
 * camera, and a small page server that serves test pages with headers of our choosing and
 * passes every other request through to the sandbox or the operator server (one origin).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, devices } from 'playwright';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright';
import { PNG } from 'pngjs';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './support.js';

const require = createRequire(import.meta.url);

/** axe-core's browser build, injected into pages with `page.addScriptTag({ content })`. */
export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.2 level A and AA, as axe-core tags them. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The policy of issue 5, item 4, word for word. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html";

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string; html: string }>;
}

/**
 * Runs axe-core over the whole document (open shadow roots included) at WCAG 2.2 AA. The page
 * must not forbid inline script: open it in a context with `bypassCSP: true`.
 */
export async function runAxe(page: Page, tags: string[] = WCAG_TAGS): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ content: AXE_SOURCE });
  const result = (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(tags)} }, resultTypes: ['violations'] })
       .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
         nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html.slice(0, 200) })) })))`,
  )) as AxeViolation[];
  return result;
}

/** One line per violation and node: rule, impact, where (shadow path), what to do. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `- ${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    at ${JSON.stringify(n.target)}: ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

export interface KeyboardAudit {
  /** Every visible interactive control in the element's shadow root. */
  controls: string[];
  /** Controls Tab never reached. */
  unreachable: string[];
  /** Controls that look the same focused (by keyboard) as unfocused. */
  noFocusStyle: string[];
}

/**
 * Walks the page with Tab (forwards, twice round) and checks that every visible control of the
 * element gets focus and then looks different: an outline (or box-shadow, border or background)
 * that it, or the label wrapping it, did not have before.
 */
export async function auditKeyboard(page: Page): Promise<KeyboardAudit> {
  await page.mouse.move(0, 0);
  const controls = (await page.evaluate(`(() => {
    const root = document.querySelector('okid-verify').shadowRoot;
    const deep = (r) => { let a = r.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a; };
    deep(document)?.blur?.();
    const visible = (el) => { const box = (el.closest('label') ?? el).getBoundingClientRect(); const cs = getComputedStyle(el); return box.width > 0 && box.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
    const list = [...root.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
      // Native controls count even with tabindex=-1 (that takes them out of reach); other elements only when made focusable.
      .filter((el) => !el.disabled && visible(el) && (el.matches('a[href], button, input, select, textarea, summary') || el.tabIndex >= 0));
    const look = (el) => { const cs = getComputedStyle(el); return [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow, cs.borderColor, cs.backgroundColor].join('|'); };
    const looks = (el) => [el, el.closest('label')].filter(Boolean).map(look).join(' / ');
    window.__audit = { list, deep, looks, before: list.map(looks), after: list.map(() => undefined) };
    return list.map((el) => el.tagName.toLowerCase() + (el.getAttribute('part') ? '[part=' + el.getAttribute('part') + ']' : '') + (el.type === 'file' ? '[type=file]' : '') + ' "' + ((el.closest('label') ?? el).textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"');
  })()`)) as string[];
  for (let i = 0; i < 2 * (controls.length + 4); i++) {
    await page.keyboard.press('Tab');
    await page.evaluate(`(() => {
      const a = window.__audit; const el = a.deep(document); const i = a.list.indexOf(el);
      if (i >= 0 && a.after[i] === undefined) a.after[i] = a.looks(el);
    })()`);
  }
  const result = (await page.evaluate(`(() => {
    const a = window.__audit;
    const outlined = (look) => look.split(' / ').some((l) => { const [style, width] = l.split('|'); return style !== 'none' && parseFloat(width) >= 1; });
    return a.list.map((el, i) => ({ reached: a.after[i] !== undefined, styled: a.after[i] !== undefined && a.after[i] !== a.before[i] && (outlined(a.after[i]) || a.after[i].split('|').slice(3).join() !== a.before[i].split('|').slice(3).join()) }));
  })()`)) as Array<{ reached: boolean; styled: boolean }>;
  await page.evaluate(`(() => { const a = window.__audit; a.deep(document)?.blur?.(); delete window.__audit; })()`);
  return {
    controls,
    unreachable: controls.filter((_, i) => !result[i]!.reached),
    noFocusStyle: controls.filter((_, i) => result[i]!.reached && !result[i]!.styled),
  };
}

/** Buttons, links and file-picker labels of the element smaller than 44×44 CSS pixels. */
export async function smallTargets(page: Page, min = 44): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const root = document.querySelector('okid-verify').shadowRoot;
    const targets = [...root.querySelectorAll('button, a[href], label')].filter((el) => el.tagName !== 'LABEL' || el.querySelector('input'));
    return targets.map((el) => {
      const box = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') return undefined;
      if (box.width >= ${min} - 0.5 && box.height >= ${min} - 0.5) return undefined;
      return el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '" is ' + box.width.toFixed(1) + 'x' + box.height.toFixed(1);
    }).filter(Boolean);
  })()`)) as string[];
}

/** Everything one audit of a state sees. */
export interface StateAudit {
  violations: AxeViolation[];
  keyboard: KeyboardAudit;
  smallTargets: string[];
  text: string;
}

export async function auditState(page: Page): Promise<StateAudit> {
  const violations = await runAxe(page);
  const keyboard = await auditKeyboard(page);
  const targets = await smallTargets(page);
  const text = ((await page.evaluate(`document.querySelector('okid-verify').shadowRoot.textContent`)) as string).replace(/\s+/g, ' ').trim();
  return { violations, keyboard, smallTargets: targets, text };
}

/* ------------------------------------------------------------------ phones */

export const PHONE = devices['Pixel 7'];
const executablePath = CHROMIUM_EXECUTABLE;

/**
 * A phone (Pixel 7 emulation) with a camera: `video` feeds Chromium's fake camera from a file,
 * `'fake'` is Chromium's own moving test pattern (no document, no face: the camera steps stay
 * put), `'denied'` refuses camera permission.
 */
export async function launchPhone(profile: string, camera: { video: string } | 'fake' | 'denied', options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const cameraArgs =
    camera === 'denied'
      ? ['--use-fake-device-for-media-stream', '--deny-permission-prompts']
      : ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', ...(camera === 'fake' ? [] : [`--use-file-for-fake-video-capture=${camera.video}`])];
  const context = await chromium.launchPersistentContext(profile, { ...PHONE, ...options, executablePath, args: [...CHROMIUM_ARGS, ...cameraArgs] });
  await context.addInitScript('window.__name = (fn) => fn');
  return context;
}

export const firstPage = async (context: BrowserContext): Promise<Page> => context.pages()[0] ?? (await context.newPage());

/** A plain striped picture for the file picker. */
export function picture(path: string, rgb: [number, number, number]): string {
  const png = new PNG({ width: 640, height: 400 });
  for (let i = 0; i < png.data.length; i += 4) {
    const stripe = Math.floor(i / 4 / 640) % 40 < 20 ? 1 : 0.7;
    png.data[i] = rgb[0] * stripe;
    png.data[i + 1] = rgb[1] * stripe;
    png.data[i + 2] = rgb[2] * stripe;
    png.data[i + 3] = 255;
  }
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

/**
 * Walks a phone's capture flow through the file picker (no camera, or a denied one): one act per
 * look (agree, the ID card, use this photo, start, else a new striped photo in the file input),
 * until `done()` says so or `looks` have passed. Returns whether `done()` held.
 *
 * The screen may move on between the look and the act (a photo still being read when the loop
 * looked again, the file input just replaced): an act whose target has gone is left to the next
 * look after 3 s, instead of Playwright's 30 s (seen in fresh clones, in three files that had this
 * loop each). A photo picked twice would still show, as an extra upload or step.
 */
export async function walkWithFiles(page: Page, dir: string, done: () => Promise<boolean>, looks = 40): Promise<boolean> {
  const el = page.locator('okid-verify');
  const soon = { timeout: 3000 };
  for (let look = 0; look < looks; look++) {
    if (await done()) return true;
    let action;
    for (const name of ['I agree, start', 'ID card', 'Use this photo', 'Start']) {
      const button = el.getByRole('button', { name, exact: true });
      if (await button.count()) {
        action = button;
        break;
      }
    }
    const input = el.locator('input[type="file"]');
    if (action) await action.click(soon).catch(() => undefined);
    else if (await input.count()) await input.setInputFiles(picture(join(dir, `photo-${look}.png`), [120 + look * 3, 150, 180]), soon).catch(() => undefined);
    await page.waitForTimeout(300);
  }
  return done();
}

/**
 * {@link walkWithFiles} until the element shows an outcome (verified, failed, stopped…); throws
 * with the element's text when none shows.
 */
export async function walkUntilOutcome(page: Page, dir: string): Promise<void> {
  const el = page.locator('okid-verify');
  if (!(await walkWithFiles(page, dir, async () => (await el.locator('[part="outcome"]').count()) > 0))) throw new Error(`the flow did not reach an outcome: ${await el.textContent()}`);
}

/* ------------------------------------------------------------- page server */

export interface PageServer {
  url: string;
  /** Pages (and style sheets) by path; editable while the server runs. */
  files: Record<string, { body: string; type?: string }>;
  close(): Promise<void>;
}

/**
 * Serves `files` with `headers` (a CSP, say) and passes every other request through to `target`
 * (the sandbox or the operator server), streams included, so a test page and the APIs it calls
 * share one origin. Passed-through responses lose their own CSP and get `headers` instead.
 */
export async function startPageServer(target: string | undefined, headers: Record<string, string> = {}): Promise<PageServer> {
  const files: PageServer['files'] = {};
  const upstream = target ? new URL(target) : undefined;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path];
    if (file) {
      res.writeHead(200, { 'Content-Type': file.type ?? 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers }).end(file.body);
      return;
    }
    if (!upstream) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const forward: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
    const proxied = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forward }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && name.toLowerCase() !== 'content-security-policy') out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, { ...out, ...headers });
      answer.pipe(res);
    });
    proxied.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cancels a verification from the phone's side (the sandbox's capture API). */
export async function cancelOnPhone(sandboxUrl: string, verificationId: string): Promise<void> {
  const flowUrl = `${sandboxUrl}/v1/flow/${verificationId}`;
  const flow = (await (await fetch(flowUrl)).json()) as { deviceToken: string };
  const response = await fetch(`${flowUrl}/cancel`, { method: 'POST', headers: { 'X-Okid-Device': flow.deviceToken } });
  if (!response.ok) throw new Error(`cancel answered ${response.status}: ${await response.text()}`);
}

/** Records CSP and Trusted Types violations in `window.__csp` (init scripts are exempt from the page's CSP). */
export const RECORD_CSP_VIOLATIONS = `(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push({ directive: e.effectiveDirective, violated: e.violatedDirective, blockedURI: e.blockedURI,
      source: e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber, sample: e.sample, disposition: e.disposition,
      target: e.target && e.target.nodeName });
  }, true);
})()`;
