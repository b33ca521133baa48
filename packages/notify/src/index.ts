export {
  type Admission,
  type AdmissionTtls,
  admitDelivery,
  admitDigest,
  claimDigest,
  DEFAULT_TTLS,
  type DigestBatch,
} from './admission.js';
export { type BackoffOptions, sinkBackoffStrategy } from './backoff.js';
export { createDeliveryProcessor, type DeliveryDeps, type DeliveryResult, digestJobId } from './delivery.js';
export { RetryableDeliveryError } from './errors.js';
export {
  type FailedDelivery,
  type FailedQuery,
  listFailedDeliveries,
  type RetrySelection,
  retryFailedDeliveries,
} from './failed.js';
export { heldKey, notifyKeys } from './keys.js';
export { type Locale, WORDS } from './locale.js';
export { alertMessage, digestMessage, type Message } from './message.js';
export type { DeliveryOutcome } from './outcome.js';
export { DEFAULT_RATE_LIMITS, rateLimitsOf } from './rate-limits.js';
export type { Notice, RateLimit, Sink } from './sink.js';
export { closeSinks, createSink, createSinks, type SinkDeps } from './sinks/index.js';
export { renderTemplate } from './template.js';
