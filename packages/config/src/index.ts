export { type Config, ConfigError, findConfigFile, loadConfig, parseConfig } from './config.js';
export type { AppConfig } from './schema/apps.js';
export { envSchema, fileSchema } from './schema/index.js';
export {
  LOG_SINK,
  type SinkConfig,
  type SinkType,
  TEMPLATE_FIELDS,
  unknownSinkProblems,
} from './schema/sinks.js';
