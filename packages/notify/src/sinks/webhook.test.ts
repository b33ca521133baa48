import { createHmac, timingSafeEqual } from 'node:crypto';
import { type FakeService, sampleAlert, startFakeService } from '@imwatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createSink } from './index.js';
import { NOW, sinkConfig } from './test-config.test-helpers.js';

let service: FakeService;
afterEach(async () => {
  await service?.close();
});

const SECRET_BYTES = Buffer.from('a fixed 32-byte secret for tests', 'utf8');
const SECRET = `whsec_${SECRET_BYTES.toString('base64')}`;

/**
 * Verifies a Standard Webhooks signature as a receiver would, written from the spec: the key is
 * the base64 after `whsec_`, the signed content is `${id}.${timestamp}.${body}`, and the header
 * is a space-separated list of `v1,<base64 HMAC-SHA256>`.
 */
function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('webhook sink', () => {
  it('posts the alert JSON with Standard Webhooks headers and configured headers', async () => {
    service = await startFakeService(() => ({ status: 204, body: '' }));
    const sink = createSink(
      's',
      sinkConfig(
        `{ type: webhook, url: "${service.url}/hooks/imwatch?team=ops", secret: "\${HOOK_SECRET}", headers: { Authorization: "Bearer t0k", X-Team: ops } }`,
        { HOOK_SECRET: SECRET },
      ),
      { logger: undefined as never },
    );
    const alert = sampleAlert(7);
    expect(await sink.send({ kind: 'alert', id: 'al-000007.s', alert }, NOW)).toEqual({
      status: 'delivered',
      detail: 'HTTP 204',
    });
    const [request] = service.requests;
    expect(request?.url).toBe('/hooks/imwatch?team=ops');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer t0k');
    expect(request?.headers['x-team']).toBe('ops');
    expect(request?.headers['webhook-id']).toBe('al-000007.s');
    expect(request?.headers['webhook-timestamp']).toBe(String(Math.floor(NOW / 1000)));
    expect(JSON.parse(request?.body ?? '')).toEqual(alert);
    expect(verifyStandardWebhook(SECRET, request?.headers ?? {}, request?.body ?? '')).toBe(true);
    // The check can fail: another secret or a changed body does not verify.
    expect(
      verifyStandardWebhook(
        `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        request?.headers ?? {},
        request?.body ?? '',
      ),
    ).toBe(false);
    expect(verifyStandardWebhook(SECRET, request?.headers ?? {}, `${request?.body} `)).toBe(false);
  });

  it('posts a digest as {type: "digest", total, alerts} and sends no signature without a secret', async () => {
    service = await startFakeService(() => ({ body: '{}' }));
    const sink = createSink('s', sinkConfig(`{ type: webhook, url: "${service.url}/h" }`), {
      logger: undefined as never,
    });
    const entry = { id: 'al-1', rule: 'r', category: 'muted', appId: '1', summary: 'x', lastEventTime: 5 };
    await sink.send({ kind: 'digest', id: 'digest.s.3', entries: [entry], total: 4 }, NOW);
    const [request] = service.requests;
    expect(request?.headers['webhook-signature']).toBeUndefined();
    expect(request?.headers['webhook-id']).toBe('digest.s.3');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      type: 'digest',
      id: 'digest.s.3',
      total: 4,
      alerts: [entry],
    });
  });
});
