import { randomUUID } from 'node:crypto';
import {
  DELIVER_JOB,
  DIGEST_JOB,
  type DigestJob,
  type NotificationQueue,
  notificationJobs,
} from '@imwatch/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type Admission,
  type AdmissionTtls,
  admitDelivery,
  admitDigest,
  claimDigest,
  DEFAULT_TTLS,
  releaseClaim,
} from './admission.js';
import { RetryableDeliveryError } from './errors.js';
import type { DeliveryOutcome } from './outcome.js';
import type { Sink } from './sink.js';

export interface DeliveryDeps {
  /** Connection for the rate-limit and digest scripts. */
  redis: Redis;
  prefix: string;
  /** Where digest jobs are added. */
  queue: NotificationQueue;
  sinks: ReadonlyMap<string, Sink>;
  /** Clock of the rate limits (ms); by default Redis's, shared by all hosts. Tests inject one. */
  now?: () => number;
  ttls?: AdmissionTtls;
}

/** What a finished notification job returns (kept with the completed job). */
export type DeliveryResult =
  | { status: 'delivered'; sink: string; detail?: string }
  | { status: 'held'; sink: string; digestJobId: string }
  | { status: 'digest-sent'; sink: string; total: number }
  | { status: 'digest-empty'; sink: string };

/** Job id of the digest for one generation of a sink's buffer (no `:`, as BullMQ wants). */
export const digestJobId = (sink: string, gen: number) => `digest.${sink}.${gen}`;

/**
 * The processor of the notifications queue. A delivery sends its alert when the sink's rate limit
 * allows and otherwise holds it for the sink's next digest; a digest sends the held alerts as one
 * message when the limit allows. Outcomes become BullMQ's: retry (with Retry-After) or fail.
 */
export function createDeliveryProcessor(deps: DeliveryDeps) {
  const now = deps.now ?? Date.now;
  // The limiter's time: Redis's own clock unless a clock is injected.
  const limiterNow = () => (deps.now ? deps.now() : undefined);
  const ttls = deps.ttls ?? DEFAULT_TTLS;

  const sinkOf = (name: string): Sink => {
    const sink = deps.sinks.get(name);
    // Permanent, so the job waits in the failed set until the config has the sink again.
    if (!sink)
      throw new UnrecoverableError(
        `unknown sink "${name}"; configured: ${[...deps.sinks.keys()].join(', ')}`,
      );
    return sink;
  };

  async function deliver(job: Job, data: unknown): Promise<DeliveryResult> {
    const parsed = notificationJobs[DELIVER_JOB].safeParse(data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid deliver job data: ${parsed.error.issues[0]?.message}`);
    const { sink: name, alert } = parsed.data;
    const sink = sinkOf(name);
    const jobId = job.id ?? `${alert.id}.${name}`;
    // A sink without rate limits (log, webhook, email by default) always sends: no slot to take,
    // so no member id or digest entry to build for it.
    const admission: Admission =
      sink.limits.length === 0
        ? { decision: 'send' }
        : await admitDelivery(deps.redis, {
            prefix: deps.prefix,
            sink: name,
            limits: sink.limits,
            now: limiterNow(),
            member: `${jobId}:${randomUUID()}`,
            ttls,
            jobId,
            alert,
            maxEntries: sink.digestMaxEntries,
          });
    if (admission.decision === 'held') {
      const digestId = digestJobId(name, admission.gen);
      // Same id for every alert of this generation: BullMQ keeps only the first add.
      await deps.queue.add(
        DIGEST_JOB,
        { sink: name, gen: admission.gen },
        { jobId: digestId, delay: Math.ceil(admission.waitMs) },
      );
      return { status: 'held', sink: name, digestJobId: digestId };
    }
    const outcome = await sink.send({ kind: 'alert', id: jobId, alert }, now());
    return { ...settle(outcome), sink: name };
  }

  async function digest(job: Job, data: unknown, token: string | undefined): Promise<DeliveryResult> {
    const parsed = notificationJobs[DIGEST_JOB].safeParse(data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid digest job data: ${parsed.error.issues[0]?.message}`);
    const { sink: name, gen } = parsed.data;
    const sink = sinkOf(name);
    let batch = parsed.data.batch;
    if (!batch) {
      batch = await claimDigest(deps.redis, deps.prefix, name, gen, ttls);
      if (batch.total === 0) return { status: 'digest-empty', sink: name };
      // The job now owns the batch: a failed digest keeps it as long as the failed job exists.
      await job.updateData({ ...parsed.data, batch } satisfies DigestJob);
      await releaseClaim(deps.redis, deps.prefix, name, gen);
    }
    const admission = await admitDigest(deps.redis, {
      prefix: deps.prefix,
      sink: name,
      limits: sink.limits,
      now: limiterNow(),
      member: `${job.id}:${randomUUID()}`,
      ttls,
    });
    if (admission.decision !== 'send') {
      const waitMs = Math.ceil(admission.waitMs);
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError(`rate limit of ${name}: digest waits ${waitMs} ms`);
    }
    const outcome = await sink.send(
      { kind: 'digest', id: job.id ?? digestJobId(name, gen), ...batch },
      now(),
    );
    settle(outcome);
    return { status: 'digest-sent', sink: name, total: batch.total };
  }

  return async (job: Job, token?: string): Promise<DeliveryResult> => {
    if (job.name === DELIVER_JOB) return deliver(job, job.data);
    if (job.name === DIGEST_JOB) return digest(job, job.data, token);
    throw new UnrecoverableError(`unknown notification job name "${job.name}"`);
  };
}

function settle(outcome: DeliveryOutcome): { status: 'delivered'; detail?: string } {
  if (outcome.status === 'retry') throw new RetryableDeliveryError(outcome.reason, outcome.retryAfterMs);
  if (outcome.status === 'permanent') throw new UnrecoverableError(outcome.reason);
  return outcome.detail === undefined
    ? { status: 'delivered' }
    : { status: 'delivered', detail: outcome.detail };
}
