import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@imwatch/config';
import { callbackId, SEND_MSG_EXCEPTION } from '@imwatch/protocol';
import type { CallbackJob } from '@imwatch/queue';
import { testRedisUrl } from '@imwatch/testing';
import { pino } from 'pino';
import { WORKER_NODE_FLAGS } from './node-flags.js';

export const APP = '1400000000';
/** 2026-01-01T00:00:00Z: a window edge for every default window. */
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;

export const configText = (extra = '') => `apps: [{ sdkAppId: ${APP} }, { sdkAppId: 1400000001 }]\n${extra}`;
export const defaultConfig = (extra = '') => parseConfig({}, configText(extra));

export interface FailureSpec {
  appId?: string;
  code: number;
  group: string;
  sender: string;
  at: number;
  random: number;
}

/** A `Group.CallbackSendMsgException` job as the ingest enqueues it, with an injected event time. */
export function failureCallback(spec: FailureSpec): CallbackJob {
  const appId = spec.appId ?? APP;
  const body = {
    CallbackCommand: SEND_MSG_EXCEPTION,
    GroupId: spec.group,
    Type: 'Public',
    From_Account: spec.sender,
    Random: spec.random,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `message ${spec.random}` } }],
    ErrorCode: spec.code,
    ErrorInfo: `error ${spec.code}`,
    EventTime: String(spec.at),
  };
  return {
    callbackId: callbackId(appId, SEND_MSG_EXCEPTION, body),
    appId,
    command: SEND_MSG_EXCEPTION,
    platform: 'RESTAPI',
    receivedAt: spec.at,
    body,
  };
}

/** Any other command: traffic only. */
export function otherCallback(command: string, at: number, random: number, appId = APP): CallbackJob {
  const body = { CallbackCommand: command, EventTime: at, Random: random };
  return { callbackId: callbackId(appId, command, body), appId, command, receivedAt: at, body };
}

/** A logger whose JSON lines land in an array (what a sink or the worker wrote). */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** The ids of the alerts a log sink wrote, in order. */
export const loggedAlerts = (lines: readonly Record<string, unknown>[]) =>
  lines.filter((line) => line.sink === 'log').map((line) => (line.alert as { id?: string } | undefined)?.id);

/** Writes an imwatch.yaml into a fresh temp dir; returns its path. */
export function writeConfigFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'imwatch-worker-')), 'imwatch.yaml');
  writeFileSync(path, text);
  return path;
}

export const WORKER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Starts the built worker (`apps/worker/dist/main.js`) as it is deployed, with its Node flags, on
 * the test Redis; stdout and stderr collected.
 */
export function startWorkerProcess(configPath: string, prefix: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, WORKER_MAIN], {
    env: {
      PATH: process.env.PATH,
      IMWATCH_CONFIG: configPath,
      REDIS_URL: testRedisUrl(),
      IMWATCH_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}
