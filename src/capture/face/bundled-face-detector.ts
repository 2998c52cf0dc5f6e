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
import type { FaceDetectorLike, FaceObservation, FrameSource } from './face-geometry.js';

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

  return {
    kind: 'bundled',
    offMainThread: inWorker,
    backend,
    async warm() {
      const blank = newCanvas();
      blank.width = blank.height = INPUT_SIZE;
      const context = blank.getContext('2d')!;
      context.fillStyle = '#808080';
      context.fillRect(0, 0, INPUT_SIZE, INPUT_SIZE);
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
      const faces = await faceapi.detectAllFaces(input, options).withFaceLandmarks(true);
      return faces.map(({ detection, landmarks }): FaceObservation => {
        const { x, y, width: w, height: h } = detection.box;
        const points = landmarks.positions;
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
}
