import type { SinkConfig } from '@imwatch/config';
import { createTransport } from 'nodemailer';
import { type Message, noticeMessage } from '../message.js';
import { type DeliveryOutcome, delivered, permanent, retryLater } from '../outcome.js';
import { rateLimitsOf } from '../rate-limits.js';
import type { Sink } from '../sink.js';

type EmailConfig = Extract<SinkConfig, { type: 'email' }>;

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The HTML part: the title as a heading and one paragraph line per text line, all escaped. */
export function emailHtml(message: Message): string {
  const lines = message.text.split('\n').map(escapeHtml).join('<br>\n');
  return `<!doctype html>\n<html><body>\n<h3>${escapeHtml(message.title)}</h3>\n<p>${lines}</p>\n</body></html>\n`;
}

/**
 * SMTP reply codes decide per RFC 5321: 5yz is a permanent rejection (except 503, a session in
 * the wrong state), 4yz transient. A failed login is permanent; connection trouble is retried.
 */
export function smtpOutcome(error: {
  code?: string;
  responseCode?: number;
  message: string;
}): DeliveryOutcome {
  const reason =
    `smtp: ${error.responseCode ? `${error.responseCode} ` : ''}${error.code ?? ''} ${error.message}`.trim();
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') return permanent(reason);
  if (error.responseCode !== undefined && error.responseCode >= 500 && error.responseCode !== 503)
    return permanent(reason);
  return retryLater(reason);
}

/** E-mail over SMTP, text and HTML; one connection per message (alerts are rare, pools idle). */
export function createEmailSink(name: string, config: EmailConfig): Sink {
  const settings = {
    sink: name,
    locale: config.locale,
    templates: config.templates,
    maxLines: config.digest.maxLines,
  };
  const timeouts = {
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  };
  const transport = createTransport(
    config.smtpUrl
      ? { url: config.smtpUrl, ...timeouts }
      : {
          host: config.host,
          ...(config.port === undefined ? {} : { port: config.port }),
          ...(config.secure === undefined ? {} : { secure: config.secure }),
          ...(config.auth ? { auth: config.auth } : {}),
          ...timeouts,
        },
  );
  return {
    name,
    type: 'email',
    limits: rateLimitsOf(config),
    digestMaxEntries: config.digest.maxEntries,
    async send(notice) {
      const message = noticeMessage(notice, settings);
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: message.title,
          text: message.text,
          html: emailHtml(message),
          // Lets mail clients thread and deduplicate retries of the same alert.
          headers: { 'X-Imwatch-Id': notice.id },
        });
        return delivered(`smtp ${String(info.response ?? '')}`.trim());
      } catch (error) {
        return smtpOutcome(error as { code?: string; responseCode?: number; message: string });
      }
    },
    close: () => transport.close(),
  };
}
