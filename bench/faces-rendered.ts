/**
 * The face check on the rendered people of test/media/faces (five CC0 people, straight and
 * turned ±20° to ±50°; see its README), two ways:
 * - {@link readRenders}: every picture read by the bundled detector (the one phones without a
 *   native `FaceDetector` run), as the liveness step reads a frame: faces found, the yaw read per
 *   render angle, the prompts that pass and the wrong ones that would, per person;
 * - {@link liveRun}: the whole face-only flow on a phone page whose front camera shows one of them
 *   turning (e2e/face-video.ts), per engine: Start → the selfie camera live, the detector ready,
 *   each prompt's time to pass and its detection times, and the longest main-thread task.
 *
 * Engines: {@link ENGINES} (Chromium here; another engine adds a launcher with its own fake camera).
 * `node --import tsx bench/faces-rendered.ts` runs it alone and prints every reading.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { devices } from 'playwright';
import type { BrowserContext } from 'playwright';
import { POSE_YAW, holdsPose } from '../src/capture/face/liveness-tracker.js';
import { DETECT_MEASURE, READY_MEASURE } from '../src/capture/face/face-geometry.js';
import { FACE_PEOPLE, RENDER_ANGLES, renderPath, turningHeadVideo, turningPlan } from '../e2e/face-video.js';
import type { FacePerson } from '../e2e/face-video.js';
import { LONG_TASK_PROBE, markLongTasks, readLongTasks } from '../e2e/long-tasks.js';
import { createVerification, launchChromium, startStack } from '../e2e/support.js';
import { serveFaceFiles } from './face-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** One rendered picture as the bundled detector read it. */
export interface RenderReading {
  person: FacePerson;
  /** Render yaw in degrees; above 0 the person's left. */
  angle: number;
  found: boolean;
  yaw?: number;
}

type Prompt = 'straight' | 'left' | 'right';
/** The prompt a render angle asks for: straight at 0, a turn from 30° on; ±20° is a slight turn, not asked. */
export const promptOf = (angle: number): Prompt | undefined => (angle === 0 ? 'straight' : Math.abs(angle) >= 30 ? (angle > 0 ? 'left' : 'right') : undefined);

/** Reads every rendered picture with the bundled detector in Chromium (main thread: same code as the worker). */
export async function readRenders(): Promise<RenderReading[]> {
  const detector = await build({
    entryPoints: [join(root, 'src/capture/face/bundled-face-detector.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'okidFaceDetector',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const jobs = FACE_PEOPLE.flatMap((person) => RENDER_ANGLES.map((angle) => ({ person, angle })));
  const files = jobs.map(({ person, angle }) => renderPath(person, angle));
  const server = await serveFaceFiles(files, '/render/');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.addInitScript('window.__name = (fn) => fn');
    await page.goto(server.url);
    await page.addScriptTag({ content: detector.outputFiles[0]!.text });
    const found = await page.evaluate(async (count) => {
      type Module = typeof import('../src/capture/face/bundled-face-detector.js');
      const { loadBundledFaceDetector } = (window as unknown as { okidFaceDetector: Module }).okidFaceDetector;
      const faces = await loadBundledFaceDetector('/models/');
      const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
      const out: Array<{ found: boolean; yaw?: number }> = [];
      for (let i = 0; i < count; i++) {
        const image = new Image();
        image.src = `/render/${i}`;
        await image.decode();
        canvas.getContext('2d')!.drawImage(image, 0, 0, 640, 480);
        const seen = await faces.detect(canvas);
        const face = seen.reduce<(typeof seen)[number] | undefined>((best, o) => (!best || o.box.width * o.box.height > best.box.width * best.box.height ? o : best), undefined);
        // Found: the largest face is the person, near the frame's centre.
        const centred = !!face && Math.abs(face.box.x + face.box.width / 2 - 0.5) < 0.2 && Math.abs(face.box.y + face.box.height / 2 - 0.5) < 0.25;
        out.push(centred ? { found: true, ...(face!.yaw === undefined ? {} : { yaw: face!.yaw }) } : { found: false });
      }
      faces.close?.();
      return out;
    }, jobs.length);
    return jobs.map((job, i) => ({ ...job, ...found[i]! }));
  } finally {
    await browser.close();
    server.close();
  }
}

/** Per person: faces found, prompts asked and passed, wrong prompts passed, the slight turns passing. */
export function scorePerson(readings: RenderReading[]): { found: number; asked: number; passed: number; wrong: number; slightTurnsPassing: number } {
  let asked = 0;
  let passed = 0;
  let wrong = 0;
  let slightTurnsPassing = 0;
  for (const r of readings) {
    const prompt = promptOf(r.angle);
    if (prompt) asked++;
    if (r.yaw === undefined) continue;
    const holds = (['straight', 'left', 'right'] as const).filter((p) => holdsPose(p, r.yaw!));
    if (prompt) {
      if (holds.includes(prompt)) passed++;
      wrong += holds.filter((p) => p !== prompt).length;
    } else {
      // ±20°: near the camera or a slight turn its own way are both fair; the other way is wrong.
      const own: Prompt = r.angle > 0 ? 'left' : 'right';
      if (holds.includes(own)) slightTurnsPassing++;
      wrong += holds.filter((p) => p !== own && p !== 'straight').length;
    }
  }
  return { found: readings.filter((r) => r.found).length, asked, passed, wrong, slightTurnsPassing };
}

/** A phone of one engine whose front camera shows `video`. */
export type PhoneLauncher = (video: string) => Promise<{ context: BrowserContext; close(): Promise<void> }>;

/** The engines the live run measures; another engine adds its launcher (and its way to fake a camera) here. */
export const ENGINES: Record<string, PhoneLauncher> = {
  async chromium(video) {
    const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    const context = await browser.newContext({ ...devices['Pixel 7'] });
    return { context, close: () => browser.close() };
  },
};

/** What one live run measured. */
export interface LiveRun {
  engine: string;
  person: FacePerson;
  turn: number;
  /** Start → the selfie camera showing frames (ms). */
  startToCameraMs: number;
  /** The face-check screen → the detector loaded and warmed (ms), and where it ran. */
  readyMs: number;
  detector: string;
  /** Per prompt passed, in order: its name, ms from the previous one (or the camera) to passing it, and its detections' median ms. */
  prompts: Array<{ prompt: string; passMs: number; detectMedianMs: number; looks: number }>;
  /** Longest main-thread task from Start to the outcome (ms), and how it was measured. */
  longestTaskMs: number;
  method: string;
}

const STEPS = `(() => {
  const steps = (window.__okidSteps = []);
  document.addEventListener('okid-step', (event) => steps.push({ ...event.detail, t: performance.now() }));
})()`;

/** The face-only flow, once, on `engine`'s phone, the camera showing `person` turning `turn`° each way. */
export async function liveRun(engine = 'chromium', person: FacePerson = 'p4_young_caucasian_male', turn = 40): Promise<LiveRun> {
  const launch = ENGINES[engine];
  if (!launch) throw new Error(`faces-rendered: no launcher for ${engine}; add one to ENGINES`);
  const stack = await startStack({}, 200);
  const phone = await launch(await turningHeadVideo(person, turningPlan(turn)));
  try {
    const created = await createVerification(stack, 'verified', 'liveness');
    await phone.context.addInitScript('window.__name = (fn) => fn');
    await phone.context.addInitScript(LONG_TASK_PROBE);
    await phone.context.addInitScript(STEPS);
    const page = await phone.context.newPage();
    await page.goto(created.verificationUrl);
    const el = page.locator('okid-verify');
    await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor({ timeout: 60_000 });
    const since = await markLongTasks(page);
    await el.getByRole('button', { name: 'Start' }).click();
    await page.waitForFunction(() => {
      const video = document.querySelector('okid-verify')?.shadowRoot?.querySelector('video[part="camera"]') as HTMLVideoElement | null | undefined;
      return !!video && video.readyState >= 2 && video.videoWidth > 0;
    }, undefined, { timeout: 60_000, polling: 50 });
    const cameraAt = (await page.evaluate(() => performance.now())) as number;
    await el.locator('[part="outcome"]').waitFor({ timeout: 240_000 });
    const tasks = await readLongTasks(page, since);
    const { steps, looks, ready } = (await page.evaluate(
      ([detect, readyName]) => ({
        steps: (window as unknown as { __okidSteps: Array<{ name: string; index?: number; prompt?: string; t: number }> }).__okidSteps,
        looks: performance.getEntriesByName(detect).map((e) => ({ ms: e.duration, capture: (e as PerformanceMeasure).detail?.capture as number })),
        ready: performance.getEntriesByName(readyName).map((e) => ({ ms: e.duration, detail: (e as PerformanceMeasure).detail as { kind: string; offMainThread: boolean } }))[0],
      }),
      [DETECT_MEASURE, READY_MEASURE] as const,
    )) as { steps: Array<{ name: string; index?: number; prompt?: string; t: number }>; looks: Array<{ ms: number; capture: number }>; ready?: { ms: number; detail: { kind: string; offMainThread: boolean } } };
    let previous = cameraAt;
    const prompts = steps
      .filter((s) => s.name === 'prompt_passed')
      .map((s) => {
        const own = looks.filter((l) => l.capture === s.index).map((l) => l.ms);
        const entry = { prompt: `${s.index === 0 ? 'selfie' : s.prompt}`, passMs: Math.round(s.t - previous), detectMedianMs: Math.round(median(own)), looks: own.length };
        previous = s.t;
        return entry;
      });
    return {
      engine,
      person,
      turn,
      startToCameraMs: Math.round(cameraAt - since),
      readyMs: Math.round(ready?.ms ?? NaN),
      detector: ready ? `${ready.detail.kind}${ready.detail.offMainThread ? ' in a worker' : ' on the main thread'}` : 'unknown',
      prompts,
      longestTaskMs: Math.round(tasks.longestMs),
      method: tasks.method,
    };
  } finally {
    await phone.close();
    await stack.close();
  }
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const fmt = (yaw: number | undefined) => (yaw === undefined ? '—' : `${yaw >= 0 ? '+' : ''}${yaw.toFixed(0)}°`);

/** The bench's lines for `npm run bench` (bench/faces.ts adds them), and every reading. */
export async function benchRenderedFaces(engines: string[] = Object.keys(ENGINES)): Promise<{ results: Record<string, string | number>; readings: RenderReading[]; runs: LiveRun[] }> {
  const readings = await readRenders();
  const results: Record<string, string | number> = {};
  for (const person of FACE_PEOPLE) {
    const own = readings.filter((r) => r.person === person);
    const s = scorePerson(own);
    results[`rendered faces, ${person}: found, prompts passed (0°, ±30–50°), wrong prompts passed, ±20° passing its turn`] =
      `${s.found} of ${own.length}, ${s.passed} of ${s.asked}, ${s.wrong} wrong, ${s.slightTurnsPassing} of 2`;
    results[`rendered faces, ${person}: yaw read per render angle`] = own.map((r) => `${r.angle >= 0 ? '+' : ''}${r.angle}→${fmt(r.yaw)}`).join(' ');
  }
  const all = scorePerson(readings);
  results[`rendered faces, all 5: prompts passed at straight ≤ ${POSE_YAW.straight}°, turn ≥ ${POSE_YAW.turn}°, wrong prompts passed`] = `${all.passed} of ${all.asked}, ${all.wrong} wrong`;
  const runs: LiveRun[] = [];
  for (const engine of engines) {
    const run = await liveRun(engine);
    runs.push(run);
    const tag = `face check live, ${engine} (${run.person}, ±${run.turn}°)`;
    results[`${tag}: Start → selfie camera (ms)`] = run.startToCameraMs;
    results[`${tag}: face-check screen → detector warm (ms), where`] = `${run.readyMs}, ${run.detector}`;
    results[`${tag}: per prompt, ms to pass / median detection ms (looks)`] = run.prompts.map((p) => `${p.prompt} ${p.passMs}/${p.detectMedianMs} (${p.looks})`).join(', ');
    results[`${tag}: longest main-thread task, Start → outcome (ms, ${run.method})`] = run.longestTaskMs;
  }
  return { results, readings, runs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { results, readings } = await benchRenderedFaces();
  console.table(readings.map((r) => ({ person: r.person, angle: r.angle, prompt: promptOf(r.angle) ?? '(slight)', found: r.found, yaw: fmt(r.yaw) })));
  console.table(results);
}
