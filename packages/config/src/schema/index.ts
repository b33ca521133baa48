import { z } from 'zod';
import { appsSchema } from './apps.js';
import { ingestSchema } from './ingest.js';
import { queueSchema, workerSchema } from './queue.js';
import { rulesSchema } from './rules.js';
import { sinksSchema } from './sinks.js';

/** The shape of imwatch.yaml. */
export const fileSchema = z.strictObject({
  apps: appsSchema,
  ingest: ingestSchema,
  queue: queueSchema,
  worker: workerSchema,
  rules: rulesSchema,
  sinks: sinksSchema,
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
