export { type Config, ConfigError, findConfigFile, loadConfig, parseConfig } from './config.js';
export type { AppConfig } from './schema/apps.js';
export { envSchema, fileSchema } from './schema/index.js';
