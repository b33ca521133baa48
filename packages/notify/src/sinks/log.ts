import type { SinkConfig } from '@imwatch/config';
import { type Logger, logFlushed } from '@imwatch/runtime';
import { alertMessage, digestMessage } from '../message.js';
import { delivered } from '../outcome.js';
import { rateLimitsOf } from '../rate-limits.js';
import type { Sink } from '../sink.js';

type LogSinkConfig = Extract<SinkConfig, { type: 'log' }>;

/** Writes each alert as one structured log line: the sink that always works. */
export function createLogSink(name: string, config: LogSinkConfig, logger: Logger): Sink {
  const settings = { sink: name, locale: config.locale, templates: config.templates };
  return {
    name,
    type: 'log',
    limits: rateLimitsOf(config),
    digestMaxEntries: config.digest.maxEntries,
    async send(notice) {
      // Below the process's log level the line would be dropped anyway: skip rendering it.
      if (!logger.isLevelEnabled(config.level)) return delivered();
      if (notice.kind === 'alert') {
        const message = alertMessage(notice.alert, settings);
        logger[config.level]({ sink: name, alert: notice.alert, text: message.text }, message.title);
      } else {
        const message = digestMessage(notice.entries, notice.total, {
          ...settings,
          maxLines: config.digest.maxLines,
        });
        logger[config.level](
          { sink: name, digest: notice.id, total: notice.total, alertIds: notice.entries.map((e) => e.id) },
          message.title,
        );
      }
      // Delivered once the line has left the process: a crash after this cannot lose it.
      await logFlushed(logger);
      return delivered();
    },
  };
}
