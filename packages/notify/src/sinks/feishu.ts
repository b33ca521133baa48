import { createHmac } from 'node:crypto';
import type { SinkConfig } from '@imwatch/config';
import { noticeMessage, truncateBytes } from '../message.js';
import type { Sink } from '../sink.js';
import { httpSink, robotOutcome } from './http-sink.js';

type FeishuConfig = Extract<SinkConfig, { type: 'feishu' }>;

/** Feishu caps a custom bot's request body at 20 KB. */
const MAX_BYTES = 18_000;

/** 11232: frequency limited (100 a minute, 5 a second per bot). */
export const FEISHU_RETRYABLE = [11232] as const;

/**
 * Feishu's signature, unlike DingTalk's: the HMAC-SHA256 *key* is `timestamp + "\n" + secret` and
 * the message is empty; base64; timestamp in seconds; both go in the JSON body.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/**
 * Feishu/Lark custom bot: `{"msg_type":"text","content":{"text"}}` (+ `timestamp`, `sign`);
 * answers `{"code":0,…}`, errors as a non-zero `code`, sometimes with HTTP 400.
 */
export function createFeishuSink(name: string, config: FeishuConfig): Sink {
  const settings = {
    sink: name,
    locale: config.locale,
    templates: config.templates,
    maxLines: config.digest.maxLines,
  };
  const codes = { codeField: 'code', messageField: 'msg', retryable: FEISHU_RETRYABLE };
  return httpSink(name, config, {
    service: `feishu ${name}`,
    request(notice, now) {
      const message = noticeMessage(notice, settings);
      const seconds = Math.floor(now / 1000);
      const signature = config.secret
        ? { timestamp: String(seconds), sign: feishuSign(config.secret, seconds) }
        : {};
      const payload = {
        ...signature,
        msg_type: 'text',
        content: { text: truncateBytes(`${message.title}\n${message.text}`, MAX_BYTES) },
      };
      return {
        url: config.webhookUrl,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      };
    },
    answer: (answer) => robotOutcome(`feishu ${name}`, answer, codes),
    robotError: (answer) => robotOutcome(`feishu ${name}`, answer, codes),
  });
}
