/**
 * The element's views: pure functions of (words, state, actions), as the capture flow's are. The
 * element picks one by its view (`view-state.ts`) and hands it what it needs.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { PROGRESS_STEPS } from '../core/status.js';
import type { Progress } from '../core/status.js';
import type { Strings } from '../i18n/en-element.js';
import type { Translation } from '../i18n/types.js';

type Words = Translation<Strings>;

/** The QR code drawn: the URL it holds, its size in modules and its SVG path. */
export interface QrPicture {
  url: string;
  size: number;
  path: string;
}

export interface HandoffState {
  qr: QrPicture;
  copyState: 'idle' | 'copied' | 'failed';
  /** Whether the verification has a known expiry: the countdown's text is written by the element. */
  counting: boolean;
}

export interface HandoffActions {
  openHere(): void;
  copy(): void;
}

/** The desktop handoff: the QR code, "open on this device", copy, and the time left. */
export function handoffView(t: Words, { qr, copyState, counting }: HandoffState, actions: HandoffActions): TemplateResult {
  return html`<h2>${t.title}</h2><slot name="intro"><p>${t.scanQr}</p></slot><svg part="qr" class="qr" role="img" aria-label=${t.qrAlt(qr.url)} viewBox="0 0 ${qr.size} ${qr.size}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"></rect><path d=${qr.path} fill="#000"></path></svg><div class="actions"><a part="open-link" class="button primary" href=${qr.url} target="_blank" rel="noopener noreferrer" @click=${actions.openHere}>${t.openHere}</a><button part="copy-button" type="button" @click=${actions.copy}>${copyState === 'copied' ? t.copied : t.copyLink}</button></div>
      ${copyState === 'failed' ? html`<p class="muted">${t.copyFailed}: <span>${qr.url}</span></p>` : nothing}
      ${counting ? html`<p part="time-left" class="muted"></p>` : html`<p class="muted">${t.waiting}</p>`}
    `;
}

/** okID's hosted flow: the operator's slots, one sentence, and **Continue** to the portal in this tab. */
export function hostedView(t: Words, hostedUrl: string): TemplateResult {
  return html`<h2>${t.title}</h2><slot name="intro"></slot><p>${t.hostedHint}</p><div class="actions"><a part="continue-button" class="button primary" href=${hostedUrl}>${t.continue}</a></div>`;
}

/** The steps of the verification and where each one is. */
export function stepsView(t: Words, progress: Progress = {}): TemplateResult {
  const steps = PROGRESS_STEPS.filter((step) => progress[step] !== undefined);
  return html`<ol part="steps" class="steps">
      ${(steps.length ? steps : (['terms', 'document', 'liveness'] as const)).map((step) => {
        const state = progress[step] ?? 'pending';
        return html`<li data-step=${step} data-state=${state}>
          <span>${t.steps[step]}</span><span class="state">${state === 'completed' ? `✓ ${t.stepDone}` : t.stepPending}</span>
        </li>`;
      })}
    </ol>`;
}

/** The desktop while the person is on the phone. */
export function phoneView(t: Words, progress: Progress | undefined): TemplateResult {
  return html`<h2>${t.continueOnPhone}</h2><p class="muted">${t.continueOnPhoneHint}</p>
      ${stepsView(t, progress)}`;
}

export function processingView(t: Words, progress: Progress | undefined): TemplateResult {
  return html`<h2>${t.processing}</h2>${stepsView(t, progress)}`;
}

/** A final message, with an optional hint under it. */
export function messageView(title: string, hint: string, tone: 'success' | 'error'): TemplateResult {
  return html`<p part="outcome" class="outcome ${tone}">${title}</p>${hint ? html`<p class="muted">${hint}</p>` : nothing}`;
}

/** Without an outcome (a vendor that does not say) the person is told what a review tells them. */
export function completedView(t: Words, outcome: string | undefined): TemplateResult {
  return outcome === 'verified' ? messageView(t.verified, '', 'success') : messageView(t.manualReview, t.manualReviewHint, 'success');
}

/** **Start again**, where the proxy can create verifications. */
export interface RestartButton {
  busy: boolean;
  failed: boolean;
  start(): void;
}

export function endedView(t: Words, message: string, hint: string, restart: RestartButton | undefined): TemplateResult {
  const button = restart
    ? html`<div class="actions"><button part="restart-button" class="primary" type="button" aria-disabled=${restart.busy} @click=${restart.start}>${t.startAgain}</button></div>${restart.failed ? html`<p class="muted" role="alert">${t.restartFailed}</p>` : nothing}`
    : nothing;
  return html`${messageView(message, hint, 'error')}${button}`;
}

/** A phone whose capture chunk is loading, or could not load (with a retry). */
export function captureLoadingView(t: Words, failed: boolean, retry: () => void): TemplateResult {
  return failed
    ? html`${messageView(t.captureLoadFailed, '', 'error')}<button type="button" @click=${retry}>${t.retryNow}</button>`
    : html`<p>${t.loading}</p>`;
}

/** The connection-problem banner while the status cannot be read (it is retried meanwhile). */
export function bannerView(t: Words, retry: () => void): TemplateResult {
  return html`<div part="banner" class="banner"><p>${t.reconnecting}</p><button part="retry-button" type="button" @click=${retry}>${t.retryNow}</button></div>`;
}
