/**
 * Loads the capture chunk, only in capture mode. The ESM build splits it with a dynamic
 * `import()` that the app's bundler resolves; the script-tag build (one IIFE file, which cannot
 * split) imports `okid-verify-capture.js` from beside itself, which renders with this bundle's Lit.
 */
import type { CSSResult, LitElement, TemplateResult } from 'lit';
import type { ResolvedConfig } from '../core/config.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import type { OkidStepFacts, OkidStepName } from '../core/step-event.js';
import { SCRIPT_TAG_BUILD } from '../i18n/script-tag-build.js';
import { besideBundle } from '../i18n/script-url.js';

/** What the element needs of a running capture flow. */
export interface CaptureFlowLike {
  render(): TemplateResult;
  /** Ends the camera, loops, timers and uploads, and detaches from the host. */
  dispose(): void;
}

/** What the capture chunk exports. */
export interface CaptureModule {
  CaptureFlow: new (
    host: LitElement,
    config: ResolvedConfig,
    callbacks: {
      onSnapshot(snapshot: StatusSnapshot): void;
      onError(detail: OkidErrorDetail): void;
      /** A funnel event of the person's (the element fires `okid-step`). */
      onStep?(name: OkidStepName, facts?: OkidStepFacts): void;
      /** The current translation of the capture words and the operator's overrides. */
      words(): { translation?: object; overrides?: object };
    },
  ) => CaptureFlowLike;
  captureStyles: CSSResult;
}

export const CAPTURE_IIFE_FILE = 'okid-verify-capture.js';

let loading: Promise<CaptureModule> | undefined;

/** The script-tag build's capture chunk: an ES module beside the bundle (a classic script may import() one). */
function loadCaptureScript(): Promise<CaptureModule> {
  return import(/* @vite-ignore */ besideBundle(CAPTURE_IIFE_FILE)) as Promise<CaptureModule>;
}

/** The capture chunk, loaded once; a failed load may be tried again. */
export function loadCaptureModule(): Promise<CaptureModule> {
  loading ??= (
    SCRIPT_TAG_BUILD
      ? loadCaptureScript()
      : (import('../capture/capture-flow.js') as Promise<CaptureModule>)
  ).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
