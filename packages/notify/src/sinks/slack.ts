import type { SinkConfig } from '@imwatch/config';
import { noticeMessage } from '../message.js';
import type { Sink } from '../sink.js';
import { httpSink } from './http-sink.js';

type SlackConfig = Extract<SinkConfig, { type: 'slack' }>;

/** Slack counts characters; beyond 40,000 it truncates, so stay well under. */
const MAX_CHARS = 35_000;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack incoming webhook: `{"text": …}`; Slack answers `ok`, errors come as 4xx with a word. */
export function createSlackSink(name: string, config: SlackConfig): Sink {
  const settings = {
    sink: name,
    locale: config.locale,
    templates: config.templates,
    maxLines: config.digest.maxLines,
  };
  return httpSink(name, config, {
    service: `slack ${name}`,
    request(notice) {
      const message = noticeMessage(notice, settings);
      const text = `*${escapeSlack(message.title)}*\n${escapeSlack(message.text)}`.slice(0, MAX_CHARS);
      return {
        url: config.webhookUrl,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      };
    },
  });
}
