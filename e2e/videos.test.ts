/**
 * The generated camera videos: well-formed y4m, cached, and, played by Chromium as its camera,
 * a card the document step's quality checks accept and a face the bundled face detector reads
 * looking straight, turned to the person's left and turned to their right.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright';
import { LivenessTracker } from '../src/capture/face/liveness-tracker.js';
import type { FaceObservation } from '../src/capture/face/face-geometry.js';
import { launchChromium } from './support.js';
import {
  DOCUMENT_CARD,
  FACE_VIDEO_FPS,
  FACE_VIDEO_TIMELINE,
  VIDEO_CACHE_DIR,
  VIDEO_FPS,
  VIDEO_HEIGHT,
  VIDEO_WIDTH,
  documentVideo,
  faceVideo,
  y4mHeader,
  y4mSize,
} from './videos.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const FRAME_BYTES = 6 + (VIDEO_WIDTH * VIDEO_HEIGHT * 3) / 2;

/** A module of src/ as a classic script defining `window[globalName]`, as the browser would run it. */
async function pageScript(entry: string, globalName: string): Promise<string> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    format: 'iife',
    globalName,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The bundled face detector's model files (tiny face detector, tiny 68-point landmarks), served at /models/. */
const MODEL_DIR = join(root, 'node_modules/@vladmandic/face-api/model');

/**
 * A page on http://127.0.0.1 (a secure context, so getUserMedia works) with the camera in a
 * <video>, and the face-api model files at /models/ for the bundled face detector.
 */
async function startPageServer(): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>camera</title></head>
<body><video id="camera" autoplay muted playsinline></video></body></html>`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/models/')) {
      const file = normalize(join(MODEL_DIR, decodeURIComponent(path.slice('/models/'.length))));
      if (!file.startsWith(MODEL_DIR)) return void response.writeHead(404).end();
      readFile(file).then(
        (body) => response.writeHead(200, { 'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(body),
        () => response.writeHead(404).end(),
      );
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Opens the page in a Chromium whose camera plays `video`, with `scripts` added, and starts the camera. */
async function cameraPage(video: string, url: string, scripts: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  const page = await browser.newPage();
  // tsx compiles this file with esbuild's keepNames, whose __name helper the functions passed to page.evaluate may call.
  await page.addInitScript('window.__name = (fn) => fn');
  await page.goto(url);
  for (const content of scripts) await page.addScriptTag({ content });
  await page.evaluate(async () => {
    const video = document.getElementById('camera') as HTMLVideoElement;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    // Wait for a few real frames, not just the first.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
  });
  return { browser, page };
}

let dir: string;
let documentPath: string;
let facePath: string;
let generationMs: number;
let server: Server;
let pageUrl: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'okid-videos-test-'));
  const start = performance.now();
  [documentPath, facePath] = await Promise.all([documentVideo(dir), faceVideo(dir)]);
  generationMs = performance.now() - start;
  ({ server, url: pageUrl } = await startPageServer());
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('generated camera videos', () => {
  test('are y4m files Chromium reads: 640×480 4:2:0 (document 15 fps, face 5 fps), whole frames, small', async () => {
    assert.equal(y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS), 'YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n');
    assert.equal(y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, FACE_VIDEO_FPS), 'YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\n');
    const faceFrames = Math.round(FACE_VIDEO_TIMELINE.at(-1)!.endS * FACE_VIDEO_FPS);
    const sizes: number[] = [];
    for (const [path, fps, frames] of [
      [documentPath, VIDEO_FPS, 20],
      [facePath, FACE_VIDEO_FPS, faceFrames],
    ] as const) {
      const header = y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, fps);
      const { size } = await stat(path);
      assert.equal(size, y4mSize(VIDEO_WIDTH, VIDEO_HEIGHT, fps, frames), `${path} holds ${frames} whole frames`);
      const file = await open(path);
      try {
        const start = Buffer.alloc(header.length + 6);
        await file.read(start, 0, start.length, 0);
        assert.equal(start.toString('latin1'), `${header}FRAME\n`);
        const last = Buffer.alloc(6);
        await file.read(last, 0, 6, header.length + (frames - 1) * FRAME_BYTES);
        assert.equal(last.toString('latin1'), 'FRAME\n');
      } finally {
        await file.close();
      }
      sizes.push(size);
    }
    assert.ok(sizes[1]! < 30 * 1024 * 1024, `the face video takes ${(sizes[1]! / 1e6).toFixed(1)} MB`);
    assert.ok(sizes[0]! + sizes[1]! < 50 * 1024 * 1024, `both videos take ${((sizes[0]! + sizes[1]!) / 1e6).toFixed(1)} MB`);
    const loopS = FACE_VIDEO_TIMELINE.at(-1)!.endS;
    assert.ok(loopS <= 12, 'the face loop is at most 12 s');
    for (const pose of ['straight', 'left', 'right'] as const) {
      const longest = Math.max(...FACE_VIDEO_TIMELINE.filter((s) => s.pose === pose).map((s) => s.endS - s.startS));
      assert.ok(longest >= 2.5, `the face video holds ${pose} for ${longest} s at a time`);
    }
    console.log(
      `videos: document ${(sizes[0]! / 1e6).toFixed(1)} MB, face ${(sizes[1]! / 1e6).toFixed(1)} MB (${faceFrames} frames, ${loopS} s), ` +
        `ready in ${Math.round(generationMs)} ms (a few ms when cached)`,
    );
  });

  test('are cached by content: a second call renders nothing and returns the same bytes', async () => {
    const before = (await stat(documentPath)).mtimeMs;
    const again = await mkdtemp(join(tmpdir(), 'okid-videos-test-'));
    try {
      const start = performance.now();
      const [doc, face] = await Promise.all([documentVideo(again), faceVideo(again)]);
      const elapsed = performance.now() - start;
      assert.equal((await stat(doc)).mtimeMs, before, 'the cached file was not rewritten');
      assert.equal((await stat(doc)).size, (await stat(documentPath)).size);
      assert.equal((await stat(face)).size, (await stat(facePath)).size);
      assert.ok(elapsed < 2000, `cached calls took ${Math.round(elapsed)} ms`);
      assert.ok((await stat(VIDEO_CACHE_DIR)).isDirectory());
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  test('the document video as a camera shows the card, and quality.ts advises ok on it long enough to auto-capture', async () => {
    const { browser, page } = await cameraPage(documentPath, pageUrl, [await pageScript('src/capture/quality.ts', 'okidQuality')]);
    try {
      const result = await page.evaluate(async (card) => {
        type Quality = typeof import('../src/capture/quality.js');
        const quality = (window as unknown as { okidQuality: Quality }).okidQuality;
        const video = document.getElementById('camera') as HTMLVideoElement;
        const { videoWidth: width, videoHeight: height } = video;
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(video, 0, 0);
        const meanLuma = (x: number, y: number, w: number, h: number) => {
          const { data } = ctx.getImageData(x, y, w, h);
          let sum = 0;
          for (let i = 0; i < data.length; i += 4) sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
          return sum / (w * h);
        };
        // The card's MRZ band (light) against the table above the card (dark).
        const cardLuma = meanLuma(card.x + 20, card.y + card.height - 60, card.width - 40, 40);
        const tableLuma = meanLuma(0, 0, width, card.y - 10);
        // As the document step runs it: downscaled frames, measured in the overlay (the card's area), over a second.
        const sampler = new quality.FrameSampler(320);
        const scale = 320 / width;
        const region = { x: card.x * scale, y: card.y * scale, width: card.width * scale, height: card.height * scale };
        const gate = new quality.SteadyGate(800);
        const advice: string[] = [];
        const metrics: unknown[] = [];
        let opened = false;
        const start = performance.now();
        while (performance.now() - start < 1500 && !opened) {
          await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
          const image = sampler.sample(video, width, height);
          const inOverlay = quality.measureFrame(image, region);
          advice.push(quality.adviseFrame(inOverlay), quality.adviseFrame(quality.measureFrame(image)));
          metrics.push(inOverlay);
          opened = gate.update(quality.adviseFrame(inOverlay), performance.now());
        }
        return { width, height, cardLuma, tableLuma, advice, metrics: metrics[0], opened };
      }, DOCUMENT_CARD);
      assert.deepEqual([result.width, result.height], [640, 480]);
      assert.ok(result.cardLuma > 200 && result.tableLuma < 70, `card ${result.cardLuma.toFixed(0)} vs table ${result.tableLuma.toFixed(0)}`);
      assert.ok(result.advice.length >= 4);
      assert.deepEqual([...new Set(result.advice)], ['ok'], `advice on the live frames: ${result.advice.join(', ')}; first overlay metrics ${JSON.stringify(result.metrics)}`);
      assert.ok(result.opened, 'the steady gate opened: the step would capture by itself');
    } finally {
      await browser.close();
    }
  });

  test('the face video as a camera: the bundled face detector reads straight, turned left (+yaw) and turned right (−yaw), in the oval', async () => {
    const { browser, page } = await cameraPage(facePath, pageUrl, [await pageScript('src/capture/face/bundled-face-detector.ts', 'okidFaceDetector')]);
    try {
      const loopMs = FACE_VIDEO_TIMELINE.at(-1)!.endS * 1000;
      // Over one loop (and a little), detect on the live video as the liveness step does, back to back.
      const run = await page.evaluate(async (durationMs) => {
        type Module = typeof import('../src/capture/face/bundled-face-detector.js');
        const { loadBundledFaceDetector } = (window as unknown as { okidFaceDetector: Module }).okidFaceDetector;
        const video = document.getElementById('camera') as HTMLVideoElement;
        let started = performance.now();
        const detector = await loadBundledFaceDetector('/models/');
        const loadMs = performance.now() - started;
        // The first detection compiles the WebGL programs: seconds in headless Chromium.
        started = performance.now();
        await detector.detect(video);
        const warmUpMs = performance.now() - started;
        const samples: Array<{ t: number; ms: number; faces: Awaited<ReturnType<typeof detector.detect>> }> = [];
        started = performance.now();
        while (performance.now() - started < durationMs) {
          const t = performance.now();
          const faces = await detector.detect(video);
          samples.push({ t: t - started, ms: performance.now() - t, faces });
        }
        detector.close?.();
        return { loadMs, warmUpMs, samples, size: [video.videoWidth, video.videoHeight] };
      }, loopMs + 500);
      assert.deepEqual(run.size, [640, 480]);
      const faces = run.samples.map(({ faces }) => largest(faces));
      const placed = faces.filter((f): f is FaceObservation & { yaw: number } => !!f && f.yaw !== undefined && inOval(f.box));
      const yaws = run.samples.map(({ t }, i) => `${(t / 1000).toFixed(1)}s:${faces[i] ? `${faces[i]!.yaw?.toFixed(0)}°${inOval(faces[i]!.box) ? '' : '(outside)'}` : '-'}`);
      const report = `${run.samples.length} detections (model ${Math.round(run.loadMs)} ms, first ${Math.round(run.warmUpMs)} ms, then ~${Math.round(median(run.samples.map((s) => s.ms)))} ms): ${yaws.join(' ')}`;
      console.log(`face video: ${report}`);
      assert.ok(run.samples.length >= 8, `enough detections over a loop: ${report}`);
      assert.ok(placed.some((f) => Math.abs(f.yaw) <= 10), `a face looking straight (|yaw| ≤ 10°) in the oval: ${report}`);
      assert.ok(placed.some((f) => f.yaw >= 20), `a face turned to the person's left (yaw ≥ 20°) in the oval: ${report}`);
      assert.ok(placed.some((f) => f.yaw <= -20), `a face turned to the person's right (yaw ≤ −20°) in the oval: ${report}`);
      // The blurred surroundings keep the group photos' neighbours from being faces: the one face seen is the person's, in the oval.
      assert.ok(faces.every((f) => !f || inOval(f.box)), `no face outside the oval: ${report}`);
      assert.ok(faces.filter((f) => !f).length <= 1, `a face in (nearly) every frame: ${report}`);
      // And so each of the flow's prompts passes: LivenessTracker, fed these observations at their times, captures it.
      for (const prompt of ['straight', 'left', 'right'] as const) {
        const tracker = new LivenessTracker([prompt]);
        const captured = run.samples.some(({ t, faces }) => tracker.update(faces, t).captureNow);
        assert.ok(captured, `the ${prompt} prompt passes on the face video: ${report}`);
      }
    } finally {
      await browser.close();
    }
  });
});

/** The largest face, as LivenessTracker reads it. */
function largest(faces: FaceObservation[]): FaceObservation | undefined {
  return faces.reduce<FaceObservation | undefined>((best, f) => (!best || f.box.width * f.box.height > best.box.width * best.box.height ? f : best), undefined);
}

/**
 * Whether a face's box (normalized) lies inside the flow's oval guide, an ellipse 62% of the
 * view wide and 72% high at its centre (capture-styles.ts; the view shows the whole 4:3 frame
 * here), and is as large and central as LivenessTracker wants it (at least 18% of the width).
 */
function inOval(box: FaceObservation['box']): boolean {
  const corners = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x, box.y + box.height],
    [box.x + box.width, box.y + box.height],
  ] as const;
  const inside = corners.every(([x, y]) => ((x - 0.5) / 0.31) ** 2 + ((y - 0.5) / 0.36) ** 2 <= 1);
  return inside && box.width >= 0.18;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
