/** Thrown to make BullMQ retry a delivery; carries the service's Retry-After when it sent one. */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}
