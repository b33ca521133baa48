import type { SinkConfig } from '@imwatch/config';
import type { Logger } from '@imwatch/runtime';
import type { Sink } from '../sink.js';
import { createDingtalkSink } from './dingtalk.js';
import { createEmailSink } from './email.js';
import { createFeishuSink } from './feishu.js';
import { createLogSink } from './log.js';
import { createSlackSink } from './slack.js';
import { createWebhookSink } from './webhook.js';
import { createWecomSink } from './wecom.js';

export interface SinkDeps {
  logger: Logger;
}

/** Builds one sink from its config. */
export function createSink(name: string, config: SinkConfig, deps: SinkDeps): Sink {
  switch (config.type) {
    case 'log':
      return createLogSink(name, config, deps.logger);
    case 'webhook':
      return createWebhookSink(name, config);
    case 'slack':
      return createSlackSink(name, config);
    case 'wecom':
      return createWecomSink(name, config);
    case 'dingtalk':
      return createDingtalkSink(name, config);
    case 'feishu':
      return createFeishuSink(name, config);
    case 'email':
      return createEmailSink(name, config);
  }
}

/** Every configured sink by name. */
export function createSinks(
  configs: Readonly<Record<string, SinkConfig>>,
  deps: SinkDeps,
): Map<string, Sink> {
  return new Map(Object.entries(configs).map(([name, config]) => [name, createSink(name, config, deps)]));
}

/** Closes sinks that hold connections (SMTP pools). */
export async function closeSinks(sinks: ReadonlyMap<string, Sink>): Promise<void> {
  await Promise.all([...sinks.values()].map((sink) => sink.close?.()));
}
