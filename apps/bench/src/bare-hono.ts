// Child process: the ceiling for the ingest. A bare Hono app on @hono/node-server that parses
// the JSON body and answers the protocol's ack; nothing checked, nothing stored.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.post('/callback', async (c) => {
  await c.req.json();
  return c.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
