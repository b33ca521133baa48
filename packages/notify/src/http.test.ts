import { type FakeService, freePort, sampleAlert, startFakeService } from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSink } from './sinks/index.js';
import { NOW, sinkConfig } from './sinks/test-config.test-helpers.js';

let service: FakeService;
afterEach(async () => {
  await service?.close();
});

const notice = { kind: 'alert' as const, id: 'al-000001.s', alert: sampleAlert(1) };
const webhookAt = (url: string, extra = '') =>
  createSink('s', sinkConfig(`{ type: webhook, url: "${url}"${extra} }`), { logger: undefined as never });

describe('HTTP answers and failures', () => {
  it('retries a 5xx and a 408, and fails other 4xx for good', async () => {
    const statuses = [500, 502, 408, 400, 401, 404, 410];
    service = await startFakeService((_request, index) => ({ status: statuses[index], body: 'nope' }));
    const sink = webhookAt(`${service.url}/h`);
    const outcomes = [];
    for (const _ of statuses) outcomes.push((await sink.send(notice, NOW)).status);
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'permanent', 'permanent', 'permanent', 'permanent']);
  });

  it('retries a 429 after its Retry-After, in seconds or as an HTTP date', async () => {
    const date = new Date(NOW + 90_000).toUTCString();
    const retryAfter: Record<string, string>[] = [{ 'retry-after': '7' }, { 'retry-after': date }, {}];
    service = await startFakeService((_request, index) => ({
      status: index === 2 ? 503 : 429,
      headers: retryAfter[index] ?? {},
      body: 'slow down',
    }));
    const sink = webhookAt(`${service.url}/h`);
    expect(await sink.send(notice, NOW)).toEqual({
      status: 'retry',
      reason: 'webhook s answered HTTP 429: slow down',
      retryAfterMs: 7000,
    });
    // HTTP dates have whole seconds: NOW + 90 s loses NOW's 123 ms.
    expect(await sink.send(notice, NOW)).toMatchObject({ status: 'retry', retryAfterMs: 89_877 });
    expect(await sink.send(notice, NOW)).toEqual({
      status: 'retry',
      reason: 'webhook s answered HTTP 503: slow down',
    });
  });

  it('retries when the service does not answer within timeoutMs', async () => {
    service = await startFakeService(() => ({ hang: true }));
    const sink = webhookAt(`${service.url}/h`, ', timeoutMs: 200');
    expect(await sink.send(notice, NOW)).toEqual({ status: 'retry', reason: 'no answer within 200 ms' });
  });

  it('retries when nothing listens, without the URL (robots keep secrets in it) in the reason', async () => {
    const port = await freePort();
    const sink = webhookAt(`http://127.0.0.1:${port}/h?access_token=secret-token`);
    const outcome = await sink.send(notice, NOW);
    expect(outcome).toEqual({ status: 'retry', reason: 'network error: ECONNREFUSED' });
  });

  it('does not follow a redirect', async () => {
    service = await startFakeService(() => ({ status: 302, headers: { location: '/elsewhere' }, body: '' }));
    const sink = webhookAt(`${service.url}/h`);
    expect((await sink.send(notice, NOW)).status).toBe('permanent');
    expect(service.requests).toHaveLength(1);
  });
});
