import type { Logger } from 'pino';

type Closer = () => Promise<unknown> | unknown;

/**
 * One shutdown registry per process. Closers run in the reverse order of registration (stop the
 * server before the queue it feeds, the queue before its connection); each gets a deadline.
 * A second signal forces the exit.
 */
export class Shutdown {
  readonly #closers: { name: string; close: Closer }[] = [];
  #started: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 30_000,
  ) {}

  /** Registers something to close; registered last, closed first. */
  add(name: string, close: Closer): void {
    this.#closers.push({ name, close });
  }

  get isShuttingDown(): boolean {
    return this.#started !== undefined;
  }

  /** Closes everything once; later calls return the same promise. */
  run(reason: string): Promise<void> {
    this.#started ??= this.#closeAll(reason);
    return this.#started;
  }

  async #closeAll(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    for (const { name, close } of [...this.#closers].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.deadlineMs);
      });
      try {
        const outcome = await Promise.race([
          Promise.resolve(close()).then(() => 'closed' as const),
          deadline,
        ]);
        if (outcome === 'timeout') this.logger.warn({ name, deadlineMs: this.deadlineMs }, 'close timed out');
      } catch (error) {
        this.logger.error({ name, err: error }, 'close failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.logger.info('shut down');
  }

  /** SIGTERM/SIGINT close gracefully and exit 0; a second signal exits at once with 1. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.isShuttingDown) {
        this.logger.warn({ signal }, 'second signal: forcing exit');
        exit(1);
        return;
      }
      void this.run(signal).then(() => exit(0));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
}
