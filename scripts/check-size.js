// Fails when the script-tag bundle passes its budget. Size is deterministic, so CI enforces it;
// speed is measured by `npm run bench` instead.
import { measureSizes } from './sizes.js';

/** 25 KiB gzip: lit (6 KB) + zod/mini (5 KB) + qrcode's core encoder (7.5 KB) + our element. */
const IIFE_BUDGET = 25 * 1024;

const sizes = measureSizes();
const line = `dist/okid-verify.iife.js: ${sizes.iifeGzip} B gzip (budget ${IIFE_BUDGET} B); ESM desktop entry: ${sizes.esmDesktopGzip} B gzip unminified, without lit and zod (${sizes.esmDesktopFiles.join(', ')})`;
if (sizes.esmDesktopFiles.some((file) => /capture-placeholder|capture-view|sandbox|server/.test(file))) {
  console.error(`size: the desktop entry statically imports capture, server or sandbox code: ${sizes.esmDesktopFiles.join(', ')}`);
  process.exit(1);
}
if (sizes.iifeGzip > IIFE_BUDGET) {
  console.error(`size: over budget. ${line}`);
  process.exit(1);
}
console.log(`size: ok. ${line}`);
