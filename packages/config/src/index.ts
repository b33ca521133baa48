export {
  type AlertingConfig,
  type Config,
  ConfigError,
  findConfigFile,
  loadConfig,
  parseConfig,
} from './config.js';
export { DEFAULT_INHIBIT, type InhibitConfig } from './schema/alerting.js';
export type { AppConfig } from './schema/apps.js';
export { parseDuration } from './schema/duration.js';
export { envSchema, fileSchema, minimumGuardTtlMs } from './schema/index.js';
export { DEFAULT_RULES, LABELS, type Label, type RuleConfig } from './schema/rules.js';
export {
  LOG_SINK,
  type SinkConfig,
  type SinkType,
  TEMPLATE_FIELDS,
  unknownSinkIssues,
} from './schema/sinks.js';
