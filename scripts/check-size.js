// Fails when the script-tag bundle passes its budget. Size is deterministic, so CI enforces it;
// speed is measured by `npm run bench` instead.
import { measureSizes } from './sizes.js';

/**
 * 16,000 B gzip (issue 23): lighter than every peer's loader (Persona's embedded flow is about
 * 19.8 KB). Lit (~6 KB) + our own QR encoder (~1.8 KB, src/element/qr-matrix.ts) + the element,
 * its controllers, words and wire checks; no zod in browsers since December 2026 (wire-checks.ts).
 */
const IIFE_BUDGET = 16_000;
/** 24,000 B gzip for the capture flow a phone loads (issue 23), the lazily loaded face model aside. */
const CAPTURE_BUDGET = 24_000;

const sizes = measureSizes();
const line = `dist/okid-verify.iife.js: ${sizes.iifeGzip} B gzip (budget ${IIFE_BUDGET} B); ESM desktop entry: ${sizes.esmDesktopGzip} B gzip unminified, without lit and zod (${sizes.esmDesktopFiles.join(', ')})`;
if (sizes.esmDesktopFiles.some((file) => /capture-placeholder|capture-view|sandbox|server/.test(file))) {
  console.error(`size: the desktop entry statically imports capture, server or sandbox code: ${sizes.esmDesktopFiles.join(', ')}`);
  process.exit(1);
}
const captureLine = `capture chunk: ${sizes.captureScriptGzip} B gzip (budget ${CAPTURE_BUDGET} B; face model chunk ${sizes.faceDetectorGzip} B, lazy)`;
if (sizes.iifeGzip > IIFE_BUDGET || sizes.captureScriptGzip > CAPTURE_BUDGET) {
  console.error(`size: over budget. ${line}; ${captureLine}`);
  process.exit(1);
}
console.log(`size: ok. ${line}; ${captureLine}`);
