/**
 * Owns the phone's camera for the capture flow: opens the rear camera for documents or the
 * front camera for selfies, shows it in `<video>` elements, grabs stills, and stops every
 * `MediaStreamTrack` on every way out — `stop()`, a new `start()`, the host leaving the DOM, the
 * tab being hidden (restarted with the same camera when it is visible again), a track that ends
 * by itself, and a `getUserMedia` that answers after we gave up on it.
 *
 * Each `start()` is a run with its own id and `AbortController` (as lit's Task does): whatever a
 * replaced run receives later is stopped at once and never shown.
 *
 * Faults carry a plain-English message that says what to do in the browser at hand (Chrome,
 * Safari on iOS, Samsung Internet, Firefox, Edge, in-app browsers); the capture flow words the
 * same message in the page's language with `cameraFaultMessage(…, words)`.
 *
 * In-app browsers (Instagram, Facebook, TikTok…): we still try the camera first, because some of
 * them (Android WebViews of recent apps, iOS 14.3+ WKWebViews that opted in) do grant it, and
 * sending those users away would only cost them. When the camera fails there, the fault is
 * `IN_APP_BROWSER`, whatever the browser's reason was, because "open this page in your browser"
 * is the one advice that works; its message names the app and how to open the page outside it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { captureEn } from '../i18n/en-capture.js';
import { CameraFault, cameraFaultMessage, detectInAppBrowser, faultCodeOf, isRetryable } from './camera-faults.js';
import type { CameraFaultDetail } from './camera-faults.js';
import { encodeImage } from './encode-image.js';
import type { EncodeOptions } from './encode-image.js';

export { CameraFault, allowHelpKey, cameraFaultMessage, detectInAppBrowser, isIos } from './camera-faults.js';
export type { CameraFaultDetail, CameraFaultWords } from './camera-faults.js';

export const CameraState = {
  Idle: 'idle',
  Starting: 'starting',
  Live: 'live',
  /** Stopped because the tab is hidden; restarts with the same camera when it is visible. */
  Paused: 'paused',
  Error: 'error',
} as const;
export type CameraState = (typeof CameraState)[keyof typeof CameraState];

export type FacingMode = 'environment' | 'user';


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

/** How {@link CameraController.capture} encodes its still (the defaults: JPEG, 0.92, 1920 px wide at most). */
export type CaptureOptions = EncodeOptions;

export const DEFAULT_CAMERA_TIMEOUT_MS = 10_000;
export const DEFAULT_PROMPT_TIMEOUT_MS = 60_000;

/**
 * Resolution asked for: as sharp as phones sensibly give for documents (1080p: enough for MRZ
 * and small print, and what every recent rear camera streams at), 720p for a selfie. `ideal`, so
 * a camera that cannot is given its best rather than failing.
 */
const RESOLUTION: Record<FacingMode, { width: number; height: number }> = {
  environment: { width: 1920, height: 1080 },
  user: { width: 1280, height: 720 },
};


/** Thrown inside a run that was replaced or timed out: nothing to report. */
class StaleRun extends Error {}

interface Run {
  id: number;
  abort: AbortController;
}

export class CameraController implements ReactiveController {
  state: CameraState = CameraState.Idle;
  fault?: CameraFaultDetail;
  stream?: MediaStream;
  /** The camera asked for by the last `start()`; kept while paused, to restart the same one. */
  facingMode?: FacingMode;
  /** The app whose built-in browser this is, if any (see the module comment). */
  readonly inAppBrowser?: string;

  private readonly timeoutMs: number;
  private readonly promptTimeoutMs: number;
  /** The user agent that messages are worded for. */
  readonly userAgent: string;
  private readonly videos = new Set<HTMLVideoElement>();
  private runId = 0;
  private run?: Run;
  private connected = false;
  /** The camera to reopen when the host comes back into the DOM (moved, not removed). */
  private resumeOnConnect?: FacingMode;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: CameraControllerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CAMERA_TIMEOUT_MS;
    this.promptTimeoutMs = options.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? (typeof navigator === 'undefined' ? '' : navigator.userAgent);
    this.inAppBrowser = detectInAppBrowser(this.userAgent);
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    document.addEventListener('visibilitychange', this.handleVisibilityChange);
    const resume = this.resumeOnConnect;
    this.resumeOnConnect = undefined;
    if (resume) void this.start(resume);
  }

  hostDisconnected(): void {
    this.connected = false;
    document.removeEventListener('visibilitychange', this.handleVisibilityChange);
    const wasOn = this.state === CameraState.Live || this.state === CameraState.Starting || this.state === CameraState.Paused;
    this.resumeOnConnect = wasOn ? this.facingMode : undefined;
    this.stop();
  }

  /**
   * Opens the rear (`environment`, ideal 1920×1080) or front (`user`, ideal 1280×720) camera,
   * after stopping any previous stream. Resolves when the camera is live or has failed (see
   * `state` and `fault`); never rejects.
   */
  async start(facingMode: FacingMode): Promise<void> {
    this.halt();
    this.facingMode = facingMode;
    this.fault = undefined;
    const run: Run = { id: ++this.runId, abort: new AbortController() };
    this.run = run;

    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      // A camera opened in a hidden tab would be stopped at once; wait until it is seen.
      this.setState(CameraState.Paused);
      return;
    }
    const mediaDevices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (typeof mediaDevices?.getUserMedia !== 'function') {
      const code = this.inAppBrowser
        ? CameraFault.InAppBrowser
        : globalThis.isSecureContext === false
          ? CameraFault.InsecureContext
          : CameraFault.UnsupportedBrowser;
      this.fail(run, code);
      return;
    }
    this.setState(CameraState.Starting);

    let stream: MediaStream;
    try {
      stream = await this.openWithDeadline(run, mediaDevices, facingMode);
    } catch (error) {
      if (error instanceof StaleRun) return;
      this.fail(run, this.inAppBrowser ? CameraFault.InAppBrowser : faultCodeOf(error));
      return;
    }
    this.stream = stream;
    for (const track of stream.getTracks()) track.addEventListener('ended', this.handleTrackEnded);
    for (const video of this.videos) this.show(video, stream);
    this.setState(CameraState.Live);
  }

  /** Stops every track and forgets the stream. Safe to call in any state, any number of times. */
  stop(): void {
    this.halt();
    this.facingMode = undefined;
    this.fault = undefined;
    this.setState(CameraState.Idle);
  }

  /**
   * Shows the camera in `video` (muted and inline, as iOS requires to play without a tap), now
   * and after every restart, until `detach(video)` or `stop()`.
   */
  attach(video: HTMLVideoElement): void {
    this.videos.add(video);
    video.muted = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.autoplay = true;
    if (this.stream) this.show(video, this.stream);
  }

  /** Stops showing the camera in `video` (or in every attached video) and clears its `srcObject`. */
  detach(video?: HTMLVideoElement): void {
    const videos = video ? [video] : [...this.videos];
    for (const v of videos) {
      this.videos.delete(v);
      this.blank(v);
    }
  }

  /**
   * A still of the frame `video` shows now, at the camera's full resolution scaled down to
   * `maxWidth` at most (default 1920), as a JPEG (quality 0.92 by default). Rejects when the
   * video has no frame yet.
   */
  async capture(video: HTMLVideoElement, options: CaptureOptions = {}): Promise<Blob> {
    const sourceWidth = video.videoWidth;
    const sourceHeight = video.videoHeight;
    if (!sourceWidth || !sourceHeight || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
      throw new Error('The camera has no picture yet.');
    }
    return encodeImage(video, sourceWidth, sourceHeight, options);
  }

  private readonly handleVisibilityChange = (): void => {
    if (document.visibilityState === 'hidden') {
      if (this.state === CameraState.Live || this.state === CameraState.Starting) {
        // Stop the tracks, keep the facing mode: the camera light goes off while away.
        this.halt();
        this.setState(CameraState.Paused);
      }
    } else if (this.state === CameraState.Paused && this.facingMode && this.connected) {
      void this.start(this.facingMode);
    }
  };

  private readonly handleTrackEnded = (event: Event): void => {
    const stream = this.stream;
    if (!stream || !stream.getTracks().includes(event.target as MediaStreamTrack)) return;
    // The system took the camera (a call, another app, a revoked permission, a device unplugged).
    if (document.visibilityState === 'hidden') {
      this.halt();
      this.setState(CameraState.Paused);
    } else if (this.run) {
      this.fail(this.run, CameraFault.Unavailable, true);
    }
  };

  /**
   * `getUserMedia` for this run, retried once without resolution when the camera cannot meet
   * it, raced against the deadline. A stream that arrives for a replaced or timed-out run is
   * stopped at once.
   */
  private async openWithDeadline(run: Run, mediaDevices: MediaDevices, facingMode: FacingMode): Promise<MediaStream> {
    const { width, height } = RESOLUTION[facingMode];
    const withResolution: MediaStreamConstraints = {
      audio: false,
      video: { facingMode: { ideal: facingMode }, width: { ideal: width }, height: { ideal: height } },
    };
    const plain: MediaStreamConstraints = { audio: false, video: { facingMode: { ideal: facingMode } } };

    const ask = async (constraints: MediaStreamConstraints): Promise<MediaStream> => {
      const stream = await mediaDevices.getUserMedia(constraints);
      if (run.abort.signal.aborted || this.run !== run) {
        stopStream(stream); // late: the run timed out or was replaced while the camera opened
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

    const deadline = this.deadline(run);
    try {
      return await Promise.race([open(), deadline.promise]);
    } finally {
      deadline.cancel();
    }
  }

  /**
   * Rejects with `CAMERA_TIMEOUT` (and aborts the run) after `timeoutMs`, or after
   * `promptTimeoutMs` while the Permissions API says the browser is asking the user; once the
   * user answers, the ordinary wait starts over.
   */
  private deadline(run: Run): { promise: Promise<never>; cancel(): void } {
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
        if (this.run !== run) return;
        run.abort.abort();
        this.fail(run, CameraFault.Timeout);
        rejectDeadline(new StaleRun());
      }, ms);
    };
    const onChange = (): void => {
      if (status?.state !== 'prompt') arm(this.timeoutMs);
    };
    arm(this.timeoutMs);
    run.abort.signal.addEventListener('abort', () => rejectDeadline(new StaleRun()), { once: true });
    permissionState().then((result) => {
      if (settled || !result || result.state !== 'prompt') return;
      status = result;
      arm(this.promptTimeoutMs);
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

  private fail(run: Run, code: CameraFault, stopped = false): void {
    if (this.run !== run) return;
    this.halt();
    this.fault = stopped
      ? { code, message: captureEn.cameraFaults.stopped, stopped }
      : { code, message: cameraFaultMessage(code, this.userAgent, this.inAppBrowser) };
    this.setState(CameraState.Error);
  }

  /** Ends the current run and every track it opened; leaves state and facing mode to the caller. */
  private halt(): void {
    this.run?.abort.abort();
    this.run = undefined;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      for (const track of stream.getTracks()) track.removeEventListener('ended', this.handleTrackEnded);
      stopStream(stream);
    }
    for (const video of this.videos) this.blank(video);
  }

  private show(video: HTMLVideoElement, stream: MediaStream): void {
    if (video.srcObject !== stream) video.srcObject = stream;
    // play() rejects when interrupted by a new srcObject or without a gesture on old browsers;
    // autoplay (muted, inline) covers the latter.
    video.play().catch(() => undefined);
  }

  private blank(video: HTMLVideoElement): void {
    if (video.srcObject) {
      video.pause();
      video.srcObject = null;
    }
  }

  private setState(state: CameraState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}

/** The camera permission's status, where the Permissions API knows it (not Firefox < 131). */
async function permissionState(): Promise<PermissionStatus | undefined> {
  try {
    return await navigator.permissions?.query({ name: 'camera' as PermissionName });
  } catch {
    return undefined;
  }
}

function stopStream(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
