// The part of @vladmandic/face-api that bundled-face-detector.ts uses. Declared here because the
// package's own declarations lean on @tensorflow/tfjs-core's, which it does not install (and
// `tf.setBackend` then has no type), and so that the typecheck holds on a checkout where the
// optional detector is not installed.
declare module '@vladmandic/face-api' {
  interface Net {
    readonly isLoaded: boolean;
    /** Fetches `{name}-weights_manifest.json` and its shards from the folder `uri`. */
    loadFromUri(uri: string): Promise<void>;
    dispose(): void;
    /** The network's raw output for one input (a tensor; see `warmWithoutBlocking` and `landmarksWithoutBlocking`). */
    forward(input: HTMLCanvasElement, inputSize?: number): Promise<unknown>;
    /** {@link forward} on an input already converted, synchronously (a tensor). */
    forwardInput(input: NetInput, inputSize?: number): unknown;
    /** The weights, each a tensor. */
    getParamList(): Array<{ path: string; tensor: { dataId: unknown } }>;
  }
  interface LandmarkNet extends Net {
    /** The 68 landmarks of a face image (a canvas holding one face). */
    detectLandmarks(input: HTMLCanvasElement): Promise<unknown>;
  }
  /** An image as a network takes it (made into a tensor when a network runs on it). */
  interface NetInput {
    readonly batchSize: number;
  }
  /** Waits for `input` to be loaded and wraps it for {@link Net.forwardInput}. */
  export function toNetInput(input: HTMLCanvasElement): Promise<NetInput>;
  export const nets: { tinyFaceDetector: Net; faceLandmark68TinyNet: LandmarkNet };
  /** face-api's view of its DOM: set by hand where it finds none (a worker). */
  export const env: {
    setEnv(environment: {
      Canvas: unknown;
      CanvasRenderingContext2D: unknown;
      Image: unknown;
      ImageData: unknown;
      Video: unknown;
      createCanvasElement(): unknown;
      createImageElement(): unknown;
      createVideoElement(): unknown;
      fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
      readFile(): unknown;
    }): void;
  };
  export const tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    backend(): unknown;
    env(): { set(flag: string, value: boolean): void; get(flag: string): unknown };
    dispose(tensors: unknown[]): void;
  };
  export class TinyFaceDetectorOptions {
    constructor(options?: { inputSize?: number; scoreThreshold?: number });
  }
  export interface Detection {
    box: { x: number; y: number; width: number; height: number };
    score: number;
  }
  interface WithLandmarks {
    detection: Detection;
    landmarks: { positions: Array<{ x: number; y: number }> };
  }
  /** Each detection's face, cut from `input` on a canvas of its own (clipped to the image). */
  export function extractFaces(input: HTMLVideoElement | HTMLCanvasElement, detections: Detection[]): Promise<HTMLCanvasElement[]>;
  export function detectAllFaces(
    input: HTMLVideoElement | HTMLCanvasElement | HTMLImageElement,
    options: TinyFaceDetectorOptions,
  ): { withFaceLandmarks(useTinyLandmarkNet: true): Promise<WithLandmarks[]> } & PromiseLike<Array<Detection>>;
}
