import { type DestinationStream, pino } from 'pino';
import { turnBatcher } from './turn-batcher.js';

/** What the batched destination writes to: pino's sonic-boom, or anything with a `write`. */
export interface LineSink {
  write(text: string): unknown;
}

/** A pino destination whose `flush(cb)` calls back once every line logged so far is written. */
export interface BatchedDestination extends DestinationStream {
  flush(cb: (error?: Error) => void): void;
  /** Writes what is pending now (process exit). */
  flushNow(): void;
}

/**
 * Collects the lines logged during one turn of the event loop and writes them in one synchronous
 * write when the turn ends (setImmediate). `flush(cb)` answers after that write, so a caller can
 * wait until its line has left the process: the log sink does before its job completes. pino's
 * default destination instead hands lines to the thread pool, where a crash right after the job
 * completed could still cut off an alert's line. One write per turn rather than per line keeps a
 * busy process from paying a system call and a wake-up of the pipe's reader for every line.
 */
export function batchedDestination(target: LineSink): BatchedDestination {
  let waiting: ((error?: Error) => void)[] = [];
  const lines = turnBatcher<string>((batch) => {
    const callbacks = waiting;
    waiting = [];
    let failure: Error | undefined;
    try {
      target.write(batch.join(''));
    } catch (error) {
      failure = error as Error;
    }
    for (const callback of callbacks) callback(failure);
  });

  return {
    write(line: string) {
      lines.add(line);
    },
    // Lines are waiting, so their write is scheduled: answer after it.
    flush(cb) {
      if (lines.size === 0) return cb();
      waiting.push(cb);
    },
    flushNow: lines.flush,
  };
}

let stdout: BatchedDestination | undefined;

/**
 * The process's one stdout destination: batched per turn over a synchronous sonic-boom (a
 * finished write is in the kernel, and EAGAIN on a full pipe is retried), written out on exit.
 */
export function stdoutDestination(): BatchedDestination {
  if (stdout === undefined) {
    const destination = batchedDestination(pino.destination({ dest: 1, sync: true }));
    process.once('exit', () => destination.flushNow());
    stdout = destination;
  }
  return stdout;
}

/** Resolves once every line the logger has taken is written (at once for unbatched streams). */
export function logFlushed(logger: { flush(cb?: (error?: Error) => void): void }): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
}
