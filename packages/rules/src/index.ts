export { formatDuration } from './alert-text.js';
export { type ApplyResult, createRulesEngine, type RulesEngine, type RulesEngineDeps } from './engine.js';
export { type CallbackEvent, type DeliveryFailure, toEvent } from './event.js';
export { type CounterTier, type RulesKeys, rulesKeys } from './keys.js';
export {
  type CounterTiers,
  type CountsQuery,
  type CountsResult,
  counterTiers,
  DEFAULT_COUNTER_TIERS,
  pickTier,
  queryCounts,
} from './query.js';
