/**
 * The face check behind the liveness prompts, pluggable: the browser's own `FaceDetector` (Shape
 * Detection API) where it works, else a small detector bundled with the package and loaded only
 * when asked for (`./bundled-face-detector.ts`: face-api's tiny face detector and its 68-point
 * tiny landmark model, weights served from our own origin, never from a model hub), else none,
 * and the flow falls back to timed prompts rather than blocking the user.
 */
import { mean, sourceSize, yawFromLandmarks } from './face-geometry.js';
import type { FaceDetectorLike, FaceObservation, Point } from './face-geometry.js';
import { loadWorkerFaceDetector } from './worker-face-detector.js';

/** Which detectors {@link loadFaceDetector} may use, and where the bundled one's model is. */
export interface LoadFaceDetectorOptions {
  /** Use the browser's `FaceDetector` when it works (default true). */
  native?: boolean;
  /** Load the bundled detector when there is no native one (default true). */
  bundled?: boolean;
  /**
   * Run the bundled detector in the face worker (`face-worker.js` in the model's folder) where the
   * page allows a worker (default true); else, or when it fails to start, on the main thread.
   */
  worker?: boolean;
  /**
   * Where the bundled model's files are (`tiny_face_detector_model*` and
   * `face_landmark_68_tiny_model*`), a folder URL ending in `/`. Default: `models/` next to this
   * module in the built package, where the build copies them from `@vladmandic/face-api/model/`.
   */
  modelBaseUrl?: string | URL;
}

/**
 * The best face detector this browser can run, or `undefined` when there is none (the flow then
 * times its prompts). Never rejects.
 */
export async function loadFaceDetector(options: LoadFaceDetectorOptions = {}): Promise<FaceDetectorLike | undefined> {
  if (options.native !== false) {
    const native = await loadNativeFaceDetector();
    if (native) return native;
  }
  if (options.bundled === false) return undefined;
  const modelBaseUrl = new URL(options.modelBaseUrl ?? defaultModelBaseUrl(), typeof location === 'undefined' ? undefined : location.href).href;
  if (options.worker !== false) {
    // Off the main thread: the worker's file sits beside the weights, the model's code inside it.
    const inWorker = await loadWorkerFaceDetector(new URL('face-worker.js', modelBaseUrl), modelBaseUrl);
    if (inWorker) return inWorker;
  }
  try {
    // A chunk of its own: the model's code is downloaded only by a phone that needs it.
    const { loadBundledFaceDetector } = await import('./bundled-face-detector.js');
    return await loadBundledFaceDetector(modelBaseUrl);
  } catch {
    return undefined;
  }
}

function defaultModelBaseUrl(): string {
  return new URL(/* @vite-ignore */ './models/', import.meta.url).href;
}

interface NativeDetectedFace {
  boundingBox: DOMRectReadOnly;
  landmarks?: Array<{ type: string; locations: Array<{ x: number; y: number }> }>;
}
interface NativeFaceDetector {
  detect(source: CanvasImageSource): Promise<NativeDetectedFace[]>;
}
type NativeFaceDetectorConstructor = new (options?: { fastMode?: boolean; maxDetectedFaces?: number }) => NativeFaceDetector;

/**
 * The Shape Detection API's `FaceDetector`, if this browser has one that actually works: Chrome
 * exposes the constructor on platforms without a detection service (Linux), where `detect()`
 * then fails, so one probe on a blank canvas decides.
 */
export async function loadNativeFaceDetector(): Promise<FaceDetectorLike | undefined> {
  const Constructor = (globalThis as { FaceDetector?: NativeFaceDetectorConstructor }).FaceDetector;
  if (typeof Constructor !== 'function' || typeof document === 'undefined') return undefined;
  try {
    const detector = new Constructor({ fastMode: true, maxDetectedFaces: 3 });
    const probe = document.createElement('canvas');
    probe.width = probe.height = 32;
    probe.getContext('2d')?.fillRect(0, 0, 32, 32);
    await detector.detect(probe);
    return {
      kind: 'native',
      offMainThread: false,
      async detect(source) {
        const { width, height } = sourceSize(source);
        if (!width || !height) return [];
        const faces = await detector.detect(source);
        return faces.map((face) => observationOfNative(face, width, height));
      },
    };
  } catch {
    return undefined;
  }
}

function observationOfNative(face: NativeDetectedFace, width: number, height: number): FaceObservation {
  const { x, y, width: w, height: h } = face.boundingBox;
  const observation: FaceObservation = { box: { x: x / width, y: y / height, width: w / width, height: h / height } };
  const eyes = (face.landmarks ?? []).filter((l) => l.type === 'eye').map((l) => mean(l.locations));
  const nose = face.landmarks?.find((l) => l.type === 'nose');
  if (eyes.length === 2 && nose && nose.locations.length) {
    const [a, b] = eyes as [Point, Point];
    observation.yaw = yawFromLandmarks(a.x <= b.x ? a : b, a.x <= b.x ? b : a, mean(nose.locations));
  }
  return observation;
}

