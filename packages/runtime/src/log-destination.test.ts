import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { batchedDestination, logFlushed } from './log-destination.js';

/** A target that keeps every write it gets, as one string each. */
function recordingTarget() {
  const writes: string[] = [];
  return { writes, target: { write: (text: string) => writes.push(text) } };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('batchedDestination', () => {
  it('writes the lines of one event-loop turn in one write, after the turn', async () => {
    const { writes, target } = recordingTarget();
    const logger = pino({ base: null, timestamp: false }, batchedDestination(target));
    logger.info('one');
    logger.info('two');
    logger.warn('three');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(
      writes[0]
        ?.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).msg),
    ).toEqual(['one', 'two', 'three']);
    logger.info('four');
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('"four"');
  });

  it('answers flush once the lines logged before it are written, at once when none are pending', async () => {
    const { writes, target } = recordingTarget();
    const logger = pino({ base: null, timestamp: false }, batchedDestination(target));
    await logFlushed(logger);
    expect(writes).toEqual([]);
    logger.info('alert line');
    const flushed = logFlushed(logger).then(() => writes.join(''));
    expect(writes).toEqual([]);
    expect(await flushed).toContain('"alert line"');
  });

  it('hands a failed write to everyone waiting for it', async () => {
    const destination = batchedDestination({
      write: () => {
        throw new Error('EPIPE: broken pipe');
      },
    });
    const logger = pino({}, destination);
    logger.info('lost');
    await expect(logFlushed(logger)).rejects.toThrow('EPIPE');
  });

  it('passes flush straight through for a stream that does not batch', async () => {
    const lines: string[] = [];
    const logger = pino({}, { write: (line: string) => lines.push(line) });
    logger.info('direct');
    await logFlushed(logger);
    expect(lines).toHaveLength(1);
  });
});

describe('stdout of a real process', () => {
  const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const run = (code: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: packageDir, encoding: 'utf8' });

  it('writes what is pending when the process exits in the same turn', () => {
    const child = run(`
      import { createLogger } from '@imwatch/runtime';
      const logger = createLogger('t', 'info');
      for (let i = 0; i < 3; i++) logger.info({ i }, 'before exit');
      process.exit(0);
    `);
    expect(child.status).toBe(0);
    expect(child.stdout.split('\n').filter((line) => line.includes('before exit'))).toHaveLength(3);
  });

  it('keeps a line whose flush was awaited, even when the process is killed right after', () => {
    const child = run(`
      import { createLogger, logFlushed } from '@imwatch/runtime';
      const logger = createLogger('t', 'info');
      logger.warn({ alertId: 'a-1' }, 'alert');
      await logFlushed(logger);
      process.kill(process.pid, 'SIGKILL');
    `);
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('"alertId":"a-1"');
  });
});
