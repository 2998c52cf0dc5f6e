/**
 * `okid-verify/server`: the operator's backend half. `createOkidProxy()` keeps the okID API key
 * on the server and serves browsers the status snapshot, as JSON and as Server-Sent Events fed
 * by a push hub (in memory, or Redis for several instances); `verifyWebhook()` checks okID's
 * webhook signatures and `signWebhook()` produces them for tests and the sandbox. Node ≥ 20
 * (Fetch API); never part of a browser bundle.
 */
export { createOkidProxy } from './proxy.js';
export type { OkidProxy } from './proxy.js';
export type { CreateVerificationInput, OkidProxyOptions } from './options.js';
export type { OkidProxyLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { FetchClientInfo, TrustProxyOption } from './client-address.js';
export type { OkidProxyLogger } from './upstream.js';
export type { NodeHandler, NodeNext, NodeRequest } from './node-adapter.js';
export { OkidProxyError } from './errors.js';
export { createOkidClient } from './okid-client.js';
export type { OkidClient, OkidClientOptions, OkidImage, OkidImageOptions, OkidImageSide, OkidImageType, OkidRequestOptions } from './okid-client.js';
export { OkidApiError, OkidApiErrorCode } from './okid-client-errors.js';
export type { OkidApiErrorCodeValue, OkidApiErrorInit } from './okid-client-errors.js';
export type {
  GenerateTokenInput,
  GenerateVerificationInput,
  GeneratedToken,
  GeneratedVerification,
  V1Verification,
  V2Details,
} from '../core/protocol.js';
export type { OkidProxyErrorOptions, ProxyErrorCodeValue } from './errors.js';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  OkidWebhookError,
  OkidWebhookErrorCode,
  OkidWebhookEventSchema,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhook,
} from './webhook.js';
export type { HeadersLike, OkidWebhookEvent, SignWebhookOptions, VerifyWebhookOptions, WebhookHeaders } from './webhook.js';
export type { HubListener, OkidHub } from './hub.js';
export { createMemoryHub } from './memory-hub.js';
export type { MemoryHubOptions } from './memory-hub.js';
export { createRedisHub } from './redis-hub.js';
export type { RedisClientLike, RedisHubOptions } from './redis-hub.js';
