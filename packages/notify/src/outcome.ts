/**
 * What one attempt to deliver produced. Expected failures are values: the worker turns `retry`
 * into a retry with backoff (or the service's Retry-After) and `permanent` into a failed job.
 */
export type DeliveryOutcome =
  | { status: 'delivered'; detail?: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'permanent'; reason: string };

export const delivered = (detail?: string): DeliveryOutcome =>
  detail === undefined ? { status: 'delivered' } : { status: 'delivered', detail };

export const retryLater = (reason: string, retryAfterMs?: number): DeliveryOutcome =>
  retryAfterMs === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs };

export const permanent = (reason: string): DeliveryOutcome => ({ status: 'permanent', reason });
