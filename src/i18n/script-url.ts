/**
 * Where the script-tag bundle was loaded from, read while it first runs (the only time
 * `document.currentScript` knows): its chunks (capture flow, translations) sit beside it.
 */
const scriptUrl = typeof document === 'undefined' ? undefined : (document.currentScript as HTMLScriptElement | null)?.src;

/** `file` resolved beside the running bundle (or the page, when not loaded by a script tag). */
export const besideBundle = (file: string): string => new URL(file, scriptUrl || document.baseURI).href;
