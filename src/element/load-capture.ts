/**
 * Loads the capture chunk, only in capture mode. The ESM build splits it with a dynamic
 * `import()` that the app's bundler resolves; the script-tag build (one IIFE file, which cannot
 * split) imports `okid-verify-capture.js` from beside itself, which renders with this bundle's Lit.
 */
import type { CaptureModule } from '../controllers/capture-contract.js';
import { SCRIPT_TAG_BUILD } from '../i18n/script-tag-build.js';
import { besideBundle } from '../i18n/script-url.js';

export const CAPTURE_IIFE_FILE = 'okid-verify-capture.js';

let loading: Promise<CaptureModule> | undefined;

/**
 * The script-tag build's capture chunk: an ES module beside the bundle (a classic script may
 * import() one). Built from the same capture-flow.ts as the ESM path below, which TypeScript
 * checks against the contract.
 */
function loadCaptureScript(): Promise<CaptureModule> {
  return import(/* @vite-ignore */ besideBundle(CAPTURE_IIFE_FILE));
}

/** The ESM build's capture chunk; no cast: TypeScript checks its exports against the contract here. */
function loadCaptureChunk(): Promise<CaptureModule> {
  return import('../capture/capture-flow.js');
}

/** The capture chunk, loaded once; a failed load may be tried again. */
export function loadCaptureModule(): Promise<CaptureModule> {
  loading ??= (SCRIPT_TAG_BUILD ? loadCaptureScript() : loadCaptureChunk()).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
