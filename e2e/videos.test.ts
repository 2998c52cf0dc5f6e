/**
 * The generated camera videos: well-formed y4m, cached, and, played by Chromium as its camera,
 * a card the document step's quality checks accept and a face that turns both ways.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright';
import { launchChromium } from './support.js';
import { DOCUMENT_CARD, FACE_VIDEO_TIMELINE, VIDEO_CACHE_DIR, VIDEO_FPS, VIDEO_HEIGHT, VIDEO_WIDTH, documentVideo, faceVideo, y4mHeader, y4mSize } from './videos.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const FRAME_BYTES = 6 + (VIDEO_WIDTH * VIDEO_HEIGHT * 3) / 2;

/** src/capture/quality.ts as a classic script defining `window.okidQuality`, as the browser would run it. */
async function qualityScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'src/capture/quality.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'okidQuality',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A page on http://127.0.0.1 (a secure context, so getUserMedia works) with the camera in a <video>. */
async function startPageServer(): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>camera</title></head>
<body><video id="camera" autoplay muted playsinline></video></body></html>`;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Opens the page in a Chromium whose camera plays `video`, and starts the camera. */
async function cameraPage(video: string, url: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  const page = await browser.newPage();
  // tsx compiles this file with esbuild's keepNames, whose __name helper the functions passed to page.evaluate may call.
  await page.addInitScript('window.__name = (fn) => fn');
  await page.goto(url);
  await page.addScriptTag({ content: await qualityScript() });
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
  test('are y4m files Chromium reads: 640×480 4:2:0 at 15 fps, whole frames, small', async () => {
    const header = y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS);
    assert.equal(header, 'YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n');
    let total = 0;
    for (const [path, frames] of [
      [documentPath, 20],
      [facePath, Math.round(FACE_VIDEO_TIMELINE.at(-1)!.endS * VIDEO_FPS)],
    ] as const) {
      const { size } = await stat(path);
      assert.equal(size, y4mSize(VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS, frames), `${path} holds ${frames} whole frames`);
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
      total += size;
    }
    assert.ok(total < 50 * 1024 * 1024, `both videos take ${(total / 1e6).toFixed(1)} MB`);
    assert.ok(FACE_VIDEO_TIMELINE.at(-1)!.endS <= 12, 'the face loop is under 12 s');
    console.log(`videos: ${(total / 1e6).toFixed(1)} MB, ready in ${Math.round(generationMs)} ms (a few ms when cached)`);
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
    const { browser, page } = await cameraPage(documentPath, pageUrl);
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

  test('the face video as a camera shows a face that turns to one side, then the other', async () => {
    const { browser, page } = await cameraPage(facePath, pageUrl);
    try {
      // Over one loop, where is the head? The x-centroid of its dark pixels (hair, eyes) in the head's band.
      const loopMs = FACE_VIDEO_TIMELINE.at(-1)!.endS * 1000;
      const centroids = await page.evaluate(async (loopMs) => {
        const video = document.getElementById('camera') as HTMLVideoElement;
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        const out: number[] = [];
        const start = performance.now();
        while (performance.now() - start < loopMs + 300) {
          await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
          ctx.drawImage(video, 0, 0);
          const { data, width } = ctx.getImageData(0, 40, canvas.width, 340);
          let sum = 0;
          let count = 0;
          for (let i = 0, p = 0; i < data.length; i += 4, p++) {
            if (0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! < 90) {
              sum += p % width;
              count++;
            }
          }
          out.push(count > 500 ? sum / count : NaN);
        }
        return out;
      }, loopMs);
      assert.ok(centroids.length > 20, `sampled ${centroids.length} frames`);
      assert.ok(centroids.every((x) => Number.isFinite(x) && x > 200 && x < 440), 'a head in every frame, near the middle');
      const straight = centroids.slice().sort((a, b) => a - b)[Math.floor(centroids.length / 2)]!;
      const leftmost = Math.min(...centroids);
      const rightmost = Math.max(...centroids);
      assert.ok(straight - leftmost > 15 && rightmost - straight > 15, `head x: ${leftmost.toFixed(0)} .. ${straight.toFixed(0)} .. ${rightmost.toFixed(0)}`);
    } finally {
      await browser.close();
    }
  });
});
