/**
 * `okid-verify/server`: the operator's backend half. `createOkidProxy()` keeps the okID API key
 * on the server and serves browsers the status snapshot, as JSON and as Server-Sent Events fed
 * by a push hub (in memory, or Redis for several instances); `verifyWebhook()` checks okID's
 * webhook signatures and `signWebhook()` produces them for tests and the sandbox. Node ≥ 20
 * (Fetch API); never part of a browser bundle.
 */
export { createOkidProxy } from './proxy.js';
export { ootoProvider } from './ooto/provider.js';
export type { OotoProviderOptions, OotoScope } from './ooto/provider.js';
export { OOTO_STATUS_WORDS } from './ooto/status.js';
export { uqudoProvider } from './uqudo/provider.js';
export type { UqudoDocument, UqudoProviderOptions } from './uqudo/provider.js';
export { UQUDO_SERVICES } from './uqudo/status.js';
export type { Handoff, VerificationProvider } from './providers/provider.js';
export type { OkidProxy } from './proxy.js';
export type { CreateVerificationInput, OkidOnlyOptionName, OkidProxyOptions, VendorProxyOptions } from './options.js';
export type { ApiVersionOf } from './okid/api-version.js';
export type { OkidProxyLimits } from './http/limits.js';
export { DEFAULT_LIMITS } from './http/limits.js';
export type { FetchClientInfo, TrustProxyOption } from './http/client-address.js';
export type { OkidProxyLogger } from './common/log.js';
export type { NodeHandler, NodeNext, NodeRequest } from './http/node-handler.js';
export { OkidProxyError } from './common/errors.js';
export { createOkidClient } from './okid/client.js';
export type { OkidClient, OkidClientOptions, OkidImage, OkidImageOptions, OkidImageSide, OkidImageType, OkidRequestOptions } from './okid/client.js';
export { OkidApiError, OkidApiErrorCode } from './okid/api-error.js';
export type { OkidApiErrorCodeValue, OkidApiErrorInit } from './okid/api-error.js';
export type {
  GenerateTokenInput,
  GenerateVerificationInput,
  GeneratedToken,
  GeneratedVerification,
  V1Verification,
  V2Details,
} from '../core/protocol.js';
export type { OkidProxyErrorOptions, ProxyErrorCodeValue } from './common/errors.js';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  OkidWebhookError,
  OkidWebhookErrorCode,
  OkidWebhookEventSchema,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  WEBHOOK_SCHEMES,
  readingOf,
  signWebhook,
  verifyWebhook,
} from './webhooks/signature.js';
export type {
  HeadersLike,
  OkidWebhookEvent,
  SignWebhookOptions,
  VerifyWebhookOptions,
  WebhookHeaders,
  WebhookReading,
  WebhookScheme,
  WebhookTimestampFormat,
} from './webhooks/signature.js';
export { STATUS_WORDS } from './okid/status-words.js';
export type { StatusMeaning } from './okid/status-words.js';
export type { HubListener, OkidHub } from './hub/hub.js';
export { createMemoryHub } from './hub/memory-hub.js';
export type { MemoryHubOptions } from './hub/memory-hub.js';
export { createRedisHub } from './hub/redis-hub.js';
export type { RedisClientLike, RedisHubOptions } from './hub/redis-hub.js';
