// WARNING: queue and job names are part of the data in Redis. Renaming one strands every job
// already queued under the old name; add a new name and drain the old one instead.

/** Accepted Tencent IM callbacks; job name = CallbackCommand. */
export const CALLBACKS_QUEUE = 'callbacks';

/** Alerts to deliver; one job per alert and sink. */
export const NOTIFICATIONS_QUEUE = 'notifications';

/** Job name on the notifications queue: one alert to one sink. */
export const DELIVER_JOB = 'deliver';

/** Job name on the notifications queue: the alerts a sink's rate limit held back, as one message. */
export const DIGEST_JOB = 'digest';

/** Backoff type of notification jobs; the notification worker implements it (Retry-After aware). */
export const SINK_BACKOFF = 'sink';

/** Default key prefix: the braces are a Redis Cluster hash tag, so a queue's keys share one slot. */
export const DEFAULT_PREFIX = '{imwatch}';
