export { type AddCallbacks, createCallbackAdder, MAX_CALLBACKS_PER_ADD } from './add-callbacks.js';
export { type Alert, alertSchema } from './alert.js';
export { checkCallbackJob } from './callback-job-check.js';
export {
  type CallbackQueue,
  type CallbackQueueSettings,
  callbackJobOptions,
  createCallbackQueue,
} from './callbacks.js';
export {
  type CallbackJob,
  callbackJobSchema,
  type DeliverJob,
  type DigestEntry,
  type DigestJob,
  digestEntrySchema,
  notificationJobs,
} from './catalog.js';
export { createBatchStore, type StoreBatch } from './intake.js';
export {
  BATCHES_PER_MOVE,
  createIntakeMover,
  type IntakeMover,
  type IntakeMoverDeps,
  type MoveResult,
} from './intake-mover.js';
export { imwatchKeys } from './keys.js';
export {
  CALLBACKS_QUEUE,
  DEFAULT_PREFIX,
  DELIVER_JOB,
  DIGEST_JOB,
  NOTIFICATIONS_QUEUE,
  SINK_BACKOFF,
} from './names.js';
export {
  createNotificationQueue,
  deliveryJobId,
  enqueueDeliveries,
  type NotificationQueue,
  type NotificationQueueOptions,
} from './notifications.js';
export { type ConnectionRole, createRedis, redisOptions, whenReady } from './redis.js';
export { type RejectionRecord, recordRejection } from './rejections.js';
export { type ScriptCall, scriptCaller } from './script-call.js';
export {
  parseStoredBatch,
  type StoredCallback,
  storedBatchText,
  storedCallback,
} from './stored-callback.js';
