/**
 * `npm run bench`: sizes and speeds, measured here and printed as one table. Numbers, not
 * pass/fail: budgets that are deterministic (size) are enforced by `npm test` instead.
 */
import { build } from 'vite';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { measureSizes } from '../scripts/sizes.js';
import { phoneScreens } from './phone-screens.js';
import { captureTaps } from './form-taps.js';
import { qrPaint, submitToComplete, verifyPageToCamera } from './handoff.js';
import { benchFaces } from './faces.js';
import { benchEngineFaces } from './engine-faces.js';
import { benchQuality } from './quality.js';
import { upstreamRequestsWhilePolling, upstreamRequestsWhileWatching } from './sse-server.js';
import { measureStreams } from './stream-memory.js';
import { hubFreezeToFinal } from './hub-freeze.js';
import { compareStatusThroughput } from './status-throughput.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * What a desktop page of an SPA loads for `import 'okid-verify'`: the app's entry chunk and its
 * static imports, built and minified by Vite with lit and zod, as an app's build does. The
 * capture flow, the face detector and the translations stay chunks of their own.
 */
async function appBundleGzip(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'okid-bench-'));
  try {
    await writeFile(join(dir, 'main.js'), `import ${JSON.stringify(join(root, 'dist/index.js'))};\n`);
    const result = (await build({
      logLevel: 'silent',
      configFile: false,
      root: dir,
      build: { write: false, minify: true, rollupOptions: { input: join(dir, 'main.js') } },
    })) as { output: Array<{ type: string; fileName: string; isEntry?: boolean; imports?: string[]; code?: string }> };
    const chunks = new Map(result.output.filter((o) => o.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
    const files = new Set([[...chunks.values()].find((chunk) => chunk.isEntry)!.fileName]);
    for (const file of files) for (const imported of chunks.get(file)?.imports ?? []) files.add(imported);
    return [...files].reduce((sum, file) => sum + gzipSync(chunks.get(file)!.code!, { level: 9 }).length, 0);
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
Object.assign(results, (await benchFaces()).results);
// Chromium, WebKitGTK and Firefox side by side: Start → selfie camera, each prompt's detection times.
Object.assign(results, (await benchEngineFaces()).results);
const camera = await verifyPageToCamera(10);
results['phone: /verify opened → live camera view, median of 10 (ms)'] = camera.medianMs;
// A baseline build can be set beside it with `node --import tsx bench/phone-screens.ts before=DIR after=dist`.
const screens = (await phoneScreens({ current: join(root, 'dist') }, 10)).current!;
results['phone: handoff URL opened → first screen, median of 10 (ms)'] = screens.firstScreenMedianMs;
results['phone: document chosen → live camera playing, median of 10 (ms)'] = screens.cameraMedianMs;
const taps = await captureTaps();
results['phone taps, standard flow (terms, document, face check; fake camera)'] = taps.standardTaps;
results['phone taps, with the form step too (4 default fields)'] = taps.withFormTaps;
results['phone taps the form step adds (one per field + Continue)'] = taps.formTaps;
results['keystrokes typed into the form (bench person)'] = taps.formKeystrokes;
const throughput = await compareStatusThroughput();
results['status route via the proxy, own core, autocannon 100 connections (requests/s)'] = throughput.proxy.requestsPerSecond;
results['same JSON from a bare node:http handler, same run (requests/s)'] = throughput.bare.requestsPerSecond;
results['status route: proxy / bare handler'] = throughput.ratio;
results['okID reads/s while the status route is under that load (one id)'] = throughput.okidReadsPerSecond;
const pollers = await upstreamRequestsWhilePolling();
results[`okID reads/s while ${pollers.pollers} browsers poll one verification every 2 s`] = pollers.upstreamRequestsPerSecond;
const watching = await upstreamRequestsWhileWatching();
results[`okID reads/s while ${watching.watchers} streams watch one verification (poll every ${watching.pollIntervalMs / 1000} s)`] =
  watching.upstreamRequestsPerSecond;
const streams = await measureStreams(10_000);
results['proxy memory per open event stream (bytes, heap + external)'] = streams.bytesPerStream;
results['10,000 streams: final status published → all received (ms)'] = streams.finalToAllMs;
results['10,000 streams opened and closed: proxy memory left (bytes)'] = streams.bytesLeftAfterClose;
for (const interval of [2000, undefined]) {
  const freeze = await hubFreezeToFinal(interval);
  results[`Redis frozen: final status at okID → stream on A, poll every ${freeze.pollIntervalMs / 1000} s (ms)`] = freeze.finalAfterMs;
}

console.table(results);
