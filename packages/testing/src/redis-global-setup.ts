import type { TestProject } from 'vitest/node';
import type {} from './provided-context.js';
import { startRedisServer } from './redis-server.js';

/** Vitest global setup: one private redis-server per test run, stopped and deleted at the end. */
export default async function setup(project: TestProject) {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return async () => {
    await server.destroy();
  };
}
