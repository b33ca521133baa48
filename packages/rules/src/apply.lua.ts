/**
 * Applies every effect of one callback atomically, guarded by its callback id. The plan (plan.ts)
 * decides which keys and rules apply; this script only counts, decides and records, so a second
 * run of the same callback finds the guard and changes nothing.
 *
 * Counters go to two tiers in the same call: fine (short windows, short TTL) and coarse (long
 * windows, the full retention).
 *
 * KEYS: guard, alerts stream, fine traffic hash, coarse traffic hash, then (failures only) fine
 *   counts hash, groups zset, senders zset, then the same three coarse, then per rule: state,
 *   [top senders zset], [cooldown], marks…, checks…
 * ARGV: guardTtlMs, streamMaxLen, counterTtlMs (coarse tier), command, hasFailure, category, group,
 *   sender, eventTime, ruleCount, callback id hex, errorInfo, sample msgType ('' = none), sample has
 *   text (1|0), sample text, fineCounterTtlMs, then per rule 3 values: the rule's constants as one
 *   space-separated string `kind ('a'|'t') stateTtlMs cooldownMs-or-threshold topN markCount
 *   checkCount thresholdCooldownMs` (0 = none; else a cooldown key follows the top senders key),
 *   windowEnd, alert template JSON. One string for the constants: ioredis' cost is per argument.
 * Returns {fresh (1|0), alerts JSON list ('' = none), inhibited count}.
 */
export const APPLY_SCRIPT = `
if not redis.call('SET', KEYS[1], '', 'NX', 'PX', ARGV[1]) then
  return {0, redis.call('GET', KEYS[1]) or '', 0}
end

local counterTtl, fineTtl = ARGV[3], ARGV[16]
local function count(kind, key, field, ttl)
  local n
  if kind == 'h' then n = redis.call('HINCRBY', key, field, 1) else n = tonumber(redis.call('ZINCRBY', key, 1, field)) end
  if n == 1 then redis.call('PEXPIRE', key, ttl) end
end

count('h', KEYS[3], ARGV[4], fineTtl)
count('h', KEYS[4], ARGV[4], counterTtl)
if ARGV[5] ~= '1' then return {1, '', 0} end

local category, group, sender = ARGV[6], ARGV[7], ARGV[8]
local et = tonumber(ARGV[9])
count('h', KEYS[5], category, fineTtl)
count('z', KEYS[6], group, fineTtl)
count('z', KEYS[7], sender, fineTtl)
count('h', KEYS[8], category, counterTtl)
count('z', KEYS[9], group, counterTtl)
count('z', KEYS[10], sender, counterTtl)

local out = {}
local inhibited = 0
local k, a = 11, 17

local function isInhibited(first, n)
  for i = first, first + n - 1 do
    local untilv = redis.call('GET', KEYS[i])
    if untilv and et < tonumber(untilv) then return true end
  end
  return false
end

local function mark(first, n, untilv, ttl)
  for i = first, first + n - 1 do
    local old = redis.call('GET', KEYS[i])
    if not old or tonumber(old) < untilv then redis.call('SET', KEYS[i], untilv, 'PX', ttl) end
  end
end

local function fire(template, c, suppressed, first, top)
  local alert = cjson.decode(template)
  if alert.kind == 'alert' then alert.id = alert.id .. '-' .. ARGV[11] end
  if alert.errorCode and ARGV[12] ~= '' then alert.errorInfo = ARGV[12] end
  if ARGV[13] ~= '' then
    if ARGV[14] == '1' then alert.sample = {msgType = ARGV[13], text = ARGV[15]} else alert.sample = {msgType = ARGV[13]} end
  end
  alert.count = c
  alert.firstEventTime = first
  alert.lastEventTime = et
  local summary = string.gsub(alert.summary, '{count}', tostring(c))
  if suppressed > 0 then
    alert.suppressed = suppressed
    summary = summary .. '; ' .. suppressed .. ' more suppressed since the last alert'
  end
  if top and #top > 0 then
    local list, parts = {}, {}
    for i = 1, #top, 2 do
      list[#list + 1] = {sender = top[i], count = tonumber(top[i + 1])}
      parts[#parts + 1] = top[i] .. ' (' .. top[i + 1] .. ')'
    end
    alert.top = list
    summary = summary .. '; top senders: ' .. table.concat(parts, ', ')
  end
  alert.summary = summary .. '.'
  local json = cjson.encode(alert)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'id', alert.id, 'rule', alert.rule, 'alert', json)
  out[#out + 1] = json
end

for _ = 1, tonumber(ARGV[10]) do
  local kind, ttl, limit, topN, marks, checks, repeatMs =
    string.match(ARGV[a], '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$')
  limit, topN, marks, checks, repeatMs = tonumber(limit), tonumber(topN), tonumber(marks), tonumber(checks), tonumber(repeatMs)
  local winEnd, template = tonumber(ARGV[a + 1]), ARGV[a + 2]
  a = a + 3
  local state = KEYS[k]
  k = k + 1
  local topKey, cooldownKey
  if topN > 0 then topKey = KEYS[k]; k = k + 1 end
  if repeatMs > 0 then cooldownKey = KEYS[k]; k = k + 1 end
  local markFirst = k
  local checkFirst = k + marks
  k = k + marks + checks

  if kind == 'a' then
    local s = redis.call('HMGET', state, 'until', 'suppressed')
    if s[1] and et < tonumber(s[1]) then
      redis.call('HINCRBY', state, 'suppressed', 1)
      -- Suppressed repeats are kept as long as the counters, so the next alert can still report them.
      ttl = tonumber(ttl) + tonumber(counterTtl)
    elseif isInhibited(checkFirst, checks) then
      inhibited = inhibited + 1
    else
      redis.call('HSET', state, 'until', et + limit, 'suppressed', 0)
      fire(template, 1, tonumber(s[2] or '0'), et, nil)
      mark(markFirst, marks, et + limit, ttl)
    end
    redis.call('PEXPIRE', state, ttl)
  else
    local c = redis.call('HINCRBY', state, 'count', 1)
    if c == 1 then
      redis.call('HSET', state, 'first', et)
      redis.call('PEXPIRE', state, ttl)
    end
    if topKey then
      if tonumber(redis.call('ZINCRBY', topKey, 1, sender)) == 1 then redis.call('PEXPIRE', topKey, ttl) end
    end
    if c >= limit and not redis.call('HGET', state, 'fired') then
      local cd
      if cooldownKey then cd = redis.call('HMGET', cooldownKey, 'until', 'suppressed') end
      if isInhibited(checkFirst, checks) then
        inhibited = inhibited + 1
      elseif cd and cd[1] and et < tonumber(cd[1]) then
        -- A window of a key that alerted recently: held back, reported by the next alert.
        redis.call('HSET', state, 'fired', 0)
        redis.call('HINCRBY', cooldownKey, 'suppressed', 1)
        redis.call('PEXPIRE', cooldownKey, repeatMs + tonumber(ttl) + tonumber(counterTtl))
      else
        redis.call('HSET', state, 'fired', et)
        local top
        if topKey then top = redis.call('ZREVRANGE', topKey, 0, topN - 1, 'WITHSCORES') end
        local suppressed = 0
        if cd then
          suppressed = tonumber(cd[2] or '0')
          redis.call('HSET', cooldownKey, 'until', et + repeatMs, 'suppressed', 0)
          redis.call('PEXPIRE', cooldownKey, repeatMs + tonumber(ttl))
        end
        fire(template, c, suppressed, tonumber(redis.call('HGET', state, 'first')), top)
        mark(markFirst, marks, winEnd, ttl)
      end
    end
  end
end

if #out == 0 then return {1, '', inhibited} end
local list = '[' .. table.concat(out, ',') .. ']'
redis.call('SET', KEYS[1], list, 'KEEPTTL')
return {1, list, inhibited}
`;
