/**
 * The capture flow's chunk, loaded only in capture mode. The camera flow itself is the issue
 * "Phone capture flow"; until it lands this chunk tells the user plainly that this device
 * cannot capture yet and offers nothing that would half-start the verification.
 */
import { html } from 'lit';
import type { TemplateResult } from 'lit';
import type { ResolvedConfig } from '../core/config.js';

export function renderCapturePlaceholder(config: ResolvedConfig): TemplateResult {
  return html`<h2>Verify your identity</h2>
    <p>The camera steps of this verification are not available in this version of okid-verify.</p>
    <p class="muted">Verification ${config.verificationId}</p>`;
}
