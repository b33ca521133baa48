export { formatDuration } from './alert-text.js';
export { type ApplyResult, createRulesEngine, type RulesEngine, type RulesEngineDeps } from './engine.js';
export { type CallbackEvent, type DeliveryFailure, toEvent } from './event.js';
export { type RulesKeys, rulesKeys } from './keys.js';
export { type CountsQuery, type CountsResult, queryCounts } from './query.js';
