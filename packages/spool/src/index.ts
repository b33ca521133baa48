export {
  SpoolBrokenError,
  SpoolClosedError,
  SpoolError,
  SpoolFullError,
  SpoolLockedError,
} from './errors.js';
export { Spool, type SpoolEntry, type SpoolOptions, type SpoolRecovery } from './spool.js';
