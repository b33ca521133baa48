import { failEnvelope, Rejection } from '@imwatch/protocol';
import { Hono } from 'hono';
import { callbackRoute } from './callback-route.js';
import type { AppEnv, IngestDeps } from './env.js';

/** The ingest HTTP app: the callback route plus health endpoints. Opens nothing itself. */
export function createApp(deps: IngestDeps) {
  const app = new Hono<AppEnv>();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const redis = await deps.redisReady().catch(() => false);
    const spool = deps.spool;
    const depth = spool?.depth ?? 0;
    // With room in the spool the ingest still acks callbacks while Redis is away: stay in rotation.
    const canSpool =
      spool !== undefined && spool.maxBytes - spool.bytes >= deps.config.ingest.maxBodyBytes + 4096;
    const status = deps.stopping?.()
      ? 'stopping'
      : redis
        ? depth > 0
          ? 'degraded'
          : 'ready'
        : canSpool
          ? 'degraded'
          : 'unavailable';
    const body = {
      status,
      redis: redis ? 'up' : 'down',
      config: deps.config.source,
      ...(spool && { spool: { depth, bytes: spool.bytes, maxBytes: spool.maxBytes } }),
    };
    return c.json(body, status === 'ready' || status === 'degraded' ? 200 : 503);
  });

  app.route(deps.config.ingest.path, callbackRoute(deps));

  app.notFound((c) => c.json(failEnvelope(4040, `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json(failEnvelope(Rejection.INTERNAL.errorCode, 'internal error, retry later'), 500);
  });
  return app;
}
