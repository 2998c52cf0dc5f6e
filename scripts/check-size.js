// Fails when the script-tag bundle passes its budget. Size is deterministic, so CI enforces it;
// speed is measured by `npm run bench` instead.
import { measureSizes } from './sizes.js';

/**
 * 26 KiB gzip: lit (6 KB) + zod/mini (5 KB) + qrcode's core encoder (7.5 KB) + our element. The
 * desktop handoff met 25 KiB (25,380 B); choosing, loading and merging translations (the
 * languages themselves are chunks loaded on demand) costs about 0.6 KB more.
 */
const IIFE_BUDGET = 26 * 1024;
/** 40 KiB gzip for the capture flow a phone loads, the lazily loaded face model aside. */
const CAPTURE_BUDGET = 40 * 1024;

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
