/**
 * The capture chunk's entry, loaded by the element (src/element/load-capture.ts) only in capture
 * mode, so a desktop page that only shows the QR code never downloads it: the flow (flow.ts) and
 * its styles.
 */
export { CaptureFlow } from './flow.js';
export type { CaptureCallbacks } from './flow.js';
export { captureStyles } from './capture-styles.js';
