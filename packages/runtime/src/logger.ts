import { type DestinationStream, type Logger, pino } from 'pino';
import { stdoutDestination } from './log-destination.js';

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

/**
 * JSON logs on stdout (or `destination`), one line per event, secrets redacted. Stdout lines are
 * written once per event-loop turn (log-destination.ts); `logFlushed(logger)` waits for that.
 */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  return pino(options, destination ?? stdoutDestination());
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
