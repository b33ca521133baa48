/**
 * Waits for `work` at most `ms`, then answers 'timeout' and leaves it running. For Redis calls on
 * the request path: a Redis that hangs (paused, swapping, failing over) must not hang the answer.
 */
export function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  work.catch(() => {}); // a late failure is the caller's to ignore
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
