/**
 * Shared by ADD_CALLBACKS_SCRIPT and the intake's move script: the per-job part of the add, and
 * the wait-list push with its wake-up. Expects `rcall`, `prefix`, `timestamp`, `ttl`, `optsHead`,
 * `optsMiddle`, `optsTail` as locals, and KEYS[wait], KEYS[meta], KEYS[active], KEYS[marker] at
 * the indexes passed to pushAdded.
 */
export const ADD_JOB_LUA = `
-- Adds one callback job unless it exists or its id is inside the dedup window; true when added.
local function addJob(id, name, data)
  local jobKey = prefix .. id
  -- Same order as BullMQ: an existing job wins, then the deduplication window.
  if rcall('EXISTS', jobKey) == 0 and rcall('SET', prefix .. 'de:' .. id, id, 'PX', ttl, 'NX') then
    -- '0', not 0: Redis 7.0 turns a Lua number argument into text with snprintf, which was a
    -- tenth of this script's instructions per job.
    rcall('HSET', jobKey, 'name', name, 'data', data,
      'opts', optsHead .. id .. optsMiddle .. id .. optsTail,
      'timestamp', timestamp, 'delay', '0', 'priority', '0', 'deid', id)
    return true
  end
  return false
end

-- Puts the added ids on the wait list (unpack() takes at most ~8,000 values: chunks of 1,000)
-- and wakes a worker unless the queue is paused or at its global concurrency
-- (addBaseMarkerIfNeeded).
local function pushAdded(added, wait, meta, active, marker)
  if #added == 0 then return end
  for from = 1, #added, 1000 do
    rcall('LPUSH', wait, unpack(added, from, math.min(from + 999, #added)))
  end
  local queueMeta = rcall('HMGET', meta, 'paused', 'concurrency')
  if not queueMeta[1] and (not queueMeta[2] or rcall('LLEN', active) < tonumber(queueMeta[2])) then
    rcall('ZADD', marker, 0, '0')
  end
end
`;

/**
 * Adds many callback jobs in one call, leaving exactly what `Queue.add(name, data, { jobId: id,
 * deduplication: { id, ttl } })` leaves (bullmq 6.7, scripts addStandardJob + storeJob): the job
 * hash, the deduplication key with its TTL, the id on the wait list, and the marker that wakes a
 * worker. Left out on purpose: the `added`/`waiting` events (nothing in imwatch listens to the
 * callbacks queue's events; they were 2 of the 11 commands per job) and the auto-id counter
 * (callback jobs always carry their id). add-callbacks.test.ts compares the result key by key
 * with `Queue.add`'s, so a BullMQ upgrade that changes the layout fails there first.
 *
 * KEYS[1] wait list, KEYS[2] meta hash, KEYS[3] active list, KEYS[4] marker zset
 * ARGV[1] job key prefix ("<prefix>:callbacks:"), ARGV[2] timestamp ms, ARGV[3] dedup TTL ms,
 * ARGV[4..6] the stored options of a callback job (BullMQ's JSON form) cut at the two places its
 * callback id goes (job id, deduplication id): a job's opts are these pieces joined by its id (a
 * third of a job's bytes, sent once per call), then for every job: id, name, data (JSON)
 * Returns one integer per job: 1 added, 0 already there (same job id, or inside the dedup window).
 *
 * Redis's Lua hashes every byte of every string it makes (each ARGV, each `..`), ~9 instructions
 * a byte: the opts are joined in one `..` expression, where a loop over the pieces made a
 * throwaway string per piece (8% of the script's instructions per job, BENCHMARKS.md).
 */
export const ADD_CALLBACKS_SCRIPT = `
local rcall = redis.call
local prefix, timestamp, ttl = ARGV[1], ARGV[2], ARGV[3]
local optsHead, optsMiddle, optsTail = ARGV[4], ARGV[5], ARGV[6]
${ADD_JOB_LUA}
local added, results = {}, {}
for n = 1, (#ARGV - 6) / 3 do
  local i = 4 + 3 * n
  if addJob(ARGV[i], ARGV[i + 1], ARGV[i + 2]) then
    added[#added + 1] = ARGV[i]
    results[n] = 1
  else
    results[n] = 0
  end
end
pushAdded(added, KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return results
`;
