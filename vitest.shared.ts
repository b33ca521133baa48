import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * One test setup for every workspace: `@imwatch/*` resolves to sources (no build needed) and a
 * private redis-server is started once per run on a free loopback port.
 */
export const sharedConfig = defineConfig({
  resolve: {
    alias: [{ find: /^@imwatch\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    globalSetup: [`${root}packages/testing/src/redis-global-setup.ts`],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
