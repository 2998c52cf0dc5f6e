/**
 * Opening a camera: `getUserMedia` at the resolution a step needs, once more without it when the
 * camera cannot meet it, raced against a deadline that waits longer while the browser is asking
 * the person for permission. A stream that arrives too late is stopped at once.
 */
import { isRetryable } from './camera-faults.js';

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
}

/**
 * `getUserMedia` for one run, retried once without resolution when the camera cannot meet it,
 * raced against the deadline. Rejects with {@link StaleRun} when the run ended first, else with
 * what `getUserMedia` rejected with.
 */
export async function openCamera(mediaDevices: MediaDevices, facingMode: FacingMode, options: OpenCameraOptions): Promise<MediaStream> {
  const { width, height } = RESOLUTION[facingMode];
  const withResolution: MediaStreamConstraints = {
    audio: false,
    video: { facingMode: { ideal: facingMode }, width: { ideal: width }, height: { ideal: height } },
  };
  const plain: MediaStreamConstraints = { audio: false, video: { facingMode: { ideal: facingMode } } };

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
