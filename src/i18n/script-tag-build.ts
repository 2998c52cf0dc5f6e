/**
 * Whether this is the script-tag build (one IIFE file, which cannot split): its chunks, the
 * capture flow and the translations, are then imported from beside it, not through the app's
 * bundler. `false` here; vite.config.ts's `scriptTagBuild` plugin serves this module as `true`
 * to the script-tag builds, and the branch not taken is dropped from them.
 */
export const SCRIPT_TAG_BUILD: boolean = false;
