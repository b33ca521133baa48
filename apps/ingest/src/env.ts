import type { Config } from '@imwatch/config';
import type { Logger } from '@imwatch/runtime';
import type { CallbackEnqueuer } from './enqueuer.js';
import type { RejectionLog } from './rejection-log.js';

/** What the ingest app is built from; `main.ts` makes the real ones, tests make their own. */
export interface IngestDeps {
  config: Config;
  enqueuer: CallbackEnqueuer;
  rejections: RejectionLog;
  logger: Logger;
  /** Is Redis answering? For /readyz. */
  redisReady: () => Promise<boolean>;
  /** The local spool behind the enqueuer, when there is one: /readyz reports its depth. */
  spool?: { readonly depth: number; readonly bytes: number; readonly maxBytes: number };
  /** True once shutdown began: /readyz answers 503 so load balancers stop sending. */
  stopping?: () => boolean;
  /** Clock, injectable so signature tests need no sleeping. */
  now?: () => number;
}
