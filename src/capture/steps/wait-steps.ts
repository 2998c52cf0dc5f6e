/**
 * The steps after the last capture, each run until its signal aborts: sending (the uploads
 * finish, then the submit), processing (the outcome is polled) and the result's countdown back to
 * the site.
 */
import { isFinalStatus } from '../../core/status.js';
import { onSecond } from '../../core/ticker.js';
import { CaptureApiError } from '../capture-client.js';
import { resumePoint } from '../progress/resume.js';
import { UploadQueue } from '../upload/upload-queue.js';
import type { StepHost } from './step.js';

/** How long the phone waits for the outcome before saying it cannot reach the service. */
const PROCESSING_MAX_MS = 10 * 60_000;
const PROCESSING_POLL_MS = 1500;
/** The result screen takes the person back to the site after this many seconds. */
const REDIRECT_SECONDS = 3;

/** Waits for the uploads, submits, then moves to processing (or back to a capture the server lacks). */
export async function runSending(flow: StepHost, signal: AbortSignal): Promise<void> {
  try {
    await flow.queue!.whenIdle();
    if (signal.aborted) return;
    // A flow without a document step submits no document type.
    await flow.client.submit(flow.verification?.steps.includes('document') === false ? undefined : (flow.local.documentType ?? 'id_card'));
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof CaptureApiError && error.code === 'BAD_REQUEST' && error.missing?.length) {
      // The server lacks a capture this phone thought it had sent: take it again.
      flow.local.forget((kind) => error.missing!.includes(kind));
      return flow.go(resumePoint(flow.verification!, flow.local.state));
    }
    if (error instanceof CaptureApiError && error.code === 'BAD_REQUEST') return flow.handleUploadRefused(error);
    return flow.handleApiError(error);
  }
  flow.emitStep('submitted');
  void UploadQueue.clear(flow.client.verificationId).catch(() => undefined);
  if (!signal.aborted) flow.go({ name: 'processing' });
}

/** Polls the capture API until the verification is final; passing faults are asked again. */
export function runProcessing(flow: StepHost, signal: AbortSignal): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  const giveUpAt = Date.now() + PROCESSING_MAX_MS;
  const poll = async (): Promise<void> => {
    try {
      const answer = await flow.client.loadFlow();
      if (signal.aborted) return;
      flow.updateFlow(answer);
      if (isFinalStatus(answer.status)) return flow.finish(answer);
    } catch (error) {
      if (signal.aborted) return;
      // Anything that will not pass ends the wait with its reason.
      if (!(error instanceof CaptureApiError) || !error.retryable) return flow.handleApiError(error);
    }
    if (signal.aborted) return;
    if (Date.now() > giveUpAt) return flow.handleApiError(undefined);
    timer = setTimeout(poll, PROCESSING_POLL_MS);
  };
  timer = setTimeout(poll, PROCESSING_POLL_MS);
}

/** The countdown on the result screen, then the way back to `returnUrl`. */
export class RedirectCountdown {
  /** Seconds left, shown by the result screen. */
  seconds: number;
  readonly #redirectAt: number;

  readonly #returnUrl: string;

  constructor(flow: StepHost, returnUrl: string, signal: AbortSignal) {
    this.#returnUrl = returnUrl;
    const now = Date.now();
    this.#redirectAt = now + REDIRECT_SECONDS * 1000;
    this.seconds = this.#secondsAt(now);
    const stop = onSecond((now) => {
      this.seconds = this.#secondsAt(now);
      if (now >= this.#redirectAt - 50) {
        stop();
        location.assign(this.#returnUrl);
      }
      flow.host.requestUpdate();
    });
    signal.addEventListener('abort', stop, { once: true });
  }

  #secondsAt(now: number): number {
    return Math.max(0, Math.ceil((this.#redirectAt - now) / 1000));
  }
}
