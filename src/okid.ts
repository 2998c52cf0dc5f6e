/**
 * `OkID`: the okID JS SDK's class interface over `<okid-verify>`, so pages written for
 * `new OkID(config).init()` keep working.
 */
import type { OkidCompleteDetail, OkidErrorDetail } from './core/status.js';
import { OkidVerifyElement } from './element/okid-verify-element.js';
import type { OkidRestartDetail, OkidStepDetail } from './element/events.js';

/** The okID JS SDK's configuration, plus the options of `<okid-verify>`. */
export interface OkIDConfig {
  processToken?: string;
  verificationUrl?: string;
  /** Base URL of the operator's proxy; status is followed through it. */
  proxyUrl?: string;
  apiUrl?: string;
  frontendUrl?: string;
  flowName?: string;
  locale?: string;
  returnUrl?: string;
  mode?: 'auto' | 'handoff' | 'capture';
  /** How a phone captures: `auto` (default), `embedded` or `hosted` (okID's portal). */
  capture?: 'auto' | 'embedded' | 'hosted';
  handoffUrl?: string;
  /** Where to mount: an element or a CSS selector (default `document.body`). */
  container?: Element | string;
  onComplete?: (detail: OkidCompleteDetail) => void;
  onError?: (detail: OkidErrorDetail) => void;
  /** After **Start again** created a new verification (see `okid-restart`). */
  onRestart?: (detail: OkidRestartDetail) => void;
  /** For each thing the person does or meets (see `okid-step`; no personal data). */
  onStep?: (detail: OkidStepDetail) => void;
}

export class OkID {
  /** The mounted element, after `init()`. */
  element?: OkidVerifyElement;

  constructor(private readonly config: OkIDConfig) {}

  /** Creates `<okid-verify>` in the container and starts it; returns the element. */
  init(): OkidVerifyElement {
    OkidVerifyElement.define();
    const { container = document.body, ...options } = this.config;
    const parent = typeof container === 'string' ? document.querySelector(container) : container;
    if (!parent) throw new TypeError(`OkID: no element matches the container "${String(container)}".`);
    this.destroy();
    const element = document.createElement('okid-verify');
    Object.assign(element, Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)));
    parent.append(element);
    this.element = element;
    return element;
  }

  /** Removes the element; its timers and connections end with it. */
  destroy(): void {
    this.element?.remove();
    this.element = undefined;
  }
}
