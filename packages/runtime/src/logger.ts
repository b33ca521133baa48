import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths that may hold secrets; pino replaces them before a line is written. */
const REDACT = [
  '*.callbackToken',
  '*.token',
  '*.secret',
  '*.password',
  '*.sign',
  '*.Sign',
  'req.headers.authorization',
];

/** JSON logs on stdout (or `destination`), one line per event, secrets redacted. */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** A connection URL fit for a log line: any password or user name is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    if (parsed.username) parsed.username = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
