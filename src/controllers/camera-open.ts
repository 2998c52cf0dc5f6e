/**
 * Opening a camera: `getUserMedia` at the resolution a step needs, once more without it when the
 * camera cannot meet it, raced against a deadline that waits longer while the browser is asking
 * the person for permission. A stream that arrives too late is stopped at once.
 */
import { isRetryable } from './camera-faults.js';
import { camerasFacing, chooseDocumentCamera } from './camera-choice.js';
import type { CameraInfo } from './camera-choice.js';
import { deviceIdOf, listCameras } from './camera-devices.js';
import type { EncodeOptions } from './encode-image.js';

/** Timing and the user agent of a `CameraController`. */
export interface CameraControllerOptions {
  /**
   * How long `getUserMedia` may take once the camera permission is settled, in milliseconds
   * (default 10000). While the browser is still asking the user (Permissions API state
   * `prompt`), the wait is `promptTimeoutMs` instead, so a user reading the prompt is not shown
   * an error.
   */
  timeoutMs?: number;
  /** The longest wait while a permission prompt is open, in milliseconds (default 60000). */
  promptTimeoutMs?: number;
  /** The user agent to word messages for and to detect in-app browsers; default `navigator.userAgent`. */
  userAgent?: string;
}

/** How `CameraController.capture` encodes its still (the defaults: JPEG, 0.92, 1920 px wide at most). */
export type CaptureOptions = EncodeOptions;

/** The default longest wait for `getUserMedia` once the permission is settled, in milliseconds. */
export const DEFAULT_CAMERA_TIMEOUT_MS = 10_000;
/** The default longest wait while a camera permission prompt is open, in milliseconds. */
export const DEFAULT_PROMPT_TIMEOUT_MS = 60_000;

/** The rear camera (`environment`: documents) or the front one (`user`: selfies). */
export type FacingMode = 'environment' | 'user';

/** Thrown inside a run that was replaced or timed out: nothing to report. */
export class StaleRun extends Error {}

/**
 * Resolution asked for: as sharp as phones sensibly give for documents (1080p: enough for MRZ
 * and small print, and what every recent rear camera streams at), 720p for a selfie. `ideal`, so
 * a camera that cannot is given its best rather than failing.
 */
const RESOLUTION: Record<FacingMode, { width: number; height: number }> = {
  environment: { width: 1920, height: 1080 },
  user: { width: 1280, height: 720 },
};

/** How {@link openCamera} waits, and for whom. */
export interface OpenCameraOptions {
  /** Aborted when the run that asked is over: the wait ends with {@link StaleRun}. */
  signal: AbortSignal;
  /** The longest wait once the permission is settled, in milliseconds. */
  timeoutMs: number;
  /** The longest wait while a permission prompt is open, in milliseconds. */
  promptTimeoutMs: number;
  /** True once the run that asked was replaced: a stream arriving then is stopped. */
  isStale(): boolean;
  /** The deadline passed (the run reports `CAMERA_TIMEOUT`); the wait then ends with {@link StaleRun}. */
  onTimeout(): void;
  /** That camera exactly (a choice among several facing the same way), instead of any facing `facingMode`. */
  deviceId?: string;
}

/**
 * `getUserMedia` for one run, retried once without resolution when the camera cannot meet it,
 * raced against the deadline. Rejects with {@link StaleRun} when the run ended first, else with
 * what `getUserMedia` rejected with.
 */
export async function openCamera(mediaDevices: MediaDevices, facingMode: FacingMode, options: OpenCameraOptions): Promise<MediaStream> {
  const { width, height } = RESOLUTION[facingMode];
  const which: MediaTrackConstraints = options.deviceId ? { deviceId: { exact: options.deviceId } } : { facingMode: { ideal: facingMode } };
  const withResolution: MediaStreamConstraints = { audio: false, video: { ...which, width: { ideal: width }, height: { ideal: height } } };
  const plain: MediaStreamConstraints = { audio: false, video: which };

  const ask = async (constraints: MediaStreamConstraints): Promise<MediaStream> => {
    const stream = await mediaDevices.getUserMedia(constraints);
    if (options.signal.aborted || options.isStale()) {
      for (const track of stream.getTracks()) track.stop(); // late: the run timed out or was replaced while the camera opened
      throw new StaleRun();
    }
    return stream;
  };
  const open = async (): Promise<MediaStream> => {
    try {
      return await ask(withResolution);
    } catch (error) {
      if (error instanceof StaleRun || !isRetryable(error)) throw error;
      return ask(plain);
    }
  };

  const deadline = permissionAwareDeadline(options);
  try {
    return await Promise.race([open(), deadline.promise]);
  } finally {
    deadline.cancel();
  }
}

/** A live camera and the cameras facing its way (best for a document first). */
export interface OpenedCamera {
  stream: MediaStream;
  cameras: CameraInfo[];
}

/**
 * {@link openCamera}, then the cameras facing the same way (their labels are readable now); for
 * documents, when no `deviceId` was asked for and the browser gave another than the main camera
 * (camera-choice.ts), the main one instead, the first stream stopped before (many phones open one
 * camera at a time), and back to the browser's choice when the main one does not open.
 */
export async function openPreferred(mediaDevices: MediaDevices, facingMode: FacingMode, options: OpenCameraOptions): Promise<OpenedCamera> {
  const stream = await openCamera(mediaDevices, facingMode, options).catch((error: unknown) => {
    // The camera asked for is gone (unplugged, or ids changed): any camera facing that way.
    if (!options.deviceId || !isRetryable(error)) throw error;
    return openCamera(mediaDevices, facingMode, { ...options, deviceId: undefined });
  });
  const first = stream.getVideoTracks()[0];
  const all = await listCameras(mediaDevices, first);
  if (options.signal.aborted || options.isStale()) {
    for (const track of stream.getTracks()) track.stop();
    throw new StaleRun();
  }
  const cameras = camerasFacing(all, facingMode);
  const main = !options.deviceId && facingMode === 'environment' ? chooseDocumentCamera(all) : undefined;
  const firstId = deviceIdOf(first);
  if (!main || !firstId || main.deviceId === firstId) return { stream, cameras };
  for (const track of stream.getTracks()) track.stop();
  try {
    return { stream: await openCamera(mediaDevices, facingMode, { ...options, deviceId: main.deviceId }), cameras };
  } catch (error) {
    if (error instanceof StaleRun) throw error;
    return { stream: await openCamera(mediaDevices, facingMode, { ...options, deviceId: firstId }), cameras };
  }
}

/**
 * Rejects with {@link StaleRun} (after `onTimeout`) after `timeoutMs`, or after
 * `promptTimeoutMs` while the Permissions API says the browser is asking the user; once the user
 * answers, the ordinary wait starts over. Rejects at once when `signal` aborts.
 */
function permissionAwareDeadline(options: OpenCameraOptions): { promise: Promise<never>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let status: PermissionStatus | undefined;
  let settled = false;
  let rejectDeadline: (error: unknown) => void = () => {};
  const promise = new Promise<never>((_, reject) => {
    rejectDeadline = reject;
  });
  const arm = (ms: number): void => {
    if (settled) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (options.isStale()) return;
      options.onTimeout();
      rejectDeadline(new StaleRun());
    }, ms);
  };
  const onChange = (): void => {
    if (status?.state !== 'prompt') arm(options.timeoutMs);
  };
  arm(options.timeoutMs);
  options.signal.addEventListener('abort', () => rejectDeadline(new StaleRun()), { once: true });
  permissionState().then((result) => {
    if (settled || !result || result.state !== 'prompt') return;
    status = result;
    arm(options.promptTimeoutMs);
    result.addEventListener('change', onChange);
  });
  return {
    promise,
    cancel: () => {
      settled = true;
      clearTimeout(timer);
      status?.removeEventListener('change', onChange);
    },
  };
}

/** The camera permission's status, where the Permissions API knows it (not Firefox < 131). */
async function permissionState(): Promise<PermissionStatus | undefined> {
  try {
    return await navigator.permissions?.query({ name: 'camera' as PermissionName });
  } catch {
    return undefined;
  }
}
