import { DELIVER_JOB, DIGEST_JOB, type NotificationQueue, notificationJobs } from '@imwatch/queue';
import type { Job } from 'bullmq';

/** A notification that used up its attempts or failed for good, as an operator sees it. */
export interface FailedDelivery {
  jobId: string;
  kind: typeof DELIVER_JOB | typeof DIGEST_JOB;
  sink: string;
  /** The alert of a delivery. */
  alertId?: string;
  summary?: string;
  /** Alerts a failed digest stands for. */
  total?: number;
  attemptsMade: number;
  failedReason: string;
  /** When it failed for the last time (ms since the epoch). */
  failedAt?: number;
}

export interface FailedQuery {
  /** Only this sink's failures. */
  sink?: string;
  /** Skip this many (newest first). */
  offset?: number;
  limit?: number;
}

/** Failed jobs are read in pages of this size while filtering. */
const PAGE = 500;

function describe(job: Job): FailedDelivery | undefined {
  const base = {
    jobId: job.id ?? '',
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ?? '',
    ...(job.finishedOn ? { failedAt: job.finishedOn } : {}),
  };
  if (job.name === DELIVER_JOB) {
    const data = notificationJobs[DELIVER_JOB].safeParse(job.data);
    if (data.success)
      return {
        ...base,
        kind: DELIVER_JOB,
        sink: data.data.sink,
        alertId: data.data.alert.id,
        summary: data.data.alert.summary,
      };
  }
  if (job.name === DIGEST_JOB) {
    const data = notificationJobs[DIGEST_JOB].safeParse(job.data);
    if (data.success)
      return {
        ...base,
        kind: DIGEST_JOB,
        sink: data.data.sink,
        ...(data.data.batch ? { total: data.data.batch.total } : {}),
      };
  }
  // Unreadable data still shows up, so nothing in the failed set is invisible.
  const sink = (job.data as { sink?: unknown } | undefined)?.sink;
  return {
    ...base,
    kind: job.name === DIGEST_JOB ? DIGEST_JOB : DELIVER_JOB,
    sink: typeof sink === 'string' ? sink : '?',
  };
}

/**
 * Failed notifications, newest first, with the total matching the filter. They stay in the
 * queue's failed set (never removed automatically) until retried or removed by an operator.
 */
export async function listFailedDeliveries(
  queue: NotificationQueue,
  { sink, offset = 0, limit = 100 }: FailedQuery = {},
): Promise<{ total: number; items: FailedDelivery[] }> {
  const items: FailedDelivery[] = [];
  let total = 0;
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getFailed(start, start + PAGE - 1);
    for (const job of jobs) {
      const failed = describe(job as Job);
      if (!failed || (sink !== undefined && failed.sink !== sink)) continue;
      if (total >= offset && items.length < limit) items.push(failed);
      total++;
    }
    if (jobs.length < PAGE) break;
  }
  return { total, items };
}

export interface RetrySelection {
  /** These failed jobs (ids as listed); ids not in the failed set are reported as missing. */
  jobIds?: readonly string[];
  /** Every failed job of this sink. */
  sink?: string;
}

/**
 * Puts failed notifications back on the queue with a fresh set of attempts. A delivery that was
 * sent in the meantime cannot be retried twice: only jobs in the failed set move.
 */
export async function retryFailedDeliveries(
  queue: NotificationQueue,
  selection: RetrySelection,
): Promise<{ retried: string[]; missing: string[] }> {
  const retried: string[] = [];
  const missing: string[] = [];
  let ids: string[];
  if (selection.jobIds) {
    ids = [...selection.jobIds];
  } else {
    const { items } = await listFailedDeliveries(queue, {
      ...(selection.sink === undefined ? {} : { sink: selection.sink }),
      limit: Number.MAX_SAFE_INTEGER,
    });
    ids = items.map((item) => item.jobId);
  }
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed') {
      missing.push(id);
      continue;
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    retried.push(id);
  }
  return { retried, missing };
}
