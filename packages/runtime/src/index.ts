export { batchedDestination, logFlushed } from './log-destination.js';
export { createLogger, type Logger, redactUrl } from './logger.js';
export {
  checkRedisForProduction,
  judgeRedisSettings,
  type RedisFinding,
  type RedisSettings,
  readRedisSettings,
} from './redis-check.js';
export { type RedisOutageOptions, watchRedisOutages } from './redis-outage.js';
export { Shutdown } from './shutdown.js';
export { type TurnBatcher, turnBatcher } from './turn-batcher.js';
