import { z } from 'zod';

// Filled in by the rules engine (worker issue); until then rules are accepted as given.
export const rulesSchema = z.array(z.looseObject({ name: z.string().min(1) })).optional();
