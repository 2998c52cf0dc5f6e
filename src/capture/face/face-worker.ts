/**
 * The face worker: the bundled detector (`bundled-face-detector.ts`) on an `OffscreenCanvas`, off
 * the page's main thread, so that compiling WebGL shaders (seconds on a cold cache) and each
 * detection never freeze the page. Built on its own, one classic script with the model's code
 * inside (`models/face-worker.js` beside the weights, see vite.config.ts); started by
 * `worker-face-detector.ts`. It loads and warms the models on `load`, then answers each `detect`.
 */
import { loadBundledFaceDetector } from './bundled-face-detector.js';
import type { BundledFaceDetector } from './bundled-face-detector.js';
import type { FromFaceWorker, ToFaceWorker } from './face-worker-protocol.js';

const scope = self as unknown as { onmessage: ((event: MessageEvent<ToFaceWorker>) => void) | null; postMessage(message: FromFaceWorker): void };
let detector: Promise<BundledFaceDetector> | undefined;

/** At most this many warm-up passes on the CPU backend. */
const WARM_PASSES_CPU = 5;
/** Another pass only while the last was faster than this share of the one before. */
const WARM_GAIN = 0.8;

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function load(modelBaseUrl: string): Promise<void> {
  const started = performance.now();
  try {
    detector ??= loadBundledFaceDetector(modelBaseUrl);
    const loaded = await detector;
    const warming = performance.now();
    await warmUp(loaded);
    scope.postMessage({ type: 'ready', backend: loaded.backend, loadMs: warming - started, warmMs: performance.now() - warming });
  } catch (error) {
    detector = undefined;
    scope.postMessage({ type: 'failed', message: reason(error) });
  }
}

/**
 * Warms the model: once on WebGL (the shaders are compiled then). On the plain JavaScript CPU
 * backend (no WebGL in a worker: WebKitGTK, Firefox without a GPU) the engine's JIT compiles the
 * model's loops only after a few runs (WebKitGTK: 3.2, 2.9, 2.4, then 0.9 s a look): the passes
 * go on while each is clearly faster than the one before, so that the first looks at a face are
 * as fast as the later ones rather than too slow to follow a head that turns.
 */
async function warmUp(loaded: BundledFaceDetector): Promise<void> {
  let last = Infinity;
  for (let pass = 0; pass < (loaded.backend === 'cpu' ? WARM_PASSES_CPU : 1); pass++) {
    const started = performance.now();
    await loaded.warm();
    const ms = performance.now() - started;
    if (ms > last * WARM_GAIN) break;
    last = ms;
  }
}

async function detect(id: number, frame: ImageBitmap): Promise<void> {
  const started = performance.now();
  try {
    if (!detector) throw new Error('face worker: detect before load');
    const faces = await (await detector).detect(frame);
    scope.postMessage({ type: 'faces', id, faces, ms: performance.now() - started });
  } catch (error) {
    scope.postMessage({ type: 'error', id, message: reason(error) });
  } finally {
    frame.close();
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'load') void load(message.modelBaseUrl);
  else if (message.type === 'detect') void detect(message.id, message.frame);
};
