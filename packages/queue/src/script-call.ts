import { hash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';

/** Runs the script with these keys (its KEYS) and arguments (its ARGV); answers its reply. */
export type ScriptCall = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * Calls a Lua script by EVALSHA, its keys and arguments handed to ioredis as built. ioredis's own
 * script commands (`defineCommand`) copy every argument list through `Array.prototype.flat`,
 * ~145 ns an element on Node 20, and the rules' call carries ~40 per callback (BENCHMARKS.md).
 * A Redis that does not know the script (new, restarted, flushed) answers NOSCRIPT without running
 * anything; the same call then goes again as EVAL with the script's text, which Redis caches. EVAL
 * is routed by its keys like EVALSHA, so this holds on Redis Cluster too (SCRIPT LOAD would reach
 * some node, not necessarily the one that owns the keys).
 */
export function scriptCaller(redis: Redis, lua: string): ScriptCall {
  const sha = hash('sha1', lua, 'hex');
  const send = (how: 'evalsha' | 'eval', keys: readonly string[], args: readonly (string | number)[]) => {
    // Text replies, as ioredis's own commands answer them (without it: Buffers).
    const command = new Command(how, [], { replyEncoding: 'utf8' });
    command.args = [how === 'evalsha' ? sha : lua, keys.length, ...keys, ...args];
    command.stringifyArguments(); // numbers to text, as the constructor does with its arguments
    redis.sendCommand(command);
    return command.promise as Promise<unknown>;
  };
  return async (keys, args) => {
    try {
      return await send('evalsha', keys, args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return send('eval', keys, args);
    }
  };
}
