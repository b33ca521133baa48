import { parseConfig } from '@imwatch/config';
import { batchedDestination } from '@imwatch/runtime';
import { sampleAlert } from '@imwatch/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSinks } from './index.js';

describe('log sink', () => {
  it('answers delivered only once its line has been written, not while it waits in a batch', async () => {
    const writes: string[] = [];
    const logger = pino(
      { level: 'info' },
      batchedDestination({ write: (text: string) => writes.push(text) }),
    );
    const config = parseConfig({}, 'apps: [{ sdkAppId: 1400000000 }]');
    const sink = createSinks(config.sinks, { logger }).get('log');
    const alert = sampleAlert(1);
    const outcome = await sink?.send({ kind: 'alert', id: `${alert.id}:log`, alert }, Date.now());
    expect(outcome).toEqual({ status: 'delivered' });
    expect(writes.join('')).toContain(`"id":"${alert.id}"`);
  });
});
