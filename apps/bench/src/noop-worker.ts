// Child process: the ceiling for the worker. A BullMQ Worker on the callbacks queue whose
// processor does nothing, at the concurrency the real worker is configured with.
import { CALLBACKS_QUEUE, createRedis } from '@imwatch/queue';
import { Worker } from 'bullmq';

const connection = createRedis(process.env.REDIS_URL ?? '', 'worker');
connection.on('error', () => {});
const worker = new Worker(CALLBACKS_QUEUE, async () => {}, {
  connection,
  prefix: process.env.IMWATCH_PREFIX ?? '',
  concurrency: Number(process.env.CONCURRENCY ?? 50),
});
worker.on('error', (error) => console.error(error));
process.on('SIGTERM', () => {
  void worker.close().then(() => connection.quit().finally(() => process.exit(0)));
});
