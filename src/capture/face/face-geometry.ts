/**
 * What the face check works with, whatever detector is behind it: a face seen in a frame, the
 * detector's interface, and the geometry that turns eye and nose landmarks into the head's yaw.
 * Shared by the native and the bundled detector (which must not import the loader that loads it).
 */
/** The User Timing measure of each look at a face (`performance.getEntriesByName`); `detail.capture`: the face capture asked. */
export const DETECT_MEASURE = 'okid-face-detect';
/** The User Timing measure from the face-check screen (or the step) to the detector loaded and warm. */
export const READY_MEASURE = 'okid-face-ready';

/** One face in one frame. */
export interface FaceObservation {
  /** Bounding box, normalized 0..1 to the frame's width and height (x, y: top-left corner). */
  box: { x: number; y: number; width: number; height: number };
  /**
   * Head yaw in degrees when the detector can tell (it needs eyes and nose): 0 looking at the
   * camera, positive when the person turned to THEIR left (the nose moves to the right of an
   * unmirrored camera frame, which is what `getUserMedia` delivers; the mirroring of a selfie
   * view is CSS only). About ±30 at a clear turn.
   */
  yaw?: number;
}

/** A frame to look for faces in. */
export type FrameSource = HTMLVideoElement | HTMLCanvasElement | ImageBitmap;

/** A face detector the flow can use, whatever is behind it. */
export interface FaceDetectorLike {
  /** `native`: the browser's `FaceDetector`; `bundled`: our lazily loaded model. */
  readonly kind: 'native' | 'bundled';
  /**
   * True when detection runs off the page's main thread (the bundled model in the face worker):
   * the flow may then look as often as it likes; on the main thread it leaves time between looks.
   */
  readonly offMainThread: boolean;
  /** The faces in the frame `source` shows now, from an unmirrored frame. */
  detect(source: FrameSource): Promise<FaceObservation[]>;
  /** Frees the model (GPU memory for the bundled one). */
  close?(): void;
}

/** A pixel position in a frame. */
export interface Point {
  x: number;
  y: number;
}

/**
 * Nose depth in front of the eyes, as a share of the distance between the eyes (about 0.55 for
 * adults): the nose tip's sideways shift is depth × sin(yaw) while the eyes' distance shrinks by
 * cos(yaw), so yaw = atan(shift / (eye distance × NOSE_DEPTH)).
 */
const NOSE_DEPTH = 0.55;

/**
 * Head yaw in degrees from the eye on the left of the image, the eye on its right and the nose
 * tip, in the pixels of an unmirrored frame; positive when the person turned to their left.
 */
export function yawFromLandmarks(imageLeftEye: Point, imageRightEye: Point, noseTip: Point): number {
  const distance = Math.hypot(imageRightEye.x - imageLeftEye.x, imageRightEye.y - imageLeftEye.y);
  if (!distance) return 0;
  // The shift is measured along the eye line, so a tilted head (roll) does not read as a turn.
  const ux = (imageRightEye.x - imageLeftEye.x) / distance;
  const uy = (imageRightEye.y - imageLeftEye.y) / distance;
  const midX = (imageLeftEye.x + imageRightEye.x) / 2;
  const midY = (imageLeftEye.y + imageRightEye.y) / 2;
  const shift = (noseTip.x - midX) * ux + (noseTip.y - midY) * uy;
  return (Math.atan(shift / (distance * NOSE_DEPTH)) * 180) / Math.PI;
}

/** The centroid of `points` (the origin for none). */
export function mean(points: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / (points.length || 1), y: y / (points.length || 1) };
}

/** Pixel size of a frame source. */
export function sourceSize(source: FrameSource): { width: number; height: number } {
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) {
    return { width: source.videoWidth, height: source.videoHeight };
  }
  return { width: source.width, height: source.height };
}

