import { createSinks } from '@imwatch/notify';
import { createCallbackQueue, createNotificationQueue, createRedis, enqueueDeliveries } from '@imwatch/queue';
import { createRulesEngine, queryCounts, rulesKeys } from '@imwatch/rules';
import { createLogger } from '@imwatch/runtime';
import { testRedisUrl, uniquePrefix } from '@imwatch/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCallbackWorker } from './callback-worker.js';
import { createDeliver } from './deliver.js';
import { createRulesHandler, type Deliver } from './rules-handler.js';
import {
  APP,
  capturingLogger,
  defaultConfig,
  failureCallback,
  loggedAlerts,
  MINUTE,
  otherCallback,
  T0,
} from './worker.test-helpers.js';

const logger = createLogger('rules-handler-test', 'silent');
let connection: Redis;
let prefix: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  prefix = uniquePrefix('handler');
  connection = createRedis(testRedisUrl(), 'worker');
  closers.push(() => connection.quit());
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers.length = 0;
});

function setup(deliver?: (real: Deliver) => Deliver, { extraConfig = '', handlerLogger = logger } = {}) {
  const config = defaultConfig(extraConfig);
  const callbacks = createCallbackQueue(connection, prefix, {
    attempts: 5,
    backoffMs: 10,
    keepCompleted: { count: 1000, ageSeconds: 600 },
    keepFailed: { count: 1000, ageSeconds: 600 },
  });
  const notifications = createNotificationQueue(connection, prefix);
  closers.push(
    () => callbacks.close(),
    () => notifications.close(),
  );
  const engine = createRulesEngine({
    redis: connection,
    prefix,
    rules: config.rules,
    alerting: config.alerting,
  });
  const real: Deliver = async (alert, sinks) => {
    await enqueueDeliveries(notifications, alert, sinks);
    return false;
  };
  const worker = createCallbackWorker({
    connection,
    prefix,
    concurrency: 4,
    logger,
    handle: createRulesHandler({ engine, deliver: deliver ? deliver(real) : real, logger: handlerLogger }),
  });
  closers.push(() => worker.close());
  const drained = async () => {
    const counts = await callbacks.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  return { callbacks, notifications, drained };
}

const muted = (random: number) =>
  failureCallback({ code: 10017, group: '@TGS#g1', sender: 'mia', at: T0 + random, random });

describe('rules handler in the callback worker', () => {
  it('counts a callback enqueued twice under different job ids once', async () => {
    const { callbacks, notifications, drained } = setup();
    const callback = muted(1);
    await callbacks.add(callback.command, callback, { jobId: callback.callbackId });
    await callbacks.add(callback.command, callback, { jobId: 'replay-1' });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    expect(await callbacks.getCompletedCount()).toBe(2);
    const counts = await queryCounts(connection, prefix, {
      appId: APP,
      windows: 1,
      windowMs: MINUTE,
      now: T0,
    });
    expect(counts.byCategory).toEqual({ muted: 1 });
    expect(counts.traffic).toEqual({ [callback.command]: 1 });
    expect(await connection.xlen(rulesKeys(prefix).alerts)).toBe(1);
    const deliveries = await notifications.getJobs(['wait', 'delayed', 'active', 'completed']);
    const [[, fields] = ['', []]] = await connection.xrange(rulesKeys(prefix).alerts, '-', '+');
    expect(deliveries.map((job) => job.id)).toEqual([`${fields[1]}.log`]);
  });

  it('enqueues the deliveries of a run that crashed after applying its effects', async () => {
    let calls = 0;
    const { callbacks, notifications, drained } = setup((real) => async (alert, sinks, fresh) => {
      calls++;
      // The first attempt dies between the Lua call and the enqueue, as a crash would.
      if (calls === 1) throw new Error('crash before enqueue');
      return real(alert, sinks, fresh);
    });
    const callback = muted(2);
    await callbacks.add(callback.command, callback, { jobId: callback.callbackId });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    const job = await callbacks.getJob(callback.callbackId);
    expect(job?.attemptsMade).toBe(2);
    expect(calls).toBe(2);
    const deliveries = await notifications.getJobs(['wait', 'delayed', 'active', 'completed']);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.data).toMatchObject({
      sink: 'log',
      alert: { rule: 'muted-sender', sender: 'mia' },
    });
    expect(await connection.xlen(rulesKeys(prefix).alerts)).toBe(1);
    const counts = await queryCounts(connection, prefix, {
      appId: APP,
      windows: 1,
      windowMs: MINUTE,
      now: T0,
    });
    expect(counts.total).toBe(1);
  });

  it('counts every command, known or not, per app', async () => {
    const { callbacks, drained } = setup();
    const jobs = [
      otherCallback('State.StateChange', T0, 1),
      otherCallback('State.StateChange', T0, 2),
      otherCallback('Vendor.CallbackSomethingNew', T0, 3),
      muted(4),
    ];
    for (const job of jobs) await callbacks.add(job.command, job, { jobId: job.callbackId });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    const counts = await queryCounts(connection, prefix, {
      appId: APP,
      windows: 1,
      windowMs: MINUTE,
      now: T0,
    });
    expect(counts.traffic).toEqual({
      'State.StateChange': 2,
      'Vendor.CallbackSomethingNew': 1,
      'Group.CallbackSendMsgException': 1,
    });
  });
});

/**
 * The shipped wiring: createDeliver over the configured sinks (the built-in log sink writes in
 * place), handler and sinks sharing one captured log, as in the worker (main.ts).
 * `failFirstDelivery`: the first attempt dies after the rules script applied the callback, before
 * any delivery.
 */
function setupWithSinks(extraConfig = '', failFirstDelivery = false) {
  const { logger: shared, lines } = capturingLogger();
  const sinks = createSinks(defaultConfig(extraConfig).sinks, { logger: shared });
  const notifications = createNotificationQueue(connection, prefix);
  closers.push(() => notifications.close());
  const deliver = createDeliver(notifications, sinks);
  let calls = 0;
  const dying: Deliver = async (...args) => {
    if (failFirstDelivery && ++calls === 1) throw new Error('crash before the delivery');
    return deliver(...args);
  };
  const { callbacks, drained } = setup(() => dying, { extraConfig, handlerLogger: shared });
  return {
    lines,
    callbacks,
    drained,
    /** The alerts the log sink wrote. */
    logged: () => loggedAlerts(lines),
    /** Runs one muted callback through the worker; answers the id of the alert it raised. */
    async raise(random: number) {
      const callback = muted(random);
      await callbacks.add(callback.command, callback, { jobId: callback.callbackId });
      await expect.poll(drained, { timeout: 10_000 }).toBe(0);
      const [[, fields] = ['', []]] = await connection.xrange(rulesKeys(prefix).alerts, '-', '+');
      return { id: String(fields[1]), jobId: callback.callbackId };
    },
    /** The log lines that name this alert. */
    mentions: (id: string) => lines.filter((line) => JSON.stringify(line).includes(id)),
  };
}

describe('rules handler with the log sink written in place', () => {
  it('writes an alert once although its callback comes again under another job id', async () => {
    const { callbacks, drained, logged } = setupWithSinks();
    const callback = muted(5);
    await callbacks.add(callback.command, callback, { jobId: callback.callbackId });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    await callbacks.add(callback.command, callback, { jobId: 'replay-5' });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    const [[, fields] = ['', []]] = await connection.xrange(rulesKeys(prefix).alerts, '-', '+');
    expect(logged()).toEqual([fields[1]]);
  });

  it('writes the alert on the retry of a job whose first attempt died after applying it', async () => {
    const { callbacks, drained, logged } = setupWithSinks('', true);
    const callback = muted(6);
    await callbacks.add(callback.command, callback, { jobId: callback.callbackId });
    await expect.poll(drained, { timeout: 10_000 }).toBe(0);
    expect((await callbacks.getJob(callback.callbackId))?.attemptsMade).toBe(2);
    const [[, fields] = ['', []]] = await connection.xrange(rulesKeys(prefix).alerts, '-', '+');
    expect(await connection.xlen(rulesKeys(prefix).alerts)).toBe(1);
    expect(logged()).toEqual([fields[1]]);
  });
});

describe("the rules handler's own alert line", () => {
  const WEBHOOK_ONLY = `sinks: { hook: { type: webhook, url: "http://127.0.0.1:9/x" } }
alerting: { defaultSinks: [hook] }`;

  it('is left out when a log sink writes the alert into the same log: one line per alert', async () => {
    const { raise, mentions, lines } = setupWithSinks();
    const { id } = await raise(7);
    expect(loggedAlerts(lines)).toEqual([id]);
    expect(mentions(id)).toHaveLength(1);
  });

  it('is written when the alert goes only to queued sinks, so the log still shows it', async () => {
    const { raise, mentions, lines } = setupWithSinks(WEBHOOK_ONLY);
    const { id } = await raise(8);
    expect(loggedAlerts(lines)).toEqual([]);
    expect(mentions(id)).toEqual([
      expect.objectContaining({ msg: 'alert', alertId: id, rule: 'muted-sender' }),
    ]);
  });

  it('is written on the retry of a job whose first attempt died before delivering the alert', async () => {
    const { raise, mentions, callbacks } = setupWithSinks(WEBHOOK_ONLY, true);
    const { id, jobId } = await raise(9);
    expect((await callbacks.getJob(jobId))?.attemptsMade).toBe(2);
    expect(mentions(id).filter((line) => line.msg === 'alert')).toHaveLength(1);
  });
});
