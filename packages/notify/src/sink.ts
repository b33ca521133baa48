import type { SinkType } from '@imwatch/config';
import type { Alert, DigestEntry } from '@imwatch/queue';

import type { DeliveryOutcome } from './outcome.js';

/** What a sink is asked to send: one alert, or one digest standing for several. */
export type Notice =
  | { kind: 'alert'; id: string; alert: Alert }
  | { kind: 'digest'; id: string; entries: readonly DigestEntry[]; total: number };

/** One limit of a sink's rate: at most `max` messages in any `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** A configured destination. `send` makes exactly one external request and never throws. */
export interface Sink {
  readonly name: string;
  readonly type: SinkType;
  /** Empty when the sink is not rate-limited. */
  readonly limits: readonly RateLimit[];
  /** Held-back alerts kept for one digest; beyond this they are only counted. */
  readonly digestMaxEntries: number;
  send(notice: Notice, now: number): Promise<DeliveryOutcome>;
  close?(): Promise<void> | void;
}
