/**
 * Benchmark of the document camera's per-frame quality checks in headless Chromium: downscale a
 * 1280×720 frame with `FrameSampler`, `measureFrame` it and `adviseFrame` it, as the capture
 * step does on every preview frame. The module is bundled by esbuild at bench time and put on a
 * blank page, so nothing is served.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '../e2e/support.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `src/capture/quality.ts` as a classic script that defines `window.okidQuality`. */
export async function qualityModuleScript(): Promise<string> {
  const result = await build({
    entryPoints: [`${root}src/capture/quality.ts`],
    bundle: true,
    format: 'iife',
    globalName: 'okidQuality',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface QualityBench {
  medianMs: number;
  p95Ms: number;
  width: 1280;
  height: 720;
  runs: number;
  /** The advice on the benchmark frame, a check that the work measured is the real one. */
  advice: string;
}

/** Milliseconds per 1280×720 frame for sample + measure + advise, median and p95 over `runs` frames after a warm-up. */
export async function benchQuality(runs = 60): Promise<QualityBench> {
  const script = await qualityModuleScript();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: script });
    const { times, advice } = await page.evaluate((runs) => {
      type Quality = typeof import('../src/capture/quality.js');
      const quality = (window as unknown as { okidQuality: Quality }).okidQuality;
      const frame = document.createElement('canvas');
      frame.width = 1280;
      frame.height = 720;
      const ctx = frame.getContext('2d')!;
      // A document-like card on a dark table, with text and fine lines, as the camera sees it.
      ctx.fillStyle = '#2f2823';
      ctx.fillRect(0, 0, 1280, 720);
      ctx.fillStyle = '#dfe6ea';
      ctx.beginPath();
      ctx.roundRect(190, 75, 900, 568, 36);
      ctx.fill();
      ctx.fillStyle = '#2d5a88';
      ctx.fillRect(190, 75, 900, 92);
      ctx.fillStyle = '#111820';
      for (let i = 0; i < 6; i++) {
        ctx.font = i < 4 ? 'bold 32px sans-serif' : '30px monospace';
        ctx.fillText(i < 4 ? 'MUSTERMANN ERIKA 1234567' : 'IDOKD1234567<<<<<<<<<<<<<<<<', 500, 210 + i * 70);
      }
      ctx.fillStyle = '#9aa4ad';
      ctx.fillRect(230, 195, 230, 290);
      const sampler = new quality.FrameSampler(320);
      const region = { x: 190 / 4, y: 75 / 4, width: 900 / 4, height: 568 / 4 };
      const times: number[] = [];
      let advice = '';
      for (let i = 0; i < runs + 10; i++) {
        // Change the frame a little so no cache can answer for the browser.
        ctx.fillStyle = i % 2 ? '#dfe6ea' : '#dde5e9';
        ctx.fillRect(1000, 600, 40, 20);
        const start = performance.now();
        const image = sampler.sample(frame, 1280, 720);
        advice = quality.adviseFrame(quality.measureFrame(image, region));
        const elapsed = performance.now() - start;
        if (i >= 10) times.push(elapsed);
      }
      return { times, advice };
    }, runs);
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    const round = (value: number) => Number(value.toFixed(2));
    return { medianMs: round(median), p95Ms: round(at(0.95)), width: 1280, height: 720, runs, advice };
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchQuality());
}
