import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server this process started; only such a server may ever be flushed or stopped by tests. */
export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Keeps its data dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data dir (for outage tests). */
  restart(): Promise<void>;
  /** Stops it and deletes its data dir. */
  destroy(): Promise<void>;
}

export interface TestRedisOptions {
  /** Append-only file persistence, for tests that kill and restart Redis. */
  appendOnly?: boolean;
  /** Extra redis-server arguments, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  args?: string[];
  port?: number;
  /** A command redis-server runs under, e.g. `['valgrind', '--tool=callgrind']` (bench only). */
  launcher?: string[];
  /** How long it may take to answer PING (default 10 s), and to exit after SIGTERM (default 5 s). */
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** Finds a free TCP port on loopback by letting the kernel pick one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      // AOF loading answers LOADING errors until done; wait for a real PONG.
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

function spawnRedis(port: number, dir: string, options: TestRedisOptions): ChildProcess {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--loglevel',
    'warning',
    ...(options.args ?? []),
  ];
  const [command = REDIS_BIN, ...launcherArgs] = options.launcher ?? [];
  const child = spawn(command, options.launcher ? [...launcherArgs, REDIS_BIN, ...args] : args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

/** Starts a private redis-server on a free loopback port with its data in a fresh temp dir. */
export async function startRedisServer(options: TestRedisOptions = {}): Promise<TestRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'imwatch-redis-'));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const launch = async () => {
    for (let attempt = 0; ; attempt++) {
      const started = spawnRedis(port, dir, options);
      const failed = new Promise<Error>((resolve) => {
        started.once('error', (error) => resolve(error));
        started.once('exit', (code) => resolve(new Error(`redis-server exited with code ${code}`)));
      });
      const outcome = await Promise.race([
        waitForPing(`redis://127.0.0.1:${port}`, options.startTimeoutMs ?? 10_000).then(() => null),
        failed,
      ]);
      if (outcome === null) {
        child = started;
        return;
      }
      if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') {
        const [missing, pkg] = options.launcher?.[0]
          ? [options.launcher[0], options.launcher[0]]
          : [REDIS_BIN, 'redis-server'];
        throw new Error(`${missing} not found on PATH: install it (Debian/Ubuntu: apt-get install ${pkg})`);
      }
      // The port may have been taken between freePort() and the spawn: try another one.
      if (attempt >= 3 || options.port !== undefined) throw outcome;
      port = await freePort();
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), options.stopTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
