/**
 * The three browser engines the phone flow must work in, behind one small interface: Chromium
 * (Playwright), WebKitGTK (Debian's `WebKitWebDriver` driving MiniBrowser under `xvfb-run`, over
 * W3C WebDriver HTTP) and Firefox ESR (`puppeteer-core` over WebDriver BiDi). Every test drives an
 * {@link EnginePage} the same way: open a URL, click or read an element found through shadow
 * roots, run a script, set a file input's files, screenshot an element, wait for a condition.
 *
 * Each launch owns its processes; {@link EnginePage.close} ends the browser and every process it
 * started (the WebDriver's whole process group: xvfb-run, Xvfb, the driver, MiniBrowser and its
 * web processes), and a process exit ends whatever a failed test left behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PNG } from 'pngjs';
import puppeteer from 'puppeteer-core';
import type { Browser as PuppeteerBrowser, ElementHandle as PuppeteerHandle, Page as PuppeteerPage } from 'puppeteer-core';
import { chromium, devices } from 'playwright';
import type { Browser as PlaywrightBrowser, ElementHandle as PlaywrightHandle, Page as PlaywrightPage } from 'playwright';
import { firefoxExecutable, miniBrowserExecutable, onPath } from '../scripts/chromium.js';
import { freePort } from '../demo/operator-server.js';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './support.js';
import { DRIVER_MARK } from './long-tasks.js';

export type EngineName = 'chromium' | 'webkit' | 'firefox';
const ALL_ENGINES: readonly EngineName[] = ['chromium', 'webkit', 'firefox'];
/** The engines to test: all three, or those `OKID_ENGINES` lists (comma-separated), e.g. `chromium` for a quick run. */
export const ENGINES: readonly EngineName[] = (() => {
  const wanted = process.env.OKID_ENGINES?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!wanted?.length) return ALL_ENGINES;
  const unknown = wanted.filter((name) => !ALL_ENGINES.includes(name as EngineName));
  if (unknown.length) throw new Error(`OKID_ENGINES: unknown engine ${unknown.join(', ')}; choose from ${ALL_ENGINES.join(', ')}`);
  return ALL_ENGINES.filter((name) => wanted.includes(name));
})();

/** Debian's WebKitGTK MiniBrowser and Firefox ESR (`WEBKIT_MINIBROWSER`, `FIREFOX_PATH` override). */
export const MINIBROWSER = miniBrowserExecutable();
export const FIREFOX = firefoxExecutable();

/** An iPhone's Safari, as every iPhone browser is WebKit. */
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';
/** Firefox for Android. */
export const ANDROID_FIREFOX_UA = 'Mozilla/5.0 (Android 14; Mobile; rv:153.0) Gecko/153.0 Firefox/153.0';

export interface LaunchOptions {
  /** A phone (phone user agent and viewport) rather than a desktop. */
  phone: boolean;
  /**
   * `fake`: the engine's own test camera (Chromium's fake device, WebKit's mock capture devices,
   * Firefox's fake streams), with permission granted. `none`: a device without any camera.
   */
  camera: 'fake' | 'none';
}

/** An element of the page, found by a CSS selector through every shadow root, and optionally by its text. */
export interface Target {
  selector: string;
  /** A substring of the element's trimmed text content. */
  text?: string;
}

export interface EnginePage {
  readonly engine: EngineName;
  goto(url: string): Promise<void>;
  /** Runs `fn` in the page with JSON arguments and returns its JSON result (awaiting a promise). */
  evaluate<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** A real click (the engine's input events) on the element, scrolled into view first. */
  click(target: Target): Promise<void>;
  /** Picks `paths` in a file input, as the phone's camera app or file picker would return them. */
  setFiles(target: Target, paths: string[]): Promise<void>;
  /** A PNG of the element as the screen shows it. */
  screenshot(target: Target): Promise<Buffer>;
  /** Closes the browser and ends every process this launch started. */
  close(): Promise<void>;
}

/**
 * Finds the first element matching `selector` (and containing `text`) in the document and every
 * open shadow root, breadth first. Sent to the page as source, so it must not close over anything.
 */
export const DEEP_FIND = `function deepFind(selector, text) {
  const roots = [document];
  while (roots.length) {
    const root = roots.shift();
    for (const el of root.querySelectorAll(selector)) {
      if (text == null || (el.textContent || '').trim().includes(text)) return el;
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  return null;
}`;

/** `fn` called with `args`, as page source; `__name` is the helper tsx's compiled functions call. */
const callSource = (fn: Function, args: unknown[]) => `(() => { const __name = (f) => f; return (${fn.toString()})(...${JSON.stringify(args)}); })()`;

const findExpression = (target: Target) => `(${DEEP_FIND})(${JSON.stringify(target.selector)}, ${JSON.stringify(target.text ?? null)})`;
const describeTarget = (target: Target) => `${target.selector}${target.text ? ` with text "${target.text}"` : ''}`;

/** Waits until `check` returns a truthy value in the page, polling; fails with `what` and the element's text. */
export async function waitFor<T, A extends unknown[]>(
  page: EnginePage,
  what: string,
  check: (...args: A) => T | Promise<T>,
  args: A,
  timeoutMs = 15_000,
  pollMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await page.evaluate(check, ...args);
      if (value) return value;
    } catch (error) {
      lastError = error; // a navigation in between
    }
    if (Date.now() > deadline) {
      const shown = await page.evaluate(() => document.querySelector('okid-verify')?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim() ?? '').catch(() => '');
      throw new Error(`${page.engine}: timed out after ${timeoutMs} ms waiting for ${what}; the element shows: "${shown.slice(0, 400)}"${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(pollMs);
  }
}

/** Waits for an element (by selector and text, through shadow roots) to exist. */
export function waitForElement(page: EnginePage, target: Target, timeoutMs = 15_000): Promise<boolean> {
  // The same search as DEEP_FIND, as a function: pages under a strict CSP refuse eval.
  const present = (selector: string, text: string | null): boolean => {
    const roots: Array<Document | ShadowRoot> = [document];
    while (roots.length) {
      const root = roots.shift()!;
      for (const el of root.querySelectorAll(selector)) {
        if (text == null || (el.textContent ?? '').trim().includes(text)) return true;
      }
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
    }
    return false;
  };
  return waitFor(page, describeTarget(target), present, [target.selector, target.text ?? null], timeoutMs);
}

/**
 * Launches `engine` with one page. Clicks, file picks and screenshots wait (up to 15 s) for their
 * element to exist first, as a user waits for a screen to show.
 */
export async function launchEngine(engine: EngineName, options: LaunchOptions): Promise<EnginePage> {
  const page = await (engine === 'chromium' ? launchChromiumPage(options) : engine === 'webkit' ? launchWebKitPage(options) : launchFirefoxPage(options));
  const present = (target: Target) => waitForElement(page, target);
  return {
    ...page,
    click: async (target) => {
      await present(target);
      await page.click(target);
    },
    setFiles: async (target, paths) => {
      await present(target);
      await page.setFiles(target, paths);
    },
    screenshot: async (target) => {
      await present(target);
      return page.screenshot(target);
    },
  };
}

/** What is missing on this machine to run `engine`, or undefined. */
export function engineMissing(engine: EngineName): string | undefined {
  if (engine === 'webkit') {
    if (!onPath('WebKitWebDriver')) return 'WebKitWebDriver (apt-get install webkit2gtk-driver)';
    if (!existsSync(MINIBROWSER)) return `${MINIBROWSER} (apt-get install webkit2gtk-driver)`;
    if (!onPath('xvfb-run')) return 'xvfb-run (apt-get install xvfb)';
  }
  if (engine === 'firefox' && !existsSync(FIREFOX)) return `${FIREFOX} (apt-get install firefox-esr)`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Chromium, through Playwright.

async function launchChromiumPage(options: LaunchOptions): Promise<EnginePage> {
  const cameraArgs = options.camera === 'fake' ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : ['--deny-permission-prompts'];
  const browser: PlaywrightBrowser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS, ...cameraArgs] });
  try {
    const context = await browser.newContext(options.phone ? { ...devices['Pixel 7'] } : { viewport: { width: 1280, height: 900 } });
    const page: PlaywrightPage = await context.newPage();
    const find = async (target: Target): Promise<PlaywrightHandle<Element>> => {
      const handle = (await page.evaluateHandle(findExpression(target))).asElement() as PlaywrightHandle<Element> | null;
      if (!handle) throw new Error(`chromium: no ${describeTarget(target)}`);
      return handle;
    };
    return {
      engine: 'chromium',
      goto: async (url) => {
        await page.goto(url);
      },
      evaluate: (fn, ...args) => page.evaluate(callSource(fn, args)) as never,
      click: async (target) => (await find(target)).click(),
      setFiles: async (target, paths) => (await find(target)).setInputFiles(paths),
      screenshot: async (target) => (await find(target)).screenshot(),
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Firefox ESR, through puppeteer-core over WebDriver BiDi.

async function launchFirefoxPage(options: LaunchOptions): Promise<EnginePage> {
  const prefs: Record<string, unknown> = {
    // A fake camera and microphone, and no permission prompt (a user who allowed the camera).
    'media.navigator.streams.fake': options.camera === 'fake',
    'media.navigator.permission.disabled': true,
    // No camera at all: no fake device and no real one to list.
    ...(options.camera === 'none' ? { 'media.navigator.video.enabled': true, 'media.devices.enumerate.legacy.enabled': false } : {}),
    ...(options.phone ? { 'general.useragent.override': ANDROID_FIREFOX_UA } : {}),
  };
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: prefs,
    // Puppeteer's own profile is thrown away at close.
    args: options.phone ? ['--width=412', '--height=915'] : ['--width=1280', '--height=900'],
  });
  try {
    const page: PuppeteerPage = (await browser.pages())[0] ?? (await browser.newPage());
    await page.setViewport(options.phone ? { width: 412, height: 915, deviceScaleFactor: 1, hasTouch: false, isMobile: false } : { width: 1280, height: 900 });
    const find = async (target: Target): Promise<PuppeteerHandle<Element>> => {
      const handle = (await page.evaluateHandle(findExpression(target))).asElement() as PuppeteerHandle<Element> | null;
      if (!handle) throw new Error(`firefox: no ${describeTarget(target)}`);
      return handle;
    };
    return {
      engine: 'firefox',
      goto: async (url) => {
        await page.goto(url);
      },
      evaluate: (fn, ...args) => page.evaluate(callSource(fn, args)) as never,
      click: async (target) => {
        const handle = await find(target);
        await handle.scrollIntoView();
        await handle.click();
      },
      setFiles: async (target, paths) => (await find(target) as PuppeteerHandle<HTMLInputElement>).uploadFile(...paths),
      screenshot: async (target) => Buffer.from(await (await find(target)).screenshot({ type: 'png' })),
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// WebKitGTK, through Debian's WebKitWebDriver (W3C WebDriver over HTTP) driving MiniBrowser.

/** A W3C WebDriver element reference. */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** Processes started by this module that a crash of the test would leave behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Ends the process group of `child`: TERM, then KILL after 5 s. */
async function endGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  // MiniBrowser's web processes may outlive the driver by a moment: the group is ended once more.
  killGroup(child, 'SIGKILL');
  running.delete(child);
}

/** A WebDriver error answer. */
class WebDriverError extends Error {}

async function startWebKitDriver(): Promise<{ url: string; child: ChildProcess }> {
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Its own process group (detached), so that closing ends Xvfb, the driver and MiniBrowser together.
    const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', 'WebKitWebDriver', `--port=${port}`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.stdout!.on('data', (chunk: Buffer) => (lastOutput = (lastOutput + chunk.toString()).slice(-2000)));
    child.stderr!.on('data', (chunk: Buffer) => (lastOutput = (lastOutput + chunk.toString()).slice(-2000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`${url}/status`);
        if (response.ok) return { url, child };
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await endGroup(child);
  }
  throw new Error(`webkit: WebKitWebDriver did not start: ${lastOutput}`);
}

async function launchWebKitPage(options: LaunchOptions): Promise<EnginePage> {
  const { url: driver, child } = await startWebKitDriver();
  let session: string | undefined;
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${driver}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => ({}))) as { value?: any };
    if (!response.ok) {
      const value = answer.value ?? {};
      throw new WebDriverError(`webkit: ${method} ${path}: ${response.status} ${value.error ?? ''}: ${value.message ?? JSON.stringify(answer)}`);
    }
    return answer.value;
  };
  const close = async () => {
    if (session) await call('DELETE', `/session/${session}`).catch(() => {});
    session = undefined;
    await endGroup(child);
  };
  try {
    const args = [
      '--automation',
      `--enable-media-stream=true`,
      `--enable-mock-capture-devices=${options.camera === 'fake'}`,
      ...(options.phone ? [`--user-agent=${IPHONE_UA}`] : []),
    ];
    const created = await call('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args } } },
    });
    session = created.sessionId as string;
    const base = `/session/${session}`;
    await call('POST', `${base}/window/rect`, options.phone ? { width: 412, height: 915 } : { width: 1280, height: 900 }).catch(() => {});
    const find = async (target: Target): Promise<string> => {
      const value = await call('POST', `${base}/execute/sync`, { script: `${DRIVER_MARK} return ${findExpression(target)};`, args: [] });
      const id = value?.[ELEMENT_KEY] as string | undefined;
      if (!id) throw new Error(`webkit: no ${describeTarget(target)}`);
      return id;
    };
    return {
      engine: 'webkit',
      goto: async (url) => {
        await call('POST', `${base}/url`, { url });
      },
      evaluate: async (fn, ...args) =>
        call('POST', `${base}/execute/async`, {
          script: `${DRIVER_MARK} const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => ${callSource(fn, args)}).then(
              (value) => done({ ok: true, value: value === undefined ? null : value }),
              (error) => done({ ok: false, error: String(error && error.stack || error) }));`,
          args: [],
        }).then((result: { ok: boolean; value?: unknown; error?: string }) => {
          if (!result.ok) throw new Error(`webkit: page script failed: ${result.error}`);
          return result.value as never;
        }),
      click: async (target) => {
        const id = await find(target);
        await call('POST', `${base}/execute/sync`, { script: 'arguments[0].scrollIntoView({ block: "center" });', args: [{ [ELEMENT_KEY]: id }] });
        await call('POST', `${base}/element/${id}/click`, {});
      },
      setFiles: async (target, paths) => {
        const id = await find(target);
        await call('POST', `${base}/element/${id}/value`, { text: paths.join('\n') });
      },
      screenshot: async (target) => {
        // WebKitGTK's element screenshot comes back blank for SVG in a shadow root: the
        // viewport's screenshot is cut to the element's box instead.
        const id = await find(target);
        const box = (await call('POST', `${base}/execute/sync`, {
          script: `arguments[0].scrollIntoView({ block: "center" });
            const r = arguments[0].getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height, scale: devicePixelRatio };`,
          args: [{ [ELEMENT_KEY]: id }],
        })) as { x: number; y: number; width: number; height: number; scale: number };
        const whole = PNG.sync.read(Buffer.from((await call('GET', `${base}/screenshot`)) as string, 'base64'));
        const x = Math.max(0, Math.floor(box.x * box.scale));
        const y = Math.max(0, Math.floor(box.y * box.scale));
        const width = Math.min(whole.width - x, Math.ceil(box.width * box.scale));
        const height = Math.min(whole.height - y, Math.ceil(box.height * box.scale));
        if (width <= 0 || height <= 0) throw new Error(`webkit: ${describeTarget(target)} is off screen`);
        const part = new PNG({ width, height });
        PNG.bitblt(whole, part, x, y, width, height, 0, 0);
        return PNG.sync.write(part);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
