import { z } from 'zod';
import { alertSchema } from './alert.js';
import { DELIVER_JOB, DIGEST_JOB } from './names.js';

/**
 * Data of a job on the callbacks queue. Plain JSON, readable with `redis-cli HGETALL`; the body
 * is kept exactly as Tencent sent it, unknown fields included.
 */
export const callbackJobSchema = z.object({
  callbackId: z.string().regex(/^cb-[0-9a-f]{32}$/),
  appId: z.string().min(1),
  command: z.string().min(1),
  platform: z.string().optional(),
  clientIp: z.string().optional(),
  /** When the ingest received it, ms since the epoch. */
  receivedAt: z.number().int().nonnegative(),
  body: z.record(z.string(), z.unknown()),
});

export type CallbackJob = z.infer<typeof callbackJobSchema>;

/** What a digest keeps of an alert: enough for its line and for finding the alert again. */
export const digestEntrySchema = z.object({
  id: z.string(),
  rule: z.string(),
  category: z.string(),
  appId: z.string(),
  summary: z.string(),
  lastEventTime: z.number(),
});

export type DigestEntry = z.infer<typeof digestEntrySchema>;

/** Jobs of the notifications queue by name. */
export const notificationJobs = {
  [DELIVER_JOB]: z.object({
    /** Name of the sink in imwatch.yaml. */
    sink: z.string().min(1),
    alert: alertSchema,
  }),
  [DIGEST_JOB]: z.object({
    sink: z.string().min(1),
    /** Generation of the sink's digest buffer this job sends. */
    gen: z.number().int().nonnegative(),
    /** The claimed alerts, copied here so a failed digest keeps them as long as the job exists. */
    batch: z
      .object({
        total: z.number().int().nonnegative(),
        entries: z.array(digestEntrySchema),
      })
      .optional(),
  }),
} as const;

export type DeliverJob = z.infer<(typeof notificationJobs)[typeof DELIVER_JOB]>;
export type DigestJob = z.infer<(typeof notificationJobs)[typeof DIGEST_JOB]>;
