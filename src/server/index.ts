/**
 * `okid-verify/server`: the operator's backend half. `createOkidProxy()` keeps the okID API key
 * on the server and serves browsers the status snapshot; `signWebhook()` produces okID webhook
 * headers for tests and the sandbox. Node ≥ 20 (Fetch API); never part of a browser bundle.
 */
export { createOkidProxy } from './proxy.js';
export type { OkidProxy } from './proxy.js';
export type { CreateVerificationInput, OkidProxyOptions } from './options.js';
export type { OkidProxyLogger } from './upstream.js';
export type { NodeHandler, NodeNext, NodeRequest } from './node-adapter.js';
export { OkidProxyError } from './errors.js';
export type { OkidProxyErrorOptions, ProxyErrorCodeValue } from './errors.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook.js';
export type { SignWebhookOptions } from './webhook.js';
