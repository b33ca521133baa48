import type { SinkConfig } from '@imwatch/config';
import { Webhook } from 'standardwebhooks';
import type { Notice, Sink } from '../sink.js';
import { httpSink } from './http-sink.js';

type WebhookConfig = Extract<SinkConfig, { type: 'webhook' }>;

/**
 * The JSON a webhook receives: the alert document itself (the public contract), or for a digest
 * `{type: "digest", id, total, alerts}`.
 */
export function webhookBody(notice: Notice): string {
  if (notice.kind === 'alert') return JSON.stringify(notice.alert);
  return JSON.stringify({ type: 'digest', id: notice.id, total: notice.total, alerts: notice.entries });
}

/**
 * POSTs the alert JSON, signed the Standard Webhooks way when a secret is set: `webhook-id` (the
 * same on every retry, so receivers can deduplicate), `webhook-timestamp` (seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`.
 */
export function createWebhookSink(name: string, config: WebhookConfig): Sink {
  const signer = config.secret ? new Webhook(config.secret) : undefined;
  const configured = Object.fromEntries(
    Object.entries(config.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
  return httpSink(name, config, {
    service: `webhook ${name}`,
    request(notice, now) {
      const body = webhookBody(notice);
      const headers: Record<string, string> = {
        ...configured,
        'content-type': 'application/json',
        'user-agent': 'imwatch',
        'webhook-id': notice.id,
        'webhook-timestamp': String(Math.floor(now / 1000)),
      };
      if (signer) headers['webhook-signature'] = signer.sign(notice.id, new Date(now), body);
      return { url: config.url, headers, body };
    },
  });
}
