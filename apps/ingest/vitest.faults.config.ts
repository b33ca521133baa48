import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

/** `npm run test:faults`: child-process fault tests against the built ingest (run `npm run build` first). */
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['test/faults/**/*.fault.ts'],
      testTimeout: 240_000,
      hookTimeout: 60_000,
      fileParallelism: false,
    },
  }),
);
