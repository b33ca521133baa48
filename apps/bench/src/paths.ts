import { fileURLToPath } from 'node:url';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The repository root and the built entry points the bench starts as child processes. */
export const paths = {
  root: here('../../../'),
  shippedConfig: here('../../../imwatch.yaml'),
  ingestMain: here('../../ingest/dist/main.js'),
  workerMain: here('../../worker/dist/main.js'),
  bareHono: here('./bare-hono.js'),
  honoQueueAdd: here('./hono-queue-add.js'),
  noopWorker: here('./noop-worker.js'),
  ingestVariant: here('./ingest-variant.js'),
  // Built, also when a test imports this from src: the load generator always runs as compiled JS.
  load: here('../dist/load.js'),
} as const;
