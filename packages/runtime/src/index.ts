export { createLogger, type Logger } from './logger.js';
export { Shutdown } from './shutdown.js';
