interface Waiting {
  due: number;
  done: boolean;
  resolve: (value: 'timeout') => void;
}

/**
 * The waits of one `ms` on one timer instead of one each: every accepted callback waits on Redis
 * under the spool's timeout, and a timer, a race and a `finally` per request were measurable on
 * the ingest's path. Deadlines are set in the order of the calls, so the earliest is always at the
 * front; the timer is armed for the front one and cleared when nothing waits.
 */
export function sharedDeadline(ms: number, now: () => number = performance.now.bind(performance)) {
  let waiting: Waiting[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  /** Drops the settled calls at the front; when none is left, the timer goes too. */
  function advance() {
    while (head < waiting.length && waiting[head]?.done) head++;
    if (head === waiting.length) {
      waiting = [];
      head = 0;
      clearTimeout(timer);
      timer = undefined;
    } else if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
  }

  function expire() {
    timer = undefined;
    const at = now();
    for (let front = waiting[head]; front && (front.done || front.due <= at); front = waiting[++head]) {
      if (front.done) continue;
      front.done = true;
      front.resolve('timeout');
    }
    advance();
    const front = waiting[head];
    if (front && timer === undefined) timer = setTimeout(expire, Math.max(0, front.due - at));
  }

  /** Waits for `work` at most `ms`, then answers 'timeout' and leaves it running; a late failure is ignored. */
  return function inTime<T>(work: Promise<T>): Promise<T | 'timeout'> {
    return new Promise<T | 'timeout'>((resolve, reject) => {
      const entry: Waiting = { due: now() + ms, done: false, resolve };
      waiting.push(entry);
      timer ??= setTimeout(expire, ms);
      // After a timeout the promise is settled: a late value or failure changes nothing.
      work.then(
        (value) => {
          resolve(value);
          entry.done = true;
          advance();
        },
        (error: unknown) => {
          reject(error);
          entry.done = true;
          advance();
        },
      );
    });
  };
}

const deadlines = new Map<number, ReturnType<typeof sharedDeadline>>();

/**
 * Waits for `work` at most `ms`, then answers 'timeout' and leaves it running; a late failure is
 * ignored. For Redis calls on the request path: a Redis that hangs (paused, swapping, failing
 * over) must not hang the answer. Calls with the same `ms` share one timer (sharedDeadline), so
 * `ms` is a setting, not a per-call value.
 */
export function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let inTime = deadlines.get(ms);
  if (inTime === undefined) {
    inTime = sharedDeadline(ms);
    deadlines.set(ms, inTime);
  }
  return inTime(work);
}
