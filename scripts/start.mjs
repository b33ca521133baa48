#!/usr/bin/env node
// `npm start`: runs the ingest and the worker against a Redis, found in this order:
//   1. REDIS_URL when it is set;
//   2. a Redis already answering on 127.0.0.1:6379;
//   3. a private redis-server from PATH, with its data (AOF) under .data/redis.
// Ctrl-C stops the apps (they finish what they hold) and then the private Redis.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (message) => console.error(`[start] ${message}`);

/** Resolves true when a Redis answers PING at host:port within the timeout. */
function redisAnswers(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Starts redis-server from PATH with durable settings; returns its URL and process. */
async function startPrivateRedis() {
  if (spawnSync('redis-server', ['--version']).error) {
    say('No Redis is reachable: REDIS_URL is not set, nothing answers on 127.0.0.1:6379,');
    say('and redis-server is not on PATH. Install Redis, then run `npm start` again:');
    say('  Debian/Ubuntu: sudo apt-get install redis-server');
    say('  macOS:         brew install redis');
    say('or point imwatch at a Redis you have: REDIS_URL=redis://host:6379 npm start');
    process.exit(1);
  }
  const dir = join(root, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    // Own process group: a terminal's Ctrl-C reaches this script only, which stops Redis last.
    { stdio: 'ignore', detached: true },
  );
  if (!(await waitFor(() => redisAnswers('127.0.0.1', port), 10_000))) {
    server.kill('SIGKILL');
    say(`redis-server did not answer on port ${port}; see ${join(dir, 'redis.log')}`);
    process.exit(1);
  }
  say(`started a private redis-server on 127.0.0.1:${port}, data in ${dir}`);
  // Its port is picked free at each start: the README's redis-cli commands need it.
  say(`look inside with: redis-cli -p ${port}`);
  return { url: `redis://127.0.0.1:${port}`, process: server };
}

async function chooseRedis() {
  if (process.env.REDIS_URL) {
    say('using REDIS_URL from the environment');
    return { url: process.env.REDIS_URL };
  }
  if (await redisAnswers('127.0.0.1', 6379)) {
    say('using the Redis answering on 127.0.0.1:6379');
    return { url: 'redis://127.0.0.1:6379' };
  }
  return startPrivateRedis();
}

const redis = await chooseRedis();
const env = { ...process.env, REDIS_URL: redis.url };
const { INGEST_NODE_FLAGS } = await import(join(root, 'apps', 'ingest', 'dist', 'node-flags.js'));
const { WORKER_NODE_FLAGS } = await import(join(root, 'apps', 'worker', 'dist', 'node-flags.js'));
const nodeFlags = { ingest: INGEST_NODE_FLAGS, worker: WORKER_NODE_FLAGS };
const apps = ['ingest', 'worker'].map((name) => {
  const child = spawn(process.execPath, [...nodeFlags[name], join(root, 'apps', name, 'dist', 'main.js')], {
    env,
    stdio: 'inherit',
    detached: true, // signals come from this script, once each, not from the terminal too
  });
  return { name, child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1))) };
});

let stopping = false;
async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  clearInterval(parentWatch);
  for (const { child } of apps) if (child.exitCode === null) child.kill('SIGTERM');
  const codes = await Promise.all(apps.map((app) => app.exited));
  if (redis.process) {
    redis.process.kill('SIGTERM'); // redis-server flushes its AOF on SIGTERM
    await new Promise((resolve) => redis.process.on('exit', resolve));
    say('private redis-server stopped');
  }
  process.exit(exitCode ?? Math.max(0, ...codes));
}

// First Ctrl-C: the apps stop gracefully. A second one is forwarded too, which forces them.
// SIGHUP too: a closed terminal must not leave the (detached) apps and Redis running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) for (const { child } of apps) if (child.exitCode === null) child.kill('SIGTERM');
    void stop(0);
  });
}
for (const { name, exited } of apps) {
  void exited.then((code) => {
    if (stopping) return;
    say(`${name} exited with code ${code}; stopping everything`);
    void stop(code || 1);
  });
}

// npm runs this script through `sh -c`: a SIGTERM or SIGKILL sent to npm ends npm and sh but never
// reaches this process. Once the parent is gone, stop as on Ctrl-C, leaving no orphans behind.
const parentPid = process.ppid;
const parentWatch = setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch (error) {
    if (error.code !== 'ESRCH') return; // EPERM: alive, only not ours to signal
    say('the process that started this one is gone; stopping everything');
    void stop(0);
  }
}, 1000);
