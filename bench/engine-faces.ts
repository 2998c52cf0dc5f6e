/**
 * The face check per engine (issue 22): the face-only flow on a phone page in Chromium, WebKitGTK
 * and Firefox ESR (e2e/engines.ts drives them), the front camera made by the page
 * (e2e/page-camera.ts) showing a rendered person of test/media/faces (CC0) straight, turned to
 * their left, straight, turned to their right, in a loop. Each engine starts from a fresh profile
 * (the model's cache cold). Measured in the page itself, so that no driver's latency counts:
 * - Start → the selfie camera: from the tap on Start to the front camera's first frame shown;
 * - the detector: where it runs (worker or main thread) and the face-check screen → model ready;
 * - per face capture (selfie, then each prompt): looks at the face, their median and longest
 *   detection time, and whether it passed live (else the camera app took it);
 * - the longest main-thread task from Start to the end of the live check (e2e/long-tasks.ts: Long
 *   Tasks in Chromium, the gap probe elsewhere, the WebDriver's own gaps kept apart).
 *
 * `node --import tsx bench/engine-faces.ts` runs it alone (OKID_ENGINES=webkit for one engine).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DETECT_MEASURE, READY_MEASURE } from '../src/capture/face/face-geometry.js';
import { ENGINES, engineMissing, launchEngine } from '../e2e/engines.js';
import type { EngineName, EnginePage } from '../e2e/engines.js';
import { LONG_TASK_PROBE, describeLongTasks, readLongTasks } from '../e2e/long-tasks.js';
import type { EvaluatesInPage } from '../e2e/long-tasks.js';
import { pageCameraScript } from '../e2e/page-camera.js';
import { createVerification, startStack } from '../e2e/support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PERSON = 'p6_young_asian_female';
/** How long the bench waits for the live check to end (the outcome, or the camera app offered). */
const LIVE_CHECK_MS = 120_000;

/** One engine's figures. */
export interface EngineFaceRun {
  engine: EngineName;
  startToCameraMs: number;
  detector: string;
  readyMs: number;
  /** Per face capture, in the order asked: 0 the selfie, n the n-th prompt. */
  captures: Array<{ capture: string; looks: number; medianMs: number; longestMs: number; passedLive: boolean }>;
  longestTaskMs: number;
  tasks: string;
}

/** Records, in the page, the tap on Start, the first frame of the selfie camera after it, and every okid-step. */
const RECORDER = `(() => {
  const marks = (window.__okidBench = { steps: [] });
  document.addEventListener('click', (event) => {
    const target = event.composedPath()[0];
    const button = target && target.closest ? target.closest('button') : null;
    if (button && button.textContent.trim() === 'Start' && marks.start === undefined) marks.start = performance.now();
  }, true);
  document.addEventListener('okid-step', (event) => marks.steps.push({ ...event.detail, t: performance.now() }));
  setInterval(() => {
    if (marks.start === undefined || marks.camera !== undefined) return;
    const video = document.querySelector('okid-verify')?.shadowRoot?.querySelector('video[part="camera"]');
    if (video && video.readyState >= 2 && video.videoWidth > 0) marks.camera = performance.now();
  }, 20);
})();`;

async function dataUrl(file: string): Promise<string> {
  return `data:image/jpeg;base64,${(await readFile(join(root, 'test/media/faces', file))).toString('base64')}`;
}

/** A phone page (no policy of its own) that runs the element in capture mode against the sandbox, its camera made by the page. */
async function benchPage(sandboxUrl: string): Promise<string> {
  const straight = await dataUrl(`${PERSON}_yaw+0.jpg`);
  const left = await dataUrl(`${PERSON}_yaw+50.jpg`);
  const right = await dataUrl(`${PERSON}_yaw-50.jpg`);
  // As e2e/engines.test.ts: each pose held 3.5 s (straight 2 s between the turns), as a person holds a turn until the check moves on.
  const user = [
    { src: straight, ms: 3500 },
    { src: left, ms: 3500 },
    { src: straight, ms: 2000 },
    { src: right, ms: 3500 },
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>bench</title>
<script>${LONG_TASK_PROBE}</script><script>${RECORDER}</script>
<script>${pageCameraScript({ environment: [{ src: straight, ms: 60_000 }], user })}</script>
<script src="/okid-verify.iife.js"></script></head><body><main id="root"></main><script>
  const element = document.createElement('okid-verify');
  element.setAttribute('mode', 'capture');
  element.setAttribute('capture', 'embedded');
  element.setAttribute('process-token', new URLSearchParams(location.search).get('id'));
  element.setAttribute('api-url', ${JSON.stringify(sandboxUrl)});
  document.getElementById('root').appendChild(element);
</script></body></html>`;
}

const BUILT = /^\/(okid-verify\.iife\.js|okid-verify-capture\.js|(?:capture-chunks|models|locales)\/[A-Za-z0-9_-][A-Za-z0-9._-]*)$/;
const TYPES: Record<string, string> = { js: 'text/javascript', json: 'application/json', bin: 'application/octet-stream' };

async function servePage(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/phone.html') return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
    if (!BUILT.test(path) || path.includes('..')) return void res.writeHead(404).end();
    let body: Buffer;
    try {
      body = await readFile(join(root, 'dist', path));
    } catch {
      return void res.writeHead(404).end(`missing ${path}: run npm run build`);
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const inPage = (page: EnginePage): EvaluatesInPage => ({ evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg) });

/** Waits, looking at the page once a second (WebKitGTK's driver holds the main thread per call), until `check` holds. */
async function until(page: EnginePage, what: string, check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await page.evaluate(check).catch(() => false)) return true;
    await sleep(1_000);
  }
  throw new Error(`${page.engine}: no ${what} within ${timeoutMs} ms`);
}

/** The face-only flow once in `engine`, from a fresh profile. */
export async function engineFaceRun(engine: EngineName, pageUrl: string, stack: Awaited<ReturnType<typeof startStack>>): Promise<EngineFaceRun> {
  const created = await createVerification(stack, 'verified', 'liveness');
  const page = await launchEngine(engine, { phone: true, camera: 'none' });
  try {
    await page.goto(`${pageUrl}/phone.html?id=${created.verificationId}`);
    await page.click({ selector: 'button', text: 'Start' });
    const since = await page.evaluate(() => performance.now());
    // The live check ends when its camera view goes (to the outcome, or to the camera app for the photos it left).
    await until(
      page,
      'end of the live check',
      () => {
        const root = document.querySelector('okid-verify')?.shadowRoot;
        const camera = (window as unknown as { __okidBench: { camera?: number } }).__okidBench.camera;
        return !!root && camera !== undefined && !root.querySelector('video[part="camera"]');
      },
      LIVE_CHECK_MS,
    );
    const tasks = await readLongTasks(inPage(page), since);
    const seen = await page.evaluate(
      (detectName: string, readyName: string) => {
        const bench = (window as unknown as { __okidBench: { start?: number; camera?: number; steps: Array<{ name: string; index?: number; prompt?: string }> } }).__okidBench;
        const ready = performance.getEntriesByName(readyName)[0] as PerformanceMeasure | undefined;
        return {
          start: bench.start ?? -1,
          camera: bench.camera ?? -1,
          passed: bench.steps.filter((s) => s.name === 'prompt_passed').map((s) => ({ index: s.index ?? -1, prompt: s.prompt ?? '' })),
          looks: (performance.getEntriesByName(detectName) as PerformanceMeasure[]).map((m) => ({ ms: m.duration, capture: (m.detail as { capture: number }).capture })),
          ready: ready ? { ms: ready.duration, ...(ready.detail as { kind: string; offMainThread: boolean }) } : undefined,
        };
      },
      DETECT_MEASURE,
      READY_MEASURE,
    );
    const indices = [...new Set(seen.looks.map((l) => l.capture))].sort((a, b) => a - b);
    const captures = indices.map((index) => {
      const ms = seen.looks.filter((l) => l.capture === index).map((l) => l.ms).sort((a, b) => a - b);
      const passed = seen.passed.find((p) => p.index === index);
      return {
        capture: index === 0 ? 'selfie' : `prompt ${index}${passed ? ` (${passed.prompt})` : ''}`,
        looks: ms.length,
        medianMs: Math.round(ms[ms.length >> 1] ?? NaN),
        longestMs: Math.round(ms[ms.length - 1] ?? NaN),
        passedLive: !!passed,
      };
    });
    return {
      engine,
      startToCameraMs: Math.round(seen.start >= 0 && seen.camera >= 0 ? seen.camera - seen.start : NaN),
      detector: seen.ready ? `${seen.ready.kind}${seen.ready.offMainThread ? ' (worker)' : ' (main thread)'}` : 'none',
      readyMs: Math.round(seen.ready?.ms ?? NaN),
      captures,
      longestTaskMs: Math.round(tasks.longestMs),
      tasks: describeLongTasks(tasks),
    };
  } finally {
    await page.close();
  }
}

/** Every engine this machine has, one after another; the figures as rows, one column per engine (Chromium first). */
export async function benchEngineFaces(): Promise<{ results: Record<string, string>; runs: EngineFaceRun[] }> {
  const stack = await startStack({}, 200);
  const server = await servePage(await benchPage(stack.sandbox.url));
  const runs: EngineFaceRun[] = [];
  const skipped: string[] = [];
  try {
    for (const engine of ENGINES) {
      const missing = engineMissing(engine);
      if (missing) skipped.push(`${engine} (needs ${missing})`);
      else runs.push(await engineFaceRun(engine, server.url, stack));
    }
  } finally {
    await server.close();
    await stack.close();
  }
  const results: Record<string, string> = {};
  const row = (name: string, value: (run: EngineFaceRun) => string | number) => (results[`face check per engine: ${name}`] = runs.map((run) => `${run.engine} ${value(run)}`).join(' | '));
  row('Start → selfie camera (ms)', (run) => run.startToCameraMs);
  row('detector, face-check screen → ready (ms)', (run) => `${run.detector} ${run.readyMs}`);
  const most = Math.max(0, ...runs.map((run) => run.captures.length));
  for (let i = 0; i < most; i++) {
    row(`capture ${i} looks, median / longest detection (ms), live`, (run) => {
      const c = run.captures[i];
      return c ? `${c.capture}: ${c.looks} looks, ${c.medianMs} / ${c.longestMs}, ${c.passedLive ? 'passed live' : 'camera app'}` : '-';
    });
  }
  row('longest main-thread task, Start → end of the live check (ms)', (run) => run.longestTaskMs);
  if (skipped.length) results['face check per engine: not run'] = skipped.join(', ');
  return { results, runs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { results, runs } = await benchEngineFaces();
  for (const run of runs) console.log(`${run.engine}: ${run.tasks}`);
  for (const [name, value] of Object.entries(results)) console.log(`${name}: ${value}`);
}
