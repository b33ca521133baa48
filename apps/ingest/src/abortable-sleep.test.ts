import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortableSleep } from './abortable-sleep.js';

describe('abortableSleep', () => {
  it('leaves no abort listener behind once its timer fired (the replayer sleeps on one signal for days)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await abortableSleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('returns as soon as the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(3_600_000, controller.signal);
    controller.abort();
    await sleeping; // would hang the test for an hour if abort did not end it
    await abortableSleep(3_600_000, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
