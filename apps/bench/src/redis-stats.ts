import type { Redis } from 'ioredis';

/** The Redis counters the bench compares before and after a phase. */
export interface RedisSnapshot {
  /** calls per command, from INFO commandstats (calls made inside scripts included). */
  calls: Map<string, number>;
  totalCommands: number;
  /** Read events on client sockets: about one per round trip from a client. */
  reads: number;
  usedMemory: number;
}

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/** One INFO call (it counts itself: one `info` call and one read, which `delta` subtracts). */
export async function snapshot(redis: Redis): Promise<RedisSnapshot> {
  const fields = infoFields(await redis.info('everything'));
  const calls = new Map<string, number>();
  for (const [key, value] of fields) {
    if (!key.startsWith('cmdstat_')) continue;
    const match = /calls=(\d+)/.exec(value);
    if (match) calls.set(key.slice('cmdstat_'.length), Number(match[1]));
  }
  return {
    calls,
    totalCommands: Number(fields.get('total_commands_processed') ?? 0),
    reads: Number(fields.get('total_reads_processed') ?? 0),
    usedMemory: Number(fields.get('used_memory') ?? 0),
  };
}

export interface RedisDelta {
  calls: Map<string, number>;
  /** Commands run, the bench's own INFO and polling left out. */
  commands: number;
  reads: number;
}

/**
 * What happened between two snapshots, minus the bench's own traffic: the closing INFO, and
 * `ownCommands`/`ownReads` the caller made on purpose (e.g. polling).
 */
export function delta(
  before: RedisSnapshot,
  after: RedisSnapshot,
  ownCommands: Map<string, number>,
  ownReads: number,
): RedisDelta {
  const calls = new Map<string, number>();
  let commands = 0;
  for (const [name, count] of after.calls) {
    const own = (ownCommands.get(name) ?? 0) + (name === 'info' ? 1 : 0);
    const diff = count - (before.calls.get(name) ?? 0) - own;
    if (diff > 0) {
      calls.set(name, diff);
      commands += diff;
    }
  }
  return { calls, commands, reads: after.reads - before.reads - 1 - ownReads };
}
