import {
  type AdmissionTtls,
  createDeliveryProcessor,
  type DeliveryResult,
  type Sink,
  sinkBackoffStrategy,
} from '@imwatch/notify';
import { NOTIFICATIONS_QUEUE, type NotificationQueue } from '@imwatch/queue';
import type { Logger } from '@imwatch/runtime';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface NotificationWorkerDeps {
  connection: Redis;
  prefix: string;
  /** The notifications queue, where digest jobs are added. */
  queue: NotificationQueue;
  sinks: ReadonlyMap<string, Sink>;
  logger: Logger;
  concurrency: number;
  /** Longest wait between two attempts, Retry-After included. */
  maxBackoffMs?: number;
  /** Clock of the rate limits; tests inject one. */
  now?: () => number;
  ttls?: AdmissionTtls;
  /** A job whose worker stopped renewing its lock this long (a crash) is taken back (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  autorun?: boolean;
  /** Worker errors (mostly Redis connection errors); default: logged at error level. */
  onError?: (error: Error) => void;
}

/**
 * Consumes the notifications queue: one job per alert and sink, so a retry repeats only the sink
 * that failed. Failed deliveries stay in the failed set (the queue keeps them) for listing and retry.
 */
export function createNotificationWorker(deps: NotificationWorkerDeps) {
  const { connection, prefix, logger, concurrency, autorun = true } = deps;
  const process = createDeliveryProcessor({
    redis: connection,
    prefix,
    queue: deps.queue,
    sinks: deps.sinks,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.ttls ? { ttls: deps.ttls } : {}),
  });
  const worker = new Worker<unknown, DeliveryResult, string>(NOTIFICATIONS_QUEUE, process, {
    connection,
    prefix,
    concurrency,
    autorun,
    ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
    ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
    settings: {
      backoffStrategy: sinkBackoffStrategy(
        deps.maxBackoffMs === undefined ? {} : { maxDelayMs: deps.maxBackoffMs },
      ),
    },
  });
  worker.on('error', deps.onError ?? ((error) => logger.error({ err: error }, 'notification worker error')));
  worker.on('completed', (job, result) => {
    // A held alert is not lost, but on-call should see that a robot is saturated.
    if (result.status === 'held') logger.info({ jobId: job.id, ...result }, 'alert held for the next digest');
    else logger.debug({ jobId: job.id, ...result }, 'notification sent');
  });
  worker.on('failed', (job, error) => {
    const final =
      job !== undefined &&
      (job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError');
    const fields = { jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: error.message };
    if (final) logger.error(fields, 'notification failed; kept in the failed set for retry');
    else logger.warn(fields, 'notification attempt failed; will retry');
  });
  return worker;
}
