/**
 * "Who is asking": the operator's name and web address on the phone's first screen, so a person
 * who got the link from someone else (a forwarded link, a scam) can tell whose verification it is.
 * Both are shown as text (Lit text bindings, never markup); of the address only its host, which
 * is what tells sites apart (an internationalized host shows in its `xn--` form, as browsers do
 * for look-alike names).
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { FlowConfig, FlowStep } from '../../core/capture-api.js';
import { httpUrl } from '../../core/verification-id.js';
import type { CaptureWords } from './words.js';

/** The host of an http(s) address, or `undefined` for anything else. */
export function operatorHost(url: string): string | undefined {
  return httpUrl(url)?.host;
}

/** The screen (step name) each flow step opens with: the flow's first one is where the operator is named. */
const OPENING_SCREEN: Record<FlowStep, string> = {
  terms: 'terms',
  document: 'document_type',
  liveness: 'liveness_intro',
  form_data: 'form',
};

/** True on the screen the flow opens with (the terms, or the first step's first screen without them). */
export const isOpeningScreen = (step: string, steps: readonly string[]): boolean =>
  OPENING_SCREEN[steps[0] as FlowStep] === step;

/** The operator's name and host, and what to do with a link someone else sent; nothing without an operator. */
export function operatorView(operator: FlowConfig['operator'], words: CaptureWords): TemplateResult | typeof nothing {
  const name = operator?.name.trim();
  const host = operator ? operatorHost(operator.url) : undefined;
  if (!name && !host) return nothing;
  return html`<section part="operator" class="operator" aria-label=${words.requestedBy}>
    <p class="muted">${words.requestedBy}</p>
    ${name ? html`<p class="operator-name"><bdi>${name}</bdi></p>` : nothing}
    ${host ? html`<p class="operator-host"><bdi dir="ltr">${host}</bdi></p>` : nothing}
    <p class="muted">${words.requestedByHint}</p>
  </section>`;
}
