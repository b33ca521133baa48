import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from './redis-server.js';

describe('startRedisServer', () => {
  it('keeps data across a restart when append-only persistence is on', async () => {
    const server = await startRedisServer({ appendOnly: true });
    try {
      const client = new Redis(server.url);
      await client.set('k', 'v');
      client.disconnect();
      await server.restart();
      const again = new Redis(server.url);
      expect(await again.get('k')).toBe('v');
      again.disconnect();
    } finally {
      await server.destroy();
    }
  });
});
