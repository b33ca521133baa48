import { createHmac } from 'node:crypto';
import type { SinkConfig } from '@imwatch/config';
import { noticeMessage, truncateBytes } from '../message.js';
import type { Sink } from '../sink.js';
import { httpSink, robotOutcome } from './http-sink.js';

type DingtalkConfig = Extract<SinkConfig, { type: 'dingtalk' }>;

export const DINGTALK_SEND_URL = 'https://oapi.dingtalk.com/robot/send';

/** DingTalk accepts about 20 KB of content; keep a margin for the JSON around it. */
const MAX_BYTES = 18_000;

/** -1 system busy, 130101 sending too fast (20 a minute), 410100 throttled. */
export const DINGTALK_RETRYABLE = [-1, 130101, 410100] as const;

/**
 * DingTalk's "加签" signature: HMAC-SHA256 keyed with the secret over `timestamp + "\n" + secret`,
 * base64; sent URL-encoded as `sign` with `timestamp` (ms) in the query.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/**
 * DingTalk custom robot: text or markdown with `at`; answers `{"errcode":0,"errmsg":"ok"}`. The
 * mobiles to @ must also appear as `@mobile` in the content for DingTalk to highlight them.
 */
export function createDingtalkSink(name: string, config: DingtalkConfig): Sink {
  const settings = {
    sink: name,
    locale: config.locale,
    templates: config.templates,
    maxLines: config.digest.maxLines,
  };
  const base =
    config.webhookUrl ?? `${DINGTALK_SEND_URL}?access_token=${encodeURIComponent(config.accessToken ?? '')}`;
  const mobiles = config.atMobiles ?? [];
  const mentions = mobiles.length > 0 ? `\n${mobiles.map((mobile) => `@${mobile}`).join(' ')}` : '';
  const at = { atMobiles: mobiles, isAtAll: config.atAll };
  return httpSink(name, config, {
    service: `dingtalk ${name}`,
    request(notice, now) {
      const message = noticeMessage(notice, settings);
      const url = new URL(base);
      if (config.secret) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', dingtalkSign(config.secret, now));
      }
      const payload =
        config.msgType === 'markdown'
          ? {
              msgtype: 'markdown',
              markdown: { title: message.title, text: truncateBytes(message.markdown, MAX_BYTES) + mentions },
              at,
            }
          : {
              msgtype: 'text',
              text: { content: truncateBytes(`${message.title}\n${message.text}`, MAX_BYTES) + mentions },
              at,
            };
      return {
        url: url.toString(),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      };
    },
    answer: (answer) =>
      robotOutcome(`dingtalk ${name}`, answer, {
        codeField: 'errcode',
        messageField: 'errmsg',
        retryable: DINGTALK_RETRYABLE,
      }),
  });
}
