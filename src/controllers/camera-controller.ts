/**
 * Owns the phone's camera for the capture flow: opens the rear camera for documents (the main
 * one where there are several: camera-choice.ts) or the front camera for selfies, switches
 * between cameras facing the same way, lights the torch, shows the camera in `<video>` elements,
 * grabs stills, and stops every `MediaStreamTrack` on every way out — `stop()`, a new `start()`,
 * the host leaving the DOM, the tab being hidden (restarted with the same camera when visible), a
 * track that ends by itself, and a `getUserMedia` that answers after we gave up on it.
 *
 * Each `start()` is a run with its own id and `AbortController` (as lit's Task does): whatever a
 * replaced run receives later is stopped at once and never shown.
 *
 * Faults carry a plain-English message for the browser at hand (camera-faults.ts); the capture
 * flow words it in the page's language with `cameraFaultMessage(…, words)`. In-app browsers
 * (Instagram, Facebook, TikTok…) still get the camera tried first, as some grant it; when it
 * fails there the fault is `IN_APP_BROWSER`, because "open this page in your browser" is the one
 * advice that works.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { captureEn } from '../i18n/en-capture.js';
import { CameraFault, cameraFaultMessage, detectInAppBrowser, faultCodeOf } from './camera-faults.js';
import type { CameraFaultDetail } from './camera-faults.js';
import { DEFAULT_CAMERA_TIMEOUT_MS, DEFAULT_PROMPT_TIMEOUT_MS, StaleRun, openPreferred } from './camera-open.js';
import type { CameraControllerOptions, FacingMode } from './camera-open.js';
import type { CameraInfo } from './camera-choice.js';
import { applyTorch, deviceIdOf, hasTorch } from './camera-devices.js';
import { encodeImage } from './encode-image.js';
import type { EncodeOptions } from './encode-image.js';

export { CameraFault, allowHelpKey, cameraFaultMessage, detectInAppBrowser, isIos } from './camera-faults.js';
export type { CameraFaultDetail, CameraFaultWords } from './camera-faults.js';
export { DEFAULT_CAMERA_TIMEOUT_MS, DEFAULT_PROMPT_TIMEOUT_MS } from './camera-open.js';
export type { CameraControllerOptions, CaptureOptions, FacingMode } from './camera-open.js';

/** Where the camera is: off, opening, live, paused while the tab is hidden, or failed (see `fault`). */
export const CameraState = {
  Idle: 'idle',
  Starting: 'starting',
  Live: 'live',
  /** Stopped because the tab is hidden; restarts with the same camera when it is visible. */
  Paused: 'paused',
  Error: 'error',
} as const;
export type CameraState = (typeof CameraState)[keyof typeof CameraState];

interface Run {
  id: number;
  abort: AbortController;
}

/** The phone's camera for the capture flow (see the module comment); one per host. */
export class CameraController implements ReactiveController {
  state: CameraState = CameraState.Idle;
  fault?: CameraFaultDetail;
  stream?: MediaStream;
  /** The camera asked for by the last `start()`; kept while paused, to restart the same one. */
  facingMode?: FacingMode;
  /**
   * The cameras facing the way of the last `start()`, best for a document first: more than one
   * offers **Switch camera** (see {@link switchCamera}). Known once a camera was live.
   */
  cameras: CameraInfo[] = [];
  /** The live track can light its torch (offer **Light**, see {@link setTorch}); `torchOn` while lit. */
  torch = false;
  torchOn = false;
  /** The app whose built-in browser this is, if any (see the module comment). */
  readonly inAppBrowser?: string;

  readonly #timeoutMs: number;
  readonly #promptTimeoutMs: number;
  /** The user agent that messages are worded for. */
  readonly userAgent: string;
  readonly #videos = new Set<HTMLVideoElement>();
  #runId = 0;
  #run?: Run;
  #connected = false;
  /** The camera to reopen when the host comes back into the DOM (moved, not removed). */
  #resumeOnConnect?: FacingMode;
  /** The camera chosen (or switched to) for `facingMode`, reopened after a pause. */
  #deviceId?: string;

  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost, options: CameraControllerOptions = {}) {
    this.#host = host;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CAMERA_TIMEOUT_MS;
    this.#promptTimeoutMs = options.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? (typeof navigator === 'undefined' ? '' : navigator.userAgent);
    this.inAppBrowser = detectInAppBrowser(this.userAgent);
    host.addController(this);
  }

  hostConnected(): void {
    this.#connected = true;
    document.addEventListener('visibilitychange', this.#handleVisibilityChange);
    const resume = this.#resumeOnConnect;
    this.#resumeOnConnect = undefined;
    if (resume) void this.start(resume, this.#deviceId);
  }

  hostDisconnected(): void {
    this.#connected = false;
    document.removeEventListener('visibilitychange', this.#handleVisibilityChange);
    const wasOn = this.state === CameraState.Live || this.state === CameraState.Starting || this.state === CameraState.Paused;
    this.#resumeOnConnect = wasOn ? this.facingMode : undefined;
    this.stop();
  }

  /**
   * Opens the rear (`environment`, ideal 1920×1080) or front (`user`, ideal 1280×720) camera,
   * after stopping any previous stream: `deviceId`, else the one the browser gives for that
   * facing, replaced by the main camera when several face back (camera-choice.ts). Resolves
   * when the camera is live or has failed (see `state` and `fault`); never rejects.
   */
  async start(facingMode: FacingMode, deviceId?: string): Promise<void> {
    this.#halt();
    if (facingMode !== this.facingMode) this.cameras = [];
    this.facingMode = facingMode;
    this.#deviceId = deviceId;
    this.fault = undefined;
    const run: Run = { id: ++this.#runId, abort: new AbortController() };
    this.#run = run;

    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      // A camera opened in a hidden tab would be stopped at once; wait until it is seen.
      this.#setState(CameraState.Paused);
      return;
    }
    const mediaDevices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (typeof mediaDevices?.getUserMedia !== 'function') {
      const code = this.inAppBrowser
        ? CameraFault.InAppBrowser
        : globalThis.isSecureContext === false
          ? CameraFault.InsecureContext
          : CameraFault.UnsupportedBrowser;
      this.#fail(run, code);
      return;
    }
    this.#setState(CameraState.Starting);

    let stream: MediaStream;
    try {
      ({ stream, cameras: this.cameras } = await openPreferred(mediaDevices, facingMode, {
        deviceId,
        signal: run.abort.signal,
        timeoutMs: this.#timeoutMs,
        promptTimeoutMs: this.#promptTimeoutMs,
        isStale: () => this.#run !== run,
        onTimeout: () => {
          if (this.#run !== run) return;
          run.abort.abort();
          this.#fail(run, CameraFault.Timeout);
        },
      }));
    } catch (error) {
      if (error instanceof StaleRun) return;
      this.#fail(run, this.inAppBrowser ? CameraFault.InAppBrowser : faultCodeOf(error));
      return;
    }
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    this.#deviceId = deviceIdOf(track) ?? deviceId;
    this.torch = hasTorch(track);
    for (const track of stream.getTracks()) track.addEventListener('ended', this.#handleTrackEnded);
    for (const video of this.#videos) this.#show(video, stream);
    this.#setState(CameraState.Live);
  }

  /**
   * The next camera facing the same way (**Switch camera**), the old one's tracks stopped first;
   * nothing with one camera.
   */
  switchCamera(): Promise<void> {
    const facing = this.facingMode;
    if (!facing || this.cameras.length < 2) return Promise.resolve();
    const at = this.cameras.findIndex((camera) => camera.deviceId === this.#deviceId);
    return this.start(facing, this.cameras[(at + 1) % this.cameras.length]!.deviceId);
  }

  /** Lights the torch of the live track (or puts it out), where it has one (`torch`). */
  async setTorch(on: boolean): Promise<void> {
    const track = this.stream?.getVideoTracks()[0];
    if (!track || !this.torch) return;
    if (await applyTorch(track, on)) this.torchOn = on && this.stream?.getVideoTracks()[0] === track;
    this.#host.requestUpdate();
  }

  /** Stops every track and forgets the stream. Safe to call in any state, any number of times. */
  stop(): void {
    this.#halt();
    this.facingMode = undefined;
    this.#deviceId = undefined;
    this.cameras = [];
    this.fault = undefined;
    this.#setState(CameraState.Idle);
  }

  /**
   * Shows the camera in `video` (muted and inline, as iOS requires to play without a tap), now
   * and after every restart, until `detach(video)` or `stop()`.
   */
  attach(video: HTMLVideoElement): void {
    this.#videos.add(video);
    video.muted = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.autoplay = true;
    if (this.stream) this.#show(video, this.stream);
  }

  /** Stops showing the camera in `video` (or in every attached video) and clears its `srcObject`. */
  detach(video?: HTMLVideoElement): void {
    const videos = video ? [video] : [...this.#videos];
    for (const v of videos) {
      this.#videos.delete(v);
      this.#blank(v);
    }
  }

  /**
   * A still of the frame `video` shows now, at the camera's full resolution scaled down to
   * `maxWidth` at most (default 1920), as a JPEG (quality 0.92 by default). Rejects when the
   * video has no frame yet.
   */
  async capture(video: HTMLVideoElement, options: EncodeOptions = {}): Promise<Blob> {
    const sourceWidth = video.videoWidth;
    const sourceHeight = video.videoHeight;
    if (!sourceWidth || !sourceHeight || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
      throw new Error('The camera has no picture yet.');
    }
    return encodeImage(video, sourceWidth, sourceHeight, options);
  }

  readonly #handleVisibilityChange = (): void => {
    if (document.visibilityState === 'hidden') {
      if (this.state === CameraState.Live || this.state === CameraState.Starting) {
        // Stop the tracks, keep the facing mode: the camera light goes off while away.
        this.#halt();
        this.#setState(CameraState.Paused);
      }
    } else if (this.state === CameraState.Paused && this.facingMode && this.#connected) {
      void this.start(this.facingMode, this.#deviceId);
    }
  };

  readonly #handleTrackEnded = (event: Event): void => {
    const stream = this.stream;
    if (!stream || !stream.getTracks().includes(event.target as MediaStreamTrack)) return;
    // The system took the camera (a call, another app, a revoked permission, a device unplugged).
    if (document.visibilityState === 'hidden') {
      this.#halt();
      this.#setState(CameraState.Paused);
    } else if (this.#run) {
      this.#fail(this.#run, CameraFault.Unavailable, true);
    }
  };

  #fail(run: Run, code: CameraFault, stopped = false): void {
    if (this.#run !== run) return;
    this.#halt();
    this.fault = stopped
      ? { code, message: captureEn.cameraFaults.stopped, stopped }
      : { code, message: cameraFaultMessage(code, this.userAgent, this.inAppBrowser) };
    this.#setState(CameraState.Error);
  }

  /** Ends the current run and every track it opened; leaves state and facing mode to the caller. */
  #halt(): void {
    this.#run?.abort.abort();
    this.#run = undefined;
    const stream = this.stream;
    this.stream = undefined;
    this.torch = this.torchOn = false;
    if (stream) {
      for (const track of stream.getTracks()) track.removeEventListener('ended', this.#handleTrackEnded);
      stopStream(stream);
    }
    for (const video of this.#videos) this.#blank(video);
  }

  #show(video: HTMLVideoElement, stream: MediaStream): void {
    if (video.srcObject !== stream) video.srcObject = stream;
    // play() rejects when interrupted by a new srcObject or without a gesture on old browsers;
    // autoplay (muted, inline) covers the latter.
    video.play().catch(() => undefined);
  }

  #blank(video: HTMLVideoElement): void {
    if (video.srcObject) {
      video.pause();
      video.srcObject = null;
    }
  }

  #setState(state: CameraState): void {
    this.state = state;
    this.#host.requestUpdate();
  }
}

/** Stops every track of `stream` (the camera light goes off). */
function stopStream(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
