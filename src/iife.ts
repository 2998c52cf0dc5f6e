/**
 * The script-tag bundle's entry: everything `okid-verify` exports. The build (vite.config.ts,
 * shareWithCapture) appends `__shared`: the Lit functions and the few core functions that the
 * capture chunk (`okid-verify-capture.js`, loaded from beside this file on phones) uses, so a page
 * runs one Lit and the phone downloads those modules once.
 */
export * from './index.js';
