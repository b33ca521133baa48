// Child process: the usual design the issue measured against, for reference (`--levers`). Hono
// on @hono/node-server that parses the body and awaits one BullMQ `queue.add` per request before
// the ack; no checks, no callback id, no deduplication.
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const queue = new Queue('callbacks', { connection, prefix: process.env.IMWATCH_PREFIX ?? 'bull' });

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.post('/callback', async (c) => {
  await queue.add('callback', await c.req.json());
  return c.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
