import { failEnvelope, Rejection } from '@imwatch/protocol';
import { Hono } from 'hono';
import { callbackHandler } from './callback-route.js';
import type { IngestDeps } from './env.js';
import { within } from './within.js';

/** The ingest HTTP app: the callback route plus health endpoints. Opens nothing itself. */
export function createApp(deps: IngestDeps) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    // A hung Redis must not hang the probe: no answer within a second counts as down.
    const redis = (await within(deps.redisReady(), 1000).catch(() => false)) === true;
    const spool = deps.spool;
    const status = readiness(redis);
    const body = {
      status,
      redis: redis ? 'up' : 'down',
      config: deps.config.source,
      ...(spool && { spool: { depth: spool.depth, bytes: spool.bytes, maxBytes: spool.maxBytes } }),
    };
    return c.json(body, status === 'ready' || status === 'degraded' ? 200 : 503);
  });

  /** Degraded = still acking, from the spool: the load balancer keeps such an ingest in rotation. */
  function readiness(redisUp: boolean): 'stopping' | 'ready' | 'degraded' | 'unavailable' {
    if (deps.stopping?.()) return 'stopping';
    const spool = deps.spool;
    if (redisUp) return (spool?.depth ?? 0) > 0 ? 'degraded' : 'ready';
    const canSpool =
      spool !== undefined && spool.maxBytes - spool.bytes >= deps.config.ingest.maxBodyBytes + 4096;
    return canSpool ? 'degraded' : 'unavailable';
  }

  app.post(deps.config.ingest.path, callbackHandler(deps));

  app.notFound((c) => c.json(failEnvelope(4040, `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json(failEnvelope(Rejection.INTERNAL.errorCode, 'internal error, retry later'), 500);
  });
  return app;
}
