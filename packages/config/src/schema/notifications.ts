import { z } from 'zod';

/** Delivery of alerts to sinks: retries of the `notifications` queue and the worker's share. */
export const notificationsSchema = z
  .strictObject({
    /** Attempts per delivery before it stays in the failed set for an operator. */
    attempts: z.number().int().min(1).max(100).default(10),
    /** First retry delay; doubles each attempt, with jitter. */
    backoffMs: z.number().int().min(10).max(600_000).default(2000),
    /** Longest wait between attempts, a service's Retry-After included. */
    maxBackoffMs: z.number().int().min(100).max(86_400_000).default(600_000),
    /** Deliveries in flight at once per worker process. */
    concurrency: z.number().int().min(1).max(1000).default(20),
  })
  .prefault({});
