import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackAdder, MAX_CALLBACKS_PER_ADD } from './add-callbacks.js';
import { createCallbackQueue } from './callbacks.js';
import { createBatchStore } from './intake.js';
import { BATCHES_PER_MOVE, createIntakeMover, type MoveResult } from './intake-mover.js';
import { imwatchKeys } from './keys.js';
import { CALLBACKS_QUEUE } from './names.js';
import {
  COMMAND,
  testCallback as callback,
  queueSnapshot,
  SETTINGS,
  WINDOW_MS,
} from './queue.test-helpers.js';
import { createRedis, whenReady } from './redis.js';
import { parseStoredBatch, type StoredCallback, storedBatchText, storedCallback } from './stored-callback.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  closers.length = 0;
});

async function connect(role: 'producer' | 'worker') {
  const redis: Redis = createRedis(testRedisUrl(), role);
  await whenReady(redis, 5000);
  closers.push(() => redis.quit());
  return redis;
}

/** An intake list and a callbacks queue under a prefix of their own; the mover only when started. */
async function openIntake() {
  const prefix = uniquePrefix('intake');
  const redis = await connect('producer');
  const keys = imwatchKeys(prefix);
  const callbacks = createCallbackQueue(redis, prefix, SETTINGS);
  closers.push(async () => {
    await callbacks.obliterate({ force: true }).catch(() => {});
    await callbacks.close();
    await redis.del(keys.intake, keys.intakeMarker, keys.intakeDamaged);
  });
  const moves: MoveResult[] = [];
  const startMover = async () => {
    const mover = createIntakeMover({
      connection: await connect('producer'),
      prefix,
      callbacks,
      dedupWindowMs: WINDOW_MS,
      onMoved: (result) => moves.push(result),
    });
    closers.push(() => mover.close());
    return mover;
  };
  const stored = async () =>
    (await redis.lrange(keys.intake, 0, -1)).reverse().map((text) => parseStoredBatch(text));
  const moved = () => expect.poll(() => redis.llen(keys.intake), { timeout: 10_000 }).toBe(0);
  return {
    prefix,
    redis,
    keys,
    callbacks,
    store: createBatchStore(redis, prefix),
    startMover,
    stored,
    moved,
    moves,
  };
}

/** The callbacks queue's keys of a snapshot. */
const callbacksOnly = (snapshot: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(snapshot).filter(([key]) => key.startsWith(`:${CALLBACKS_QUEUE}:`)));

describe('createBatchStore', () => {
  it('stores a batch as one entry of the intake list, each callback as the callbacks queue will hold it', async () => {
    const { store, stored, redis, keys } = await openIntake();
    // Spacing, newlines and characters of several UTF-8 bytes, as a sender may have them.
    const text = JSON.stringify({ ...callback(1).body, Note: '群组 🚀 "quoted"\n' }, null, 1);
    await store([callback(1), callback(2)], [text, undefined]);
    await store([callback(3)]);
    expect(await stored()).toEqual([
      [storedCallback(callback(1), text), storedCallback(callback(2))],
      [storedCallback(callback(3))],
    ]);
    const [[first]] = (await stored()) as [[StoredCallback]];
    expect(JSON.parse(first[2]).body.Note).toBe('群组 🚀 "quoted"\n');
    expect(first[2].endsWith(`"body":${text}}`)).toBe(true);
    // Every store leaves the marker that wakes a blocked mover (one member, however many stores).
    expect(await redis.zrange(keys.intakeMarker, 0, -1)).toEqual(['0']);
  });

  it('refuses a callback whose id is not a callback id, and stores none of its batch', async () => {
    const { store, stored } = await openIntake();
    const forged = { ...callback(2), callbackId: 'cb-1","attempts":99,"x":"' };
    await expect(store([callback(1), forged])).rejects.toThrow(/not a callback id/);
    expect(await stored()).toEqual([]);
  });
});

describe('createIntakeMover', () => {
  it('turns stored batches into exactly the callback jobs the adder makes, and empties the intake', async () => {
    const moved = await openIntake();
    await moved.store([callback(1), callback(2)]);
    await moved.store([callback(3)]);
    await moved.startMover();
    await moved.moved();

    const direct = await openIntake();
    await createCallbackAdder(
      direct.redis,
      direct.callbacks,
      WINDOW_MS,
    )([callback(1), callback(2), callback(3)]);
    expect(callbacksOnly(await queueSnapshot(moved.redis, moved.prefix))).toEqual(
      callbacksOnly(await queueSnapshot(direct.redis, direct.prefix)),
    );
    expect(await moved.redis.exists(moved.keys.intake, moved.keys.intakeDamaged)).toBe(0);
    const jobs = await moved.callbacks.getJobs(['waiting']);
    expect(jobs.find((job) => job.id === callback(2).callbackId)?.data).toEqual(callback(2));
  });

  it('moves a body of multi-byte characters and newlines byte for byte', async () => {
    const { callbacks, redis, prefix, store, startMover, moved } = await openIntake();
    const text = JSON.stringify({ ...callback(7).body, Note: '群组 🚀 "quoted"\n\u2028' }, null, 2);
    await store([callback(6), callback(7), callback(8)], [undefined, text, undefined]);
    await startMover();
    await moved();
    const data = await redis.hget(`${prefix}:${CALLBACKS_QUEUE}:${callback(7).callbackId}`, 'data');
    expect(data?.endsWith(`"body":${text}}`)).toBe(true);
    const job = await callbacks.getJob(callback(7).callbackId);
    expect(job?.data.body.Note).toBe('群组 🚀 "quoted"\n\u2028');
    expect((await callbacks.getJob(callback(8).callbackId))?.data).toEqual(callback(8));
  });

  it('makes one job of a callback however often it is stored', async () => {
    const { callbacks, store, startMover, moved, moves } = await openIntake();
    await store([callback(1), callback(2), callback(1)]);
    await store([callback(2), callback(3)]);
    await startMover();
    await moved();
    expect((await callbacks.getJobs(['waiting'])).map((job) => job.id).sort()).toEqual(
      [1, 2, 3].map((n) => callback(n).callbackId),
    );
    const total = (pick: (m: MoveResult) => number) => moves.reduce((sum, m) => sum + pick(m), 0);
    expect([total((m) => m.batches), total((m) => m.callbacks), total((m) => m.added)]).toEqual([2, 5, 3]);
  });

  it('wakes for batches stored while it waits, and moves more than one call takes', async () => {
    const { callbacks, store, startMover, moved, moves } = await openIntake();
    await startMover();
    await new Promise((resolve) => setTimeout(resolve, 100)); // blocked on the empty intake by now
    await store([callback(0)]);
    await expect.poll(() => callbacks.getJobCountByTypes('waiting'), { timeout: 2000 }).toBe(1);
    // Many batches at once, one of them larger than an add script call takes.
    const batches = BATCHES_PER_MOVE * 3;
    for (let b = 1; b <= batches; b++)
      await store(Array.from({ length: 16 }, (_, n) => callback(b * 100 + n)));
    await store(Array.from({ length: MAX_CALLBACKS_PER_ADD + 200 }, (_, n) => callback(10_000 + n)));
    await moved();
    expect(await callbacks.getJobCountByTypes('waiting')).toBe(
      1 + batches * 16 + MAX_CALLBACKS_PER_ADD + 200,
    );
    expect(moves.every((m) => m.batches <= BATCHES_PER_MOVE)).toBe(true);
  });

  it('sets damaged batches aside whole, adds none of them, and goes on with the rest', async () => {
    const { callbacks, redis, keys, store, startMover, moved, moves } = await openIntake();
    const good = storedCallback(callback(1));
    const text = storedBatchText([good]);
    const damaged = [
      // An id that would break out of the opts JSON, after a good callback: none of it is added.
      storedBatchText([storedCallback(callback(3)), ['cb-1","attempts":99,"x":"', COMMAND, good[2]]]),
      '',
      'not a batch at all',
      JSON.stringify([good]),
      storedBatchText([[good[0], '', good[2]]]),
      storedBatchText([[good[0].toUpperCase(), COMMAND, good[2]]]),
      storedBatchText([[good[0], COMMAND, 'not an object']]),
      text.slice(0, -1), // cut short
      text.replace(` ${good[2].length}\n`, ` ${good[2].length + 1}\n`), // a length past its end
      `${text}cb-`, // a good callback, then garbage
    ];
    for (const text of damaged) await redis.lpush(keys.intake, text);
    await store([callback(2)]);
    await startMover();
    await moved();
    expect((await redis.lrange(keys.intakeDamaged, 0, -1)).reverse()).toEqual(damaged);
    expect((await callbacks.getJobs(['waiting'])).map((job) => job.id)).toEqual([callback(2).callbackId]);
    // parseStoredBatch, the reading tests and operators use, refuses the same texts.
    expect(damaged.map((t) => parseStoredBatch(t))).toEqual(damaged.map(() => undefined));
    expect(moves.reduce((sum, m) => sum + m.damaged, 0)).toBe(damaged.length);
  });

  it('goes on after the script cache was flushed (NOSCRIPT), and close() ends its wait at once', async () => {
    const { callbacks, redis, store, startMover, moved } = await openIntake();
    const mover = await startMover();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A new script cache: the mover's next call answers NOSCRIPT and goes again as EVAL.
    await redis.script('FLUSH');
    await store([callback(5)]);
    await moved();
    expect(await callbacks.getJobCountByTypes('waiting')).toBe(1);
    const started = Date.now();
    await mover.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
