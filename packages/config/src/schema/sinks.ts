import { z } from 'zod';

// Filled in by notification delivery; until then sinks are accepted as given.
export const sinksSchema = z.record(z.string(), z.looseObject({ type: z.string().min(1) })).optional();
