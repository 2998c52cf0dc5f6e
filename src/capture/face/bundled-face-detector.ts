/**
 * The bundled face detector: face-api (`@vladmandic/face-api`, MIT, TensorFlow.js inside) with its
 * tiny face detector (190 KB of weights) and 68-point tiny landmark model (75 KB), whose eyes and
 * nose give the head's yaw. Weights are fetched from `modelBaseUrl`, our own origin, never from a
 * model hub. It runs in two places, the same code:
 * - in the face worker (`face-worker.ts`, built on its own as `models/face-worker.js`), on an
 *   `OffscreenCanvas`: the page's main thread never waits for it;
 * - on the main thread, where no worker can start (a chunk of its own, loaded by
 *   `loadFaceDetector()` only then).
 *
 * TensorFlow.js runs on WebGL where it can (WebGL 2 on an `OffscreenCanvas` in the worker), else
 * on its plain JavaScript CPU backend. Its WebAssembly backend is registered by the bundle but
 * would need `.wasm` files we do not ship, so it is never chosen.
 */
import * as faceapi from '@vladmandic/face-api';
import { mean, sourceSize, yawFromLandmarks } from './face-geometry.js';
import type { FaceDetectorLike, FaceObservation, FrameSource, Point } from './face-geometry.js';

/** Input size of the tiny face detector: 224 finds a selfie-sized face; 160 missed faces in tests. */
const INPUT_SIZE = 224;
const SCORE_THRESHOLD = 0.4;

const inWorker = typeof document === 'undefined';

/** A canvas of this realm: an `OffscreenCanvas` in a worker, a `<canvas>` in a page. */
const newCanvas = (): HTMLCanvasElement =>
  inWorker ? (new OffscreenCanvas(1, 1) as unknown as HTMLCanvasElement) : document.createElement('canvas');

/**
 * face-api finds its DOM (canvas, image, fetch) only in a page; in a worker it is told to use an
 * `OffscreenCanvas` for every canvas it makes. It is never given an image or a video there.
 */
function workerEnvironment(): void {
  class NoElement {}
  faceapi.env.setEnv({
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: NoElement,
    ImageData,
    Video: NoElement,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: () => {
      throw new Error('face-api: no images in the face worker');
    },
    createVideoElement: () => {
      throw new Error('face-api: no videos in the face worker');
    },
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    readFile: () => {
      throw new Error('face-api: no file system in the face worker');
    },
  });
}

let backendReady: Promise<string> | undefined;

async function chooseBackend(): Promise<string> {
  if (inWorker) workerEnvironment();
  // On the main thread, WebGL programs take a frame's size as input rather than being compiled
  // anew for each size: the camera's, and each face crop's, would otherwise hold the page.
  else faceapi.tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  for (const name of ['webgl', 'cpu']) {
    try {
      if (await faceapi.tf.setBackend(name)) break;
    } catch {
      // not available here: try the next
    }
  }
  await faceapi.tf.ready();
  return faceapi.tf.getBackend();
}

/** The part of TensorFlow.js's WebGL backend that compiles shaders without waiting on them. */
interface CompilingBackend {
  /** Compiled programs by shader source. */
  binaryCache: Record<string, unknown>;
  /** The program cached under `key`, compiled by `compile` if there is none yet. */
  getAndSaveBinary(key: string, compile: () => unknown): unknown;
  /** Frees a tensor's texture as the tensor goes, and clears the shapes its programs were made for. */
  releaseGPUData(dataId: unknown): void;
  texData: { get(dataId: unknown): Record<string, unknown> | undefined };
  /** Copies a tensor into a texture laid out for reading back (running a small program). */
  decode(dataId: unknown): { dataId: unknown };
  disposeIntermediateTensorInfo(info: { dataId: unknown }): void;
  /** Waits for one program's link and throws if it failed. */
  checkCompletion_(binary: unknown): void;
  getUniformLocations(): void;
  /** Puts a tensor's values into a texture (running a small program). */
  uploadToGPU(dataId: unknown): void;
  gpgpu: { createAndWaitForFence(): Promise<void> };
}
interface Tensor {
  data(): Promise<unknown>;
  dispose(): void;
}

/** Main-thread work between two yields, at most about this long (milliseconds). */
const SLICE_MS = 30;

/** A blank canvas of this aspect, a few tens of pixels a side. */
function sized(width: number, height: number): HTMLCanvasElement {
  const canvas = newCanvas();
  canvas.width = width * 40;
  canvas.height = height * 40;
  canvas.getContext('2d')!.fillRect(0, 0, canvas.width, canvas.height);
  return canvas;
}

/** Lets the page paint and take input before the next piece of work. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Calls `work` on each item, yielding to the page every {@link SLICE_MS}. */
async function inSlices<T>(items: Iterable<T>, work: (item: T) => void): Promise<void> {
  let slice = performance.now();
  for (const item of items) {
    work(item);
    if (performance.now() - slice > SLICE_MS) {
      await nextTask();
      slice = performance.now();
    }
  }
}

/**
 * Warms both models on the main thread without freezing the page (WebGL). A first look that did
 * it as it went held a page for 2.6 s on a quiet machine (27.8 s on a loaded one): TensorFlow.js
 * uploads the weights, compiles each program and waits for it there, and face-api reads the
 * landmarks back with `dataSync()`. Here, in tasks of their own:
 * - the weights are uploaded, a slice at a time;
 * - each model gets a compile-only pass (`ENGINE_COMPILE_ONLY`: nothing run), for a square, a wide
 *   and a tall frame (the detector pads a frame square), which only collects the programs it
 *   would use (with the one that reads its result back); they are then issued to the GPU process
 *   a slice at a time;
 * - a fence is polled until the GPU process has taken them all, then each program's link is
 *   checked and its uniforms looked up, a slice at a time (the engines here lack
 *   `KHR_parallel_shader_compile`);
 * - each model runs once, its result read back without blocking.
 * Measured in Chromium (software WebGL, 2 cores): the longest task from Start to the outcome went
 * from 2,644 to 101–175 ms on a quiet machine (112–263 ms while the compile-only passes compiled
 * as they went). It leans on TensorFlow.js 4.22's WebGL backend (the
 * one inside face-api): if a part it needs is missing, `warm()` rejects before compiling anything
 * and the first look compiles as before.
 */
async function warmWithoutBlocking(blank: HTMLCanvasElement): Promise<void> {
  const { tf, nets } = faceapi;
  const backend = tf.backend() as CompilingBackend;
  const parts = [backend.getAndSaveBinary, backend.releaseGPUData, backend.texData?.get, backend.decode, backend.disposeIntermediateTensorInfo, backend.checkCompletion_, backend.getUniformLocations, backend.uploadToGPU, backend.gpgpu?.createAndWaitForFence];
  if (!backend.binaryCache || parts.some((part) => typeof part !== 'function')) throw new Error('face check: this TensorFlow.js cannot compile ahead');
  // Each model on each frame it will see: the detector on a square, a wide and a tall frame, the
  // landmark model on a face crop. `run` is face-api's `forward` once the frame is its input.
  type Pass = { frame: HTMLCanvasElement; run: (input: faceapi.NetInput) => unknown };
  const passes: Pass[] = [
    ...[blank, sized(4, 3), sized(3, 4)].map((frame) => ({ frame, run: (input: faceapi.NetInput) => nets.tinyFaceDetector.forwardInput(input, INPUT_SIZE) })),
    { frame: sized(5, 6), run: (input) => nets.faceLandmark68TinyNet.forwardInput(input) },
  ];
  const weights = [nets.tinyFaceDetector, nets.faceLandmark68TinyNet].flatMap((net) => net.getParamList());
  await inSlices(weights, ({ tensor }) => backend.uploadToGPU(tensor.dataId));
  // Compile-only passes only collect the programs: compiling each as the pass went made the
  // detector's pass one task of 135-263 ms. They are compiled after, a slice at a time. Each pass
  // runs synchronously under the flag, so no other look can run in between with nothing run.
  const compiles = new Map<string, () => unknown>();
  const compileOnly = <T>(work: () => T): T => {
    tf.env().set('ENGINE_COMPILE_ONLY', true);
    try {
      return work();
    } finally {
      tf.env().set('ENGINE_COMPILE_ONLY', false);
    }
  };
  const own = { getAndSaveBinary: backend.getAndSaveBinary, releaseGPUData: backend.releaseGPUData };
  backend.getAndSaveBinary = (key, compile) => {
    if (!tf.env().get('ENGINE_COMPILE_ONLY')) return own.getAndSaveBinary.call(backend, key, compile);
    if (!(key in backend.binaryCache) && !compiles.has(key)) compiles.set(key, compile);
    return undefined;
  };
  // A collected program is compiled from its tensors' shapes, which the backend clears as each
  // tensor goes (its texture is still freed): they are kept on the tensors of a compile-only pass,
  // which are gone from the backend by then.
  backend.releaseGPUData = (dataId) => {
    const data = backend.texData.get(dataId);
    const shapes = data && { texShape: data.texShape, isPacked: data.isPacked, slice: data.slice };
    own.releaseGPUData.call(backend, dataId);
    if (shapes && tf.env().get('ENGINE_COMPILE_ONLY')) Object.assign(data!, shapes);
  };
  try {
    for (const { frame, run } of passes) {
      const input = await faceapi.toNetInput(frame);
      compileOnly(() => {
        const output = run(input) as Tensor & { dataId: unknown };
        // Reading it back runs one more program, the first time a look reads it: collected too.
        backend.disposeIntermediateTensorInfo(backend.decode(output.dataId));
        output.dispose();
      });
      await nextTask();
    }
  } finally {
    // The backend's own methods again (the prototype's).
    delete (backend as Partial<CompilingBackend>).getAndSaveBinary;
    delete (backend as Partial<CompilingBackend>).releaseGPUData;
  }
  await inSlices(compiles, ([key, compile]) => compileOnly(() => backend.getAndSaveBinary(key, compile)));
  await backend.gpgpu.createAndWaitForFence();
  // Each program's link is checked, and its uniforms looked up, on its own: the backend does all
  // of them at once (about 200 ms here), so it is shown one program at a time.
  const programs = backend.binaryCache;
  try {
    await inSlices(Object.entries(programs), ([source, binary]) => {
      backend.checkCompletion_(binary);
      backend.binaryCache = { [source]: binary };
      backend.getUniformLocations();
    });
  } finally {
    backend.binaryCache = programs;
  }
  for (const { frame, run } of passes) {
    await nextTask();
    const output = run(await faceapi.toNetInput(frame)) as Tensor;
    await output.data();
    output.dispose();
  }
}

/**
 * The 68 landmarks of each face, as face-api's `withFaceLandmarks` finds them (the face cropped,
 * the tiny landmark model run on the crop), but read back with `await data()` where face-api calls
 * `dataSync()`, which holds the main thread until the GPU is done (about 100 ms a look in Chromium
 * with software WebGL). The points are within each crop: a yaw needs no more.
 */
async function landmarksWithoutBlocking(input: HTMLVideoElement | HTMLCanvasElement, detections: faceapi.Detection[]): Promise<Array<{ detection: faceapi.Detection; points: Point[] }>> {
  if (!detections.length) return [];
  const crops = await faceapi.extractFaces(input, detections);
  return Promise.all(
    crops.map(async (crop, index) => {
      const output = (await faceapi.nets.faceLandmark68TinyNet.forward(crop)) as Tensor;
      try {
        // x and y in turn, each a fraction of the crop's width or height.
        const values = (await output.data()) as Float32Array;
        const points = Array.from({ length: values.length / 2 }, (_, i) => ({ x: values[2 * i]! * crop.width, y: values[2 * i + 1]! * crop.height }));
        return { detection: detections[index]!, points };
      } finally {
        output.dispose();
      }
    }),
  );
}

/** The detector, with what the worker also needs: its backend and a warm-up. */
export interface BundledFaceDetector extends FaceDetectorLike {
  /** TensorFlow.js's backend: `webgl` or `cpu`. */
  readonly backend: string;
  /**
   * Runs both models once on a blank frame, so that WebGL compiles their shaders now (seconds on
   * a cold cache, software rendering) rather than at the first face.
   */
  warm(): Promise<void>;
}

/** Loads the two models from `modelBaseUrl` (a folder URL ending in `/`) and returns the detector. */
export async function loadBundledFaceDetector(modelBaseUrl: string | URL): Promise<BundledFaceDetector> {
  backendReady ??= chooseBackend();
  const backend = await backendReady;
  const base = String(modelBaseUrl);
  await Promise.all([
    faceapi.nets.tinyFaceDetector.isLoaded ? undefined : faceapi.nets.tinyFaceDetector.loadFromUri(base),
    faceapi.nets.faceLandmark68TinyNet.isLoaded ? undefined : faceapi.nets.faceLandmark68TinyNet.loadFromUri(base),
  ]);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: INPUT_SIZE, scoreThreshold: SCORE_THRESHOLD });
  let canvas: HTMLCanvasElement | undefined;

  const detector: BundledFaceDetector = {
    kind: 'bundled',
    offMainThread: inWorker,
    backend,
    async warm() {
      const blank = newCanvas();
      blank.width = blank.height = INPUT_SIZE;
      const context = blank.getContext('2d')!;
      context.fillStyle = '#808080';
      context.fillRect(0, 0, INPUT_SIZE, INPUT_SIZE);
      if (!inWorker && backend === 'webgl') return warmWithoutBlocking(blank);
      await faceapi.detectAllFaces(blank, options);
      await faceapi.nets.faceLandmark68TinyNet.detectLandmarks(blank);
    },
    async detect(source: FrameSource) {
      const { width, height } = sourceSize(source);
      if (!width || !height) return [];
      let input: HTMLVideoElement | HTMLCanvasElement;
      if ((typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) || (typeof HTMLCanvasElement !== 'undefined' && source instanceof HTMLCanvasElement)) {
        input = source;
      } else {
        // face-api takes no ImageBitmap: draw it on a canvas kept for the next frames.
        canvas ??= newCanvas();
        canvas.width = width;
        canvas.height = height;
        canvas.getContext('2d')!.drawImage(source, 0, 0);
        input = canvas;
      }
      const faces = inWorker
        ? (await faceapi.detectAllFaces(input, options).withFaceLandmarks(true)).map(({ detection, landmarks }) => ({ detection, points: landmarks.positions }))
        : await landmarksWithoutBlocking(input, await faceapi.detectAllFaces(input, options));
      return faces.map(({ detection, points }): FaceObservation => {
        const { x, y, width: w, height: h } = detection.box;
        // 68-point layout: 36–41 the eye on the image's left, 42–47 the other, 30 the nose tip.
        const yaw = points.length === 68 ? yawFromLandmarks(mean(points.slice(36, 42)), mean(points.slice(42, 48)), points[30]!) : undefined;
        return { box: { x: x / width, y: y / height, width: w / width, height: h / height }, ...(yaw === undefined ? {} : { yaw }) };
      });
    },
    close() {
      faceapi.nets.tinyFaceDetector.dispose();
      faceapi.nets.faceLandmark68TinyNet.dispose();
    },
  };
  // On the main thread on WebGL, the shaders are compiled now, while the person reads the
  // face-check screen, without holding the page; a warm-up that fails leaves that to the first
  // look. (On the CPU backend a warm-up would hold the page; the worker warms by itself.)
  if (!inWorker && backend === 'webgl') await detector.warm().catch(() => undefined);
  return detector;
}
