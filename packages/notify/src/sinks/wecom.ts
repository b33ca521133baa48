import type { SinkConfig } from '@imwatch/config';
import { noticeMessage, truncateBytes } from '../message.js';
import type { Sink } from '../sink.js';
import { httpSink, robotOutcome } from './http-sink.js';

type WecomConfig = Extract<SinkConfig, { type: 'wecom' }>;

export const WECOM_SEND_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';

/** WeCom's content limits in UTF-8 bytes: text 2048, markdown 4096. */
const MAX_BYTES = { text: 2048, markdown: 4096 } as const;

/** -1 system busy, 45009 API frequency over the limit, 45033 too many concurrent calls. */
export const WECOM_RETRYABLE = [-1, 45009, 45033] as const;

/**
 * WeCom group robot: `{"msgtype":"text","text":{"content","mentioned_mobile_list"}}` or
 * `{"msgtype":"markdown","markdown":{"content"}}`; answers `{"errcode":0,"errmsg":"ok"}`.
 */
export function createWecomSink(name: string, config: WecomConfig): Sink {
  const settings = {
    sink: name,
    locale: config.locale,
    templates: config.templates,
    maxLines: config.digest.maxLines,
  };
  const url = config.webhookUrl ?? `${WECOM_SEND_URL}?key=${encodeURIComponent(config.key ?? '')}`;
  return httpSink(name, config, {
    service: `wecom ${name}`,
    request(notice) {
      const message = noticeMessage(notice, settings);
      const payload =
        config.msgType === 'markdown'
          ? {
              msgtype: 'markdown',
              markdown: { content: truncateBytes(message.markdown, MAX_BYTES.markdown) },
            }
          : {
              msgtype: 'text',
              text: {
                content: truncateBytes(`${message.title}\n${message.text}`, MAX_BYTES.text),
                ...(config.mentionedMobiles ? { mentioned_mobile_list: config.mentionedMobiles } : {}),
              },
            };
      return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
    },
    answer: (answer) =>
      robotOutcome(`wecom ${name}`, answer, {
        codeField: 'errcode',
        messageField: 'errmsg',
        retryable: WECOM_RETRYABLE,
      }),
  });
}
