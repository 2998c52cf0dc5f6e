/**
 * The phone's two waits, in headless Chromium emulating a Pixel 7 (fake camera, permission
 * granted) against the sandbox's /verify page (the handoff URL a QR code carries):
 *   - handoff URL opened → first screen: from navigation start to the first frame in which the
 *     flow's first screen (the terms, with "I agree, start") is on screen; it includes the
 *     element bundle, the capture chunk and the flow call;
 *   - document chosen → live camera: from the tap on "ID card" to the first frame in which the
 *     document camera's video plays (getUserMedia, camera start, first frame).
 * Both are read in the page (performance.now() polled every animation frame), not by the driver.
 *
 * Several builds can be measured in one run, interleaved sample by sample (in alternating order)
 * so the machine's load falls on each alike: `node --import tsx bench/phone-screens.ts before=/tmp/dist-a after=dist 15`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, devices } from 'playwright';
import { startSandbox } from '../src/sandbox/index.js';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../e2e/support.js';
import { median } from './handoff.js';

const KEY = 'sk_bench_phone_screens';

/** Medians (and worst) of both waits for one build, in ms. */
export interface PhoneScreenTimes {
  firstScreenMedianMs: number;
  firstScreenMaxMs: number;
  cameraMedianMs: number;
  cameraMaxMs: number;
  runs: number;
}

/** Measures each build (`dist` directories by label) `runs` times, interleaved. */
export async function phoneScreens(dists: Record<string, string>, runs = 10): Promise<Record<string, PhoneScreenTimes>> {
  const sandboxes = await Promise.all(
    Object.entries(dists).map(async ([label, dir]) => [label, await startSandbox({ port: 0, apiKey: KEY, elementScriptPath: resolve(dir, 'okid-verify.iife.js') })] as const),
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
  const samples = new Map(sandboxes.map(([label]) => [label, { firstScreen: [] as number[], camera: [] as number[] }]));
  try {
    for (let i = 0; i < runs; i++) {
      // The order alternates: the build measured first in a round was slower by 150 to 450 ms
      // (two runs, each build first in one), whichever build it was.
      for (const [label, sandbox] of i % 2 === 0 ? sandboxes : [...sandboxes].reverse()) {
        const generated = await fetch(`${sandbox.url}/api/generate-verification`, { method: 'POST', headers: { 'X-SDK-Key': KEY } });
        if (!generated.ok) throw new Error(`generate answered ${generated.status}`);
        const { verificationUrl } = (await generated.json()) as { verificationUrl: string };
        // A fresh context: nothing cached from the run before, as on a phone opening the link.
        const context = await browser.newContext({ ...devices['Pixel 7'] });
        try {
          const page = await context.newPage();
          await page.goto(verificationUrl);
          const terms = await page.waitForFunction(
            () => {
              const button = [...(document.querySelector('okid-verify')?.shadowRoot?.querySelectorAll('button') ?? [])].find((b) => b.textContent?.includes('I agree, start'));
              return button && button.getClientRects().length > 0 ? performance.now() : false;
            },
            undefined,
            { polling: 'raf', timeout: 30_000 },
          );
          samples.get(label)!.firstScreen.push((await terms.jsonValue()) as number);
          const el = page.locator('okid-verify');
          await el.getByRole('button', { name: 'I agree, start' }).click();
          const card = el.getByRole('button', { name: 'ID card' });
          await card.waitFor();
          // The tap's time as the page saw it, then the first frame with the camera playing.
          await page.evaluate(() => {
            document.addEventListener('click', (event) => ((window as unknown as { tapAt: number }).tapAt = event.timeStamp), { capture: true, once: true });
          });
          await card.click();
          const live = await page.waitForFunction(
            () => {
              const video = document.querySelector('okid-verify')?.shadowRoot?.querySelector('video');
              return video && video.readyState >= 2 && video.videoWidth > 0 && !video.paused ? performance.now() - (window as unknown as { tapAt: number }).tapAt : false;
            },
            undefined,
            { polling: 'raf', timeout: 30_000 },
          );
          samples.get(label)!.camera.push((await live.jsonValue()) as number);
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await browser.close();
    await Promise.all(sandboxes.map(([, sandbox]) => sandbox.close()));
  }
  const round = (ms: number) => Math.round(ms);
  return Object.fromEntries(
    [...samples].map(([label, { firstScreen, camera }]) => [
      label,
      { firstScreenMedianMs: round(median(firstScreen)), firstScreenMaxMs: round(Math.max(...firstScreen)), cameraMedianMs: round(median(camera)), cameraMaxMs: round(Math.max(...camera)), runs },
    ]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10);
  const pairs = args.filter((arg) => arg.includes('='));
  const dists = pairs.length > 0 ? Object.fromEntries(pairs.map((arg) => arg.split('=') as [string, string])) : { current: 'dist' };
  console.table(await phoneScreens(dists, runs));
}
