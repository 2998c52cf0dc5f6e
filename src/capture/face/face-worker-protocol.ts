/**
 * The messages between the page and the face worker (`face-worker.ts`). Types only: the worker
 * and the page's glue (`worker-face-detector.ts`) share them, nothing else.
 */
import type { FaceObservation } from './face-geometry.js';

/** Page → worker. */
export type ToFaceWorker =
  /** Load the models from `modelBaseUrl` and warm them; answered by `ready` or `failed`. */
  | { type: 'load'; modelBaseUrl: string }
  /** Find the faces of `frame` (transferred; the worker closes it); answered by `faces` or `error` with the same `id`. */
  | { type: 'detect'; id: number; frame: ImageBitmap };

/** Worker → page. */
export type FromFaceWorker =
  | { type: 'ready'; backend: string; loadMs: number; warmMs: number }
  | { type: 'failed'; message: string }
  | { type: 'faces'; id: number; faces: FaceObservation[]; ms: number }
  | { type: 'error'; id: number; message: string };
