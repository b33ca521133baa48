export { createLogger, type Logger, redactUrl } from './logger.js';
export { Shutdown } from './shutdown.js';
