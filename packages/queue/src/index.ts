export { type Alert, alertSchema } from './alert.js';
export {
  type CallbackQueue,
  type CallbackQueueSettings,
  callbackJobOptions,
  createCallbackQueue,
} from './callbacks.js';
export { type CallbackJob, callbackJobSchema, type DeliverJob, notificationJobs } from './catalog.js';
export { imwatchKeys } from './keys.js';
export { CALLBACKS_QUEUE, DEFAULT_PREFIX, DELIVER_JOB, NOTIFICATIONS_QUEUE } from './names.js';
export {
  createNotificationQueue,
  deliveryJobId,
  enqueueDeliveries,
  type NotificationQueue,
} from './notifications.js';
export { type ConnectionRole, createRedis, redisOptions, whenReady } from './redis.js';
export { type RejectionRecord, recordRejection } from './rejections.js';
