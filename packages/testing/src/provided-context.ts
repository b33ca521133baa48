import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the private redis-server started for this test run. */
    redisUrl: string;
  }
}

/** URL of the private redis-server the global setup started for this test run. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}
