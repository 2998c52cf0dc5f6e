/**
 * The document camera step: the rear camera, the frame quality advice, and the automatic shot
 * once a good frame holds steady (or the shutter button).
 */
import type { DocumentSide } from '../../core/capture-api.js';
import { guideRegion } from '../camera/card-guide.js';
import { startFrameLoop } from '../camera/frame-loop.js';
import { FrameSampler, SteadyGate, adviseFrame, measureFrame } from '../quality.js';
import type { FrameAdvice } from '../quality.js';
import type { StepHost, StepOf } from './step.js';
import { keepVideoAttached, showStepCamera } from './step-camera.js';

/** How often the camera frame is checked, in milliseconds (10 checks a second is plenty for guidance). */
const QUALITY_INTERVAL_MS = 100;
/** On the back side, auto-capture waits this long unless the card visibly moved. */
const BACK_SIDE_ARM_MS = 2_000;
/** Guidance changes at most this often, in milliseconds: a screen reader must not be flooded. */
const ADVICE_EVERY_MS = 700;

/** The running document camera of one step; everything it started ends when `signal` aborts. */
export class DocumentStep {
  /** The advice shown under the camera (none before the first frame). */
  advice?: FrameAdvice;
  #stopLoop?: () => void;

  readonly #flow: StepHost;
  readonly #step: StepOf<'document'>;
  readonly #signal: AbortSignal;

  constructor(flow: StepHost, step: StepOf<'document'>, signal: AbortSignal) {
    this.#flow = flow;
    this.#step = step;
    this.#signal = signal;
    void this.#start();
  }

  get side(): DocumentSide {
    return this.#step.side;
  }

  async #start(): Promise<void> {
    const { camera, host } = this.#flow;
    if (this.#signal.aborted) return;
    if (camera.state !== 'live' || camera.facingMode !== 'environment') await camera.start('environment');
    const video = await showStepCamera(this.#flow, this.#signal);
    if (!video) return;
    const sampler = new FrameSampler(320);
    const gate = new SteadyGate(800);
    // For the back, the card must first leave the good-frame state (being turned over) or 2 s
    // pass, so the front still held up is not taken again as the back at once.
    let armed = this.#step.side === 'front';
    const armAt = performance.now() + BACK_SIDE_ARM_MS;
    let adviceShownAt = 0;
    const check = async (now: number): Promise<void> => {
      if (!video.videoWidth) return;
      const frame = sampler.sample(video, video.videoWidth, video.videoHeight);
      const advice = adviseFrame(measureFrame(frame, guideRegion(frame.width, frame.height)));
      if (advice !== 'ok' || performance.now() >= armAt) armed = true;
      if (advice !== this.advice && now - adviceShownAt > ADVICE_EVERY_MS) {
        this.advice = advice;
        adviceShownAt = now;
        host.requestUpdate();
      }
      if (!armed) return gate.reset();
      if (gate.update(advice, now)) await this.shoot('auto');
    };
    this.#stopLoop = startFrameLoop(this.#signal, QUALITY_INTERVAL_MS, check, () => keepVideoAttached(this.#flow));
  }

  /** Takes the still now (`manual`: the shutter; `auto`: a steady good frame) and shows it for review. */
  readonly shoot = async (how: 'auto' | 'manual' = 'manual'): Promise<void> => {
    const video = this.#flow.video();
    if (this.#signal.aborted || !video || this.#flow.camera.state !== 'live') return;
    this.#stopLoop?.();
    let blob: Blob;
    try {
      blob = await this.#flow.camera.capture(video);
    } catch {
      // The frame could not be taken (the camera went away): start the step's camera again.
      if (!this.#signal.aborted) this.#flow.go({ ...this.#step });
      return;
    }
    if (this.#signal.aborted) return;
    this.#flow.emitStep('photo_taken', { side: this.#step.side, how });
    this.#flow.go({ name: 'review', side: this.#step.side, blob, url: URL.createObjectURL(blob) });
  };
}
