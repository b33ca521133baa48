import { z } from 'zod';
import { durationSchema } from './duration.js';
import { LABELS } from './rules.js';

const labelSchema = z.enum(LABELS, { error: () => `must be one of ${LABELS.join(', ')}` });

/**
 * Alertmanager-style inhibition: while an alert of `source` is active (inside its cooldown or
 * window) for some labels, alerts of the `target` rules whose `equal` labels have the same values
 * are not sent.
 */
const inhibitSchema = z.strictObject({
  source: z.string().min(1),
  target: z.array(z.string().min(1)).min(1, 'list at least one rule'),
  equal: z.array(labelSchema).min(1, 'list at least one label'),
});

export type InhibitConfig = z.output<typeof inhibitSchema>;

export const DEFAULT_INHIBIT = [
  // A sender who is muted in a group also fails the send-rate check there; one alert is enough.
  { source: 'muted-sender', target: ['rate-limited-sender'], equal: ['app', 'group', 'sender'] },
] as const;

export const alertingSchema = z
  .strictObject({
    /** Sinks of a rule that names none. `log` writes the alert to the worker's log. */
    defaultSinks: z.array(z.string().min(1)).default(['log']),
    /** Length cap of the recent-alerts stream (approximate, `XADD MAXLEN ~`). */
    alertsStreamMaxLen: z.number().int().min(100).max(10_000_000).default(10_000),
    /** How long the queryable counters are kept (the coarse tier; the fine one for less). */
    countersRetentionDays: z.number().int().min(1).max(400).default(7),
    /** Width of one fine counter window. */
    counterWindow: durationSchema('1s', '1d').default(60_000),
    /** How long the fine windows are kept: they cost far more memory than the coarse ones. */
    fineCountersRetention: durationSchema('1m', '400d').default(86_400_000),
    /** Width of one coarse counter window, a multiple of `counterWindow`. */
    coarseCounterWindow: durationSchema('1s', '7d').default(3_600_000),
    /**
     * How long a callback id is remembered after its effects were applied: any run of the same
     * callback inside it changes nothing. Must outlast every possible re-run (see docs/rules.md).
     */
    guardTtl: durationSchema('1m', '30d').default(6 * 3_600_000),
    /** How long window and cooldown state outlives its window, so late events still count there. */
    lateness: durationSchema('0s', '7d').default(3_600_000),
    /** Absent: the defaults, for those of the shipped rules that are configured. */
    inhibit: z.array(inhibitSchema).optional(),
  })
  .superRefine((alerting, ctx) => {
    // Each coarse window must be the union of whole fine ones, so both tiers agree on every count.
    if (alerting.coarseCounterWindow % alerting.counterWindow !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['coarseCounterWindow'],
        message: `must be a multiple of counterWindow (${alerting.counterWindow / 1000}s), got ${alerting.coarseCounterWindow / 1000}s`,
      });
    if (alerting.fineCountersRetention > alerting.countersRetentionDays * 86_400_000)
      ctx.addIssue({
        code: 'custom',
        path: ['fineCountersRetention'],
        message: `must not exceed countersRetentionDays (${alerting.countersRetentionDays}d)`,
      });
  })
  .prefault({});
