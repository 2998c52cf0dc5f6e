/**
 * The bundled face detector, in a chunk of its own, loaded by `loadFaceDetector()` only where the
 * browser has no working `FaceDetector`: face-api (`@vladmandic/face-api`, MIT, TensorFlow.js
 * inside) with its tiny face detector (190 KB of weights) and 68-point tiny landmark model
 * (75 KB), whose eyes and nose give the head's yaw. Weights are fetched from `modelBaseUrl`, our
 * own origin, never from a model hub.
 *
 * TensorFlow.js runs on WebGL where it can, else on its plain JavaScript CPU backend (slow: the
 * flow then samples fewer frames). Its WebAssembly backend is registered by the bundle but would
 * need `.wasm` files we do not ship, so it is never chosen.
 */
import * as faceapi from '@vladmandic/face-api';
import { mean, sourceSize, yawFromLandmarks } from './face-geometry.js';
import type { FaceDetectorLike, FaceObservation } from './face-geometry.js';

/** Input size of the tiny face detector: 224 finds a selfie-sized face; 160 missed faces in tests. */
const INPUT_SIZE = 224;
const SCORE_THRESHOLD = 0.4;

let backendReady: Promise<void> | undefined;

async function chooseBackend(): Promise<void> {
  for (const name of ['webgl', 'cpu']) {
    try {
      if (await faceapi.tf.setBackend(name)) break;
    } catch {
      // not available here: try the next
    }
  }
  await faceapi.tf.ready();
}

/** Loads the two models from `modelBaseUrl` (a folder URL ending in `/`) and returns the detector. */
export async function loadBundledFaceDetector(modelBaseUrl: string | URL): Promise<FaceDetectorLike> {
  backendReady ??= chooseBackend();
  await backendReady;
  const base = String(modelBaseUrl);
  await Promise.all([
    faceapi.nets.tinyFaceDetector.isLoaded ? undefined : faceapi.nets.tinyFaceDetector.loadFromUri(base),
    faceapi.nets.faceLandmark68TinyNet.isLoaded ? undefined : faceapi.nets.faceLandmark68TinyNet.loadFromUri(base),
  ]);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: INPUT_SIZE, scoreThreshold: SCORE_THRESHOLD });
  let canvas: HTMLCanvasElement | undefined;

  return {
    kind: 'bundled',
    async detect(source) {
      const { width, height } = sourceSize(source);
      if (!width || !height) return [];
      let input: HTMLVideoElement | HTMLCanvasElement;
      if (source instanceof HTMLVideoElement || source instanceof HTMLCanvasElement) {
        input = source;
      } else {
        // face-api takes no ImageBitmap: draw it on a canvas kept for the next frames.
        canvas ??= document.createElement('canvas');
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
