/**
 * `npm run bench`: sizes and speeds, measured here and printed as one table. Numbers, not
 * pass/fail: budgets that are deterministic (size) are enforced by `npm test` instead.
 */
import { build } from 'vite';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { measureSizes } from '../scripts/sizes.js';
import { qrPaint, submitToComplete, verifyPageToCamera } from './handoff.js';
import { benchQuality } from './quality.js';
import { statusRouteThroughput, upstreamRequestsWhileWatching } from './sse-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What an SPA ships for `import 'okid-verify'`: the ESM entry bundled and minified with lit and zod, as an app's Vite build does. */
async function appBundleGzip(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'okid-bench-'));
  try {
    await writeFile(join(dir, 'main.js'), `import ${JSON.stringify(join(root, 'dist/index.js'))};\n`);
    await build({
      logLevel: 'silent',
      configFile: false,
      root: dir,
      // An app's own build minifies whitespace too, which Vite's ES library mode skips; IIFE output is minified fully.
      build: { outDir: join(dir, 'out'), minify: true, lib: { entry: join(dir, 'main.js'), formats: ['iife'], name: 'App', fileName: () => 'app.js' } },
    });
    return gzipSync(await readFile(join(dir, 'out/app.js')), { level: 9 }).length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown> = {};
const sizes = measureSizes();
results['IIFE gzip (bytes)'] = sizes.iifeGzip;
results['ESM app bundle for a desktop page, gzip (bytes)'] = await appBundleGzip();
results['capture chunk for script-tag pages, gzip, without the face model (bytes)'] = sizes.captureScriptGzip;
results['face detector chunk, gzip (bytes), lazily loaded'] = sizes.faceDetectorGzip;
const qr = await qrPaint(20);
results['QR painted after connect, median of 20 (ms)'] = qr.elementQrPaintMedianMs;
results['QR painted after connect, worst of 20 (ms)'] = qr.elementQrPaintMaxMs;
results['okID QR PNG fetched and shown, median of 20 (ms)'] = qr.pngQrShowMedianMs;
const stream = await submitToComplete('stream', 20);
results['phone submit → okid-complete, event stream, median of 20 (ms)'] = stream.medianMs;
results['phone submit → okid-complete, event stream, worst of 20 (ms)'] = stream.maxMs;
const polling = await submitToComplete('polling', 10);
results['phone submit → okid-complete, polling every 2 s, median of 10 (ms)'] = polling.medianMs;
const quality = await benchQuality(60);
results['document quality check per 1280×720 frame, median of 60 (ms)'] = quality.medianMs;
results['document quality check per 1280×720 frame, p95 of 60 (ms)'] = quality.p95Ms;
const camera = await verifyPageToCamera(10);
results['phone: /verify opened → live camera view, median of 10 (ms)'] = camera.medianMs;
const throughput = await statusRouteThroughput();
results['status route, 1 core, 100 connections (requests/s)'] = throughput.requestsPerSecond;
const watching = await upstreamRequestsWhileWatching();
results[`upstream requests/s while ${watching.watchers} streams watch one verification`] = watching.upstreamRequestsPerSecond;

console.table(results);
