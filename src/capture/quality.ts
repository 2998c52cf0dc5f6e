/**
 * Frame quality checks for the document camera: is this frame sharp, free of glare and well
 * exposed enough to capture? Runs on every preview frame, so it works on a downscaled copy
 * (see {@link FrameSampler}) and makes one pass over the pixels for luma, brightness and
 * glare, then one pass over luma for the Laplacian, reusing its buffers between frames.
 *
 * Browser code: no DOM beyond a canvas, no Lit, nothing from the server side.
 */
import type { CaptureStrings } from '../i18n/en-capture.js';

/** What {@link measureFrame} sees in a frame. */
export interface FrameMetrics {
  /**
   * Variance of the 4-neighbour Laplacian of luma (0..255 luma units, squared). Depends on the
   * frame's scale: {@link DEFAULT_THRESHOLDS} are tuned on frames {@link FrameSampler}
   * downscaled to 320 px wide.
   */
  sharpness: number;
  /** Share (0..1) of pixels whose luma is at least {@link GLARE_LUMA}: blown-out highlights. */
  glare: number;
  /** Mean luma, 0..255. */
  brightness: number;
}

/**
 * What to tell the user about a frame; `ok` means it is good to capture. The keys of the English
 * `advice` words, so no advice can exist without words for it.
 */
export type FrameAdvice = keyof CaptureStrings['advice'];

/** The limits {@link adviseFrame} holds {@link FrameMetrics} to. */
export interface QualityThresholds {
  /** Below this Laplacian variance the frame is `blurry`. */
  minSharpness: number;
  /** Above this share of saturated pixels the frame has `glare`. */
  maxGlare: number;
  /** Below this mean luma the frame is `too_dark`. */
  minBrightness: number;
  /** Above this mean luma the frame is `too_bright`. */
  maxBrightness: number;
}

/** Luma (0..255) at and above which a pixel counts as glare. */
export const GLARE_LUMA = 250;

/**
 * Tuned on 320 px wide samples of a 1280×720 frame of a document-like card on a dark table
 * (test/unit/quality.test.ts). In the card's area a sharp card measures a Laplacian variance
 * of about 12,600 and the same card blurred by 3 px about 370 (2 px: about 1,450); a glare spot
 * covering 4% of the card is flagged while a white card under even light (mean luma 193) is
 * neither glare nor too bright; a quarter of the light (mean luma 46) is too dark. Real camera
 * frames have less contrast than drawn ones, and the Laplacian's variance falls with the square
 * of contrast, so `minSharpness` sits nearer the blurred side.
 */
export const DEFAULT_THRESHOLDS: QualityThresholds = Object.freeze({
  minSharpness: 800,
  maxGlare: 0.015,
  minBrightness: 60,
  maxBrightness: 230,
});

/** A rectangle in pixels of the measured image. */
export interface FrameRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pixels as `ImageData` holds them: RGBA, row-major, 4 bytes a pixel. */
export interface FramePixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Luma of the measured region, reused across frames: grows, never shrinks. */
let lumaBuffer = new Uint8Array(0);

/**
 * Measures sharpness, glare and brightness of `image`, or of `region` of it (the document frame
 * overlay, in pixels of `image`; clamped to the image). Synchronous and allocation-free once the
 * luma buffer has grown to the region's size.
 */
export function measureFrame(image: FramePixels, region?: FrameRegion): FrameMetrics {
  const x0 = clamp(Math.round(region?.x ?? 0), 0, image.width);
  const y0 = clamp(Math.round(region?.y ?? 0), 0, image.height);
  const x1 = clamp(Math.round(region ? region.x + region.width : image.width), x0, image.width);
  const y1 = clamp(Math.round(region ? region.y + region.height : image.height), y0, image.height);
  const w = x1 - x0;
  const h = y1 - y0;
  const count = w * h;
  if (count === 0) return { sharpness: 0, glare: 0, brightness: 0 };
  if (lumaBuffer.length < count) lumaBuffer = new Uint8Array(count);
  const luma = lumaBuffer;
  const data = image.data;
  const stride = image.width * 4;

  // Pass 1 over the pixels: BT.601 luma in fixed point, its sum, and the saturated ones.
  let sum = 0;
  let saturated = 0;
  let out = 0;
  for (let y = y0; y < y1; y++) {
    let i = y * stride + x0 * 4;
    for (let x = 0; x < w; x++, i += 4) {
      const l = (77 * data[i]! + 150 * data[i + 1]! + 29 * data[i + 2]! + 128) >> 8;
      luma[out++] = l;
      sum += l;
      if (l >= GLARE_LUMA) saturated++;
    }
  }

  // Pass 2 over luma: the Laplacian's variance over interior pixels.
  let lapSum = 0;
  let lapSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    const end = y * w + w - 1;
    for (; i < end; i++) {
      const lap = 4 * luma[i]! - luma[i - 1]! - luma[i + 1]! - luma[i - w]! - luma[i + w]!;
      lapSum += lap;
      lapSq += lap * lap;
    }
    n += w - 2;
  }
  const mean = n > 0 ? lapSum / n : 0;
  const sharpness = n > 0 ? lapSq / n - mean * mean : 0;
  return { sharpness, glare: saturated / count, brightness: sum / count };
}

/**
 * The one thing to tell the user, checked in the order that fixes the most first: `too_dark`,
 * `too_bright`, `glare`, `blurry`, then `ok`. Exposure comes first because it also spoils the
 * other two measures.
 */
export function adviseFrame(metrics: FrameMetrics, thresholds: QualityThresholds = DEFAULT_THRESHOLDS): FrameAdvice {
  if (metrics.brightness < thresholds.minBrightness) return 'too_dark';
  if (metrics.brightness > thresholds.maxBrightness) return 'too_bright';
  if (metrics.glare > thresholds.maxGlare) return 'glare';
  if (metrics.sharpness < thresholds.minSharpness) return 'blurry';
  return 'ok';
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Downscales camera frames into one reused canvas (an `OffscreenCanvas` where there is one,
 * else a detached `<canvas>`), `targetWidth` pixels wide with the source's aspect ratio, and
 * reads them back. The context is created with `willReadFrequently` so that reads stay on the
 * CPU instead of syncing a GPU surface on every frame.
 */
export class FrameSampler {
  readonly targetWidth: number;
  #canvas: OffscreenCanvas | HTMLCanvasElement | undefined;
  #context: Context2D | undefined;

  /** @param targetWidth width of the sampled frames in pixels (default 320). */
  constructor(targetWidth = 320) {
    if (!(targetWidth >= 1)) throw new RangeError(`FrameSampler: targetWidth must be at least 1, got ${targetWidth}`);
    this.targetWidth = Math.round(targetWidth);
  }

  /**
   * Draws `source` (a video, image or canvas of `sourceWidth`×`sourceHeight` pixels, e.g. a
   * `<video>`'s `videoWidth`/`videoHeight`) scaled to `targetWidth` wide and returns its pixels.
   * The returned `ImageData` is new on each call (the canvas API has no read into an existing
   * buffer); everything else is reused.
   */
  sample(source: CanvasImageSource, sourceWidth: number, sourceHeight: number): ImageData {
    if (!(sourceWidth > 0 && sourceHeight > 0)) throw new RangeError(`FrameSampler: empty source ${sourceWidth}×${sourceHeight}`);
    const width = this.targetWidth;
    const height = Math.max(1, Math.round((width * sourceHeight) / sourceWidth));
    const context = this.#contextFor(width, height);
    context.drawImage(source, 0, 0, sourceWidth, sourceHeight, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  }

  #contextFor(width: number, height: number): Context2D {
    if (!this.#canvas || !this.#context) {
      this.#canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : document.createElement('canvas');
      this.#canvas.width = width;
      this.#canvas.height = height;
      const context = this.#canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as Context2D | null;
      if (!context) throw new Error('FrameSampler: no 2D canvas context in this browser');
      this.#context = context;
    } else if (this.#canvas.width !== width || this.#canvas.height !== height) {
      // Resizing reallocates the backing store, so only when the camera's aspect ratio changes.
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    return this.#context;
  }
}

/**
 * The auto-capture trigger: opens once frames have been advised `ok` continuously for `holdMs`,
 * and closes on the first frame that is not. Time comes from the caller (`now`, in ms, e.g.
 * `performance.now()` or a `requestVideoFrameCallback` timestamp), which keeps it testable.
 */
export class SteadyGate {
  readonly holdMs: number;
  #okSince: number | undefined;

  /** @param holdMs how long, in ms, the frame must stay `ok` (default 800). */
  constructor(holdMs = 800) {
    this.holdMs = holdMs;
  }

  /** Feeds one frame's advice; true while the frame has been `ok` for at least `holdMs`. */
  update(advice: FrameAdvice, now: number): boolean {
    if (advice !== 'ok') {
      this.#okSince = undefined;
      return false;
    }
    // A clock that went backwards (a new time origin) restarts the hold instead of opening early.
    if (this.#okSince === undefined || now < this.#okSince) this.#okSince = now;
    return now - this.#okSince >= this.holdMs;
  }

  /** Forgets the current streak, e.g. after a capture or when the camera restarts. */
  reset(): void {
    this.#okSince = undefined;
  }
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
