/**
 * `okid-verify/protocol`: the zod schemas and types of every message between the browser, the
 * proxy, the capture API and okID. Safe to import in browsers and in Node.
 */
export * from './core/protocol.js';
export { normalizeProgress, snapshotFromV1, snapshotFromV2 } from './core/normalize.js';
export { buildHandoffUrl, isVerificationId, joinUrl, verificationIdFromUrl } from './core/verification-id.js';
