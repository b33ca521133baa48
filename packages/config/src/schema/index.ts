import { z } from 'zod';
import { alertingSchema, DEFAULT_INHIBIT } from './alerting.js';
import { appsSchema } from './apps.js';
import { ingestSchema } from './ingest.js';
import { notificationsSchema } from './notifications.js';
import { queueSchema, workerSchema } from './queue.js';
import { rulesSchema } from './rules.js';
import { sinksSchema, unknownSinkIssues } from './sinks.js';

/**
 * The shortest guard TTL that still outlasts every re-run of a callback: a duplicate enqueued at
 * the end of the dedup window, every retry backoff, and one stalled-job recovery.
 */
export function minimumGuardTtlMs(file: {
  ingest: { dedupWindowSeconds: number };
  queue: { attempts: number; backoffMs: number };
  worker: { lockDurationMs: number; stalledIntervalMs: number };
}): number {
  const backoffs = file.queue.backoffMs * (2 ** Math.max(0, file.queue.attempts - 1) - 1);
  return (
    file.ingest.dedupWindowSeconds * 1000 +
    backoffs +
    file.worker.lockDurationMs +
    file.worker.stalledIntervalMs
  );
}

/** The shape of imwatch.yaml. */
export const fileSchema = z
  .strictObject({
    apps: appsSchema,
    ingest: ingestSchema,
    queue: queueSchema,
    worker: workerSchema,
    rules: rulesSchema,
    alerting: alertingSchema,
    sinks: sinksSchema,
    notifications: notificationsSchema,
  })
  .superRefine((file, ctx) => {
    const names = new Set(file.rules.map((rule) => rule.name));
    file.alerting.inhibit?.forEach((inhibit, index) => {
      for (const [key, name] of [
        ['source', inhibit.source],
        ...inhibit.target.map((target) => ['target', target]),
      ] as const) {
        if (!names.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['alerting', 'inhibit', index, key],
            message: `no rule named ${name}`,
          });
      }
    });
    const sinkReferences = [
      ...file.rules.flatMap((rule, index) =>
        (rule.sinks ?? []).map((sink, at) => ({ path: ['rules', index, 'sinks', at], sink })),
      ),
      ...file.alerting.defaultSinks.map((sink, at) => ({ path: ['alerting', 'defaultSinks', at], sink })),
    ];
    for (const issue of unknownSinkIssues(sinkReferences, file.sinks))
      ctx.addIssue({ code: 'custom', ...issue });
    const minimum = minimumGuardTtlMs(file);
    if (file.alerting.guardTtl < minimum)
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'guardTtl'],
        message: `must be at least ${Math.ceil(minimum / 1000)}s (dedup window + retry backoffs + stalled-job recovery), or a re-run could count a callback twice`,
      });
  })
  // Without an `inhibit:` list the defaults apply to the shipped rules that are configured.
  .transform((file) => {
    const names = new Set(file.rules.map((rule) => rule.name));
    const inhibit =
      file.alerting.inhibit ??
      DEFAULT_INHIBIT.filter((d) => names.has(d.source) && d.target.some((t) => names.has(t))).map((d) => ({
        source: d.source,
        target: d.target.filter((t) => names.has(t)),
        equal: [...d.equal],
      }));
    return { ...file, alerting: { ...file.alerting, inhibit } };
  });

/** Infrastructure settings, read from the environment. */
export const envSchema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  IMWATCH_PREFIX: z
    .string()
    .regex(/^[^\s:]+$/, 'must be one word without spaces or colons')
    .default('{imwatch}'),
  /** Overrides `ingest.spool.dir`; a volume that outlives the container in production. */
  IMWATCH_SPOOL_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
