// Fails when the script-tag bundle passes its budget. Size is deterministic, so CI enforces it;
// speed is measured by `npm run bench` instead.
import { measureSizes } from './sizes.js';

/**
 * 25,000 B gzip (issue 11): lit (~5 KB) + zod/mini (~4.7 KB) + our own QR encoder (~1.4 KB,
 * src/element/qr-matrix.ts, where qrcode's core cost ~5.7 KB) + the element, its translations
 * loader, the phone's status check, the hosted flow and Start again: 21.6 KB in November 2026.
 */
const IIFE_BUDGET = 25_000;
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
