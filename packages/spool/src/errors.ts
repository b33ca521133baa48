/** Base class of the spool's errors; every one means "this record is not durable here". */
export class SpoolError extends Error {
  override name = 'SpoolError';
}

/** The spool holds `maxBytes` already: the caller must refuse the work (the ingest answers 503). */
export class SpoolFullError extends SpoolError {
  override name = 'SpoolFullError';
  constructor(
    readonly usedBytes: number,
    readonly maxBytes: number,
  ) {
    super(`spool is full (${usedBytes} of ${maxBytes} bytes)`);
  }
}

export class SpoolClosedError extends SpoolError {
  override name = 'SpoolClosedError';
  constructor() {
    super('spool is closed');
  }
}

/** Another live process holds the spool directory; two writers would corrupt it. */
export class SpoolLockedError extends SpoolError {
  override name = 'SpoolLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`spool ${dir} is in use by process ${pid}`);
  }
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages, so
 * nothing written since the last good fsync can be trusted: the spool refuses every later append.
 */
export class SpoolBrokenError extends SpoolError {
  override name = 'SpoolBrokenError';
  constructor(readonly reason: unknown) {
    super(`spool is unusable after a failed disk write: ${(reason as Error)?.message ?? String(reason)}`);
  }
}
