import { ADD_JOB_LUA } from './add-callbacks.lua.js';

/**
 * The intake mover's step: takes up to ARGV[7] batches from the intake list, oldest first, and
 * adds each of their callbacks as a callback job (ADD_JOB_LUA: the same job, deduplication and
 * wake-up as ADD_CALLBACKS_SCRIPT), in one atomic call: a batch is taken exactly when its
 * callbacks are added, so a mover that dies loses nothing and a batch is never moved twice. A
 * batch is read as storedBatchText writes it (parseStoredBatch reads it the same way); one that
 * does not read goes whole to the damaged list, for an operator, and none of it is added (its ids
 * never reach the opts JSON, where they go unescaped).
 *
 * KEYS[1] intake list, KEYS[2] damaged list, KEYS[3..6] the callbacks queue's wait, meta, active,
 * marker; ARGV[1..6] as in ADD_CALLBACKS_SCRIPT (job key prefix, timestamp, dedup TTL, opts
 * pieces), ARGV[7] most batches to take.
 * Returns { batches moved, callbacks in them, callback jobs added, batches found damaged }.
 */
export const MOVE_BATCHES_SCRIPT = `
local rcall = redis.call
local prefix, timestamp, ttl = ARGV[1], ARGV[2], ARGV[3]
local optsHead, optsMiddle, optsTail = ARGV[4], ARGV[5], ARGV[6]
${ADD_JOB_LUA}
-- The entries of a batch's text, or nil when it is not one: per callback a header line
-- "<callback id> <command bytes> <JSON bytes>", then the command and the job JSON.
local function readBatch(text)
  local batch, at, size = {}, 1, #text
  while at <= size do
    local _, headEnd, id, commandBytes, jsonBytes = string.find(text, '^(cb%-[0-9a-f]+) (%d+) (%d+)\\n', at)
    if not headEnd or #id ~= 35 then return nil end
    local commandAt = headEnd + 1
    local jsonAt = commandAt + tonumber(commandBytes)
    local last = jsonAt + tonumber(jsonBytes) - 1
    if jsonAt == commandAt or last > size or string.byte(text, jsonAt) ~= 123 then return nil end
    batch[#batch + 1] = { id, string.sub(text, commandAt, jsonAt - 1), string.sub(text, jsonAt, last) }
    at = last + 1
  end
  if #batch == 0 then return nil end
  return batch
end

local moved, callbacks, damaged, added = 0, 0, 0, {}
for _ = 1, tonumber(ARGV[7]) do
  local text = rcall('RPOP', KEYS[1])
  if not text then break end
  local batch = readBatch(text)
  if batch then
    for _, entry in ipairs(batch) do
      if addJob(entry[1], entry[2], entry[3]) then added[#added + 1] = entry[1] end
    end
    moved = moved + 1
    callbacks = callbacks + #batch
  else
    rcall('LPUSH', KEYS[2], text)
    damaged = damaged + 1
  end
end
pushAdded(added, KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return { moved, callbacks, #added, damaged }
`;
