import type { CompiledRule, PlanSettings } from './plan.js';

/**
 * Applies every effect of a batch of callbacks, each atomically and guarded by its callback id.
 * The plan (plan.ts) decides which keys and rules apply; this script only counts, decides and
 * records, so a second run of the same callback finds the guard and changes nothing. The engine
 * sends the callbacks of one event-loop turn in one call (engine.ts).
 *
 * Counters go to two tiers in the same call: fine (short windows, short TTL) and coarse (long
 * windows, the full retention). A window's groups and senders are hashes counted with HINCRBY:
 * made in hashtable encoding (HASHTABLE_MARKER), that costs Redis ~13% less per callback than the
 * sorted sets it replaced (ZINCRBY formats its new score as a double; a small sorted set is a
 * listpack it shifts on every change), and 35% less counter memory (BENCHMARKS.md).
 *
 * A threshold rule fires once per key and window, so the caller leaves its alert template out
 * (''). The script reads each threshold rule's window before writing anything; when a rule without
 * its template could fire on this callback, it undoes the guard and answers 2: nothing changed,
 * and the caller runs it again with the templates.
 *
 * Per callback, KEYS: guard, alerts stream, fine traffic hash, coarse traffic hash, then (failures
 *   only) fine counts hash, groups hash, senders hash, then the same three coarse, then per rule:
 *   state, [top senders zset], [cooldown], marks…, checks…
 * ARGV: the number of callbacks, then per callback its key count, its argument count and its
 *   arguments: command, eventTime, then (failures only) category, group, sender, the alert
 *   details JSON ({id: callback id hex, errorInfo?, sample?}, decoded only when a rule fires),
 *   then per rule 3 values: the rule's number (applyScript), windowEnd, alert template JSON
 *   ('' = left out, threshold rules only). A failure is known by its arguments beyond the first two.
 *
 * The constants — the rules' (ruleConstants) and the TTLs and stream length of the `alerting:`
 * settings — are written into the script when the engine starts (applyScript): every argument
 * costs Redis a string on every call (parsing, a Lua string, a slot in ARGV), and parsing rule
 * constants cost a `string.match` and seven `tonumber`s per rule. Numbers go to redis.call as
 * strings where they can: Lua formats a number argument with snprintf, which was a tenth of the
 * script's instructions (callgrind, BENCHMARKS.md).
 *
 * Returns 3 values per callback, in order: fresh (1|0, 2 = run again with the templates, -1 =
 * failed), alerts JSON list ('' = none; the error when failed), inhibited count.
 */
const APPLY_BODY = `
local function isInhibited(first, n, et)
  for i = first, first + n - 1 do
    local untilv = redis.call('GET', KEYS[i])
    if untilv and et < tonumber(untilv) then return true end
  end
  return false
end

local function count(key, field, ttl)
  if redis.call('HINCRBY', key, field, '1') == 1 then redis.call('PEXPIRE', key, ttl) end
end

-- A category's groups and senders hashes are made with its field in the counts hash, so they get
-- their TTL then, not on every new member; the counts hash gets its own once, when it is made. The
-- member hashes therefore never expire before the hash that lists their category, so none is ever
-- re-made without a TTL. Then too each becomes a hashtable (HASHTABLE_MARKER): a value too long
-- for a listpack converts it, and Redis never converts a hash back, so the field goes at once.
local function countFailure(counts, groups, senders, ttl, category, group, sender)
  redis.call('HINCRBY', groups, group, '1')
  redis.call('HINCRBY', senders, sender, '1')
  if redis.call('HINCRBY', counts, category, '1') == 1 then
    if redis.call('HLEN', counts) == 1 then redis.call('PEXPIRE', counts, ttl) end
    for _, members in ipairs({groups, senders}) do
      redis.call('HSET', members, MARKER_FIELD, MARKER_VALUE)
      redis.call('HDEL', members, MARKER_FIELD)
      redis.call('PEXPIRE', members, ttl)
    end
  end
end

local function mark(first, n, untilv, ttl)
  local u = tonumber(untilv)
  for i = first, first + n - 1 do
    local old = redis.call('GET', KEYS[i])
    if not old or tonumber(old) < u then redis.call('SET', KEYS[i], untilv, 'PX', ttl) end
  end
end

-- One callback: its keys follow KEYS[kb], its na arguments follow ARGV[ab].
local function applyOne(kb, ab, na)
  local guard = KEYS[kb + 1]
  if not redis.call('SET', guard, '', 'NX', 'PX', GUARD_TTL) then
    return 0, redis.call('GET', guard) or '', 0
  end
  local hasFailure = na > 2
  local command, et = ARGV[ab + 1], tonumber(ARGV[ab + 2])

  -- The rules, read once: constants, keys, and a threshold rule's window as it stands.
  local rules = {}
  if hasFailure then
    local k, a = kb + 11, ab + 7
    for i = 1, (na - 6) / 3 do
      local kind, ttl, ttlArg, limit, topN, marks, checks, repeatMs = ruleConstants(tonumber(ARGV[a]))
      local r = {kind = kind, ttl = ttl, ttlArg = ttlArg, limit = limit, topN = topN, marks = marks,
        checks = checks, repeatMs = repeatMs, winEnd = ARGV[a + 1], template = ARGV[a + 2],
        state = KEYS[k]}
      a = a + 3
      k = k + 1
      if r.topN > 0 then r.topKey = KEYS[k]; k = k + 1 end
      if r.repeatMs > 0 then r.cooldownKey = KEYS[k]; k = k + 1 end
      r.markFirst = k
      r.checkFirst = k + r.marks
      k = k + r.marks + r.checks
      if r.kind == 't' then
        local s = redis.call('HMGET', r.state, 'count', 'fired', 'first')
        r.count, r.fired, r.first = tonumber(s[1] or '0'), s[2], s[3]
        -- Could fire now (inhibition marks of earlier rules in this run aside: more inhibition
        -- only fires less) but has no template: change nothing, ask for the templates.
        if r.template == '' and not r.fired and r.count + 1 >= r.limit and not isInhibited(r.checkFirst, r.checks, et) then
          local cd = r.cooldownKey and redis.call('HGET', r.cooldownKey, 'until')
          if not (cd and et < tonumber(cd)) then
            redis.call('DEL', guard)
            return 2, '', 0
          end
        end
      end
      rules[i] = r
    end
  end

  count(KEYS[kb + 3], command, FINE_TTL)
  count(KEYS[kb + 4], command, COUNTER_TTL)
  if not hasFailure then return 1, '', 0 end

  local category, group, sender = ARGV[ab + 3], ARGV[ab + 4], ARGV[ab + 5]
  countFailure(KEYS[kb + 5], KEYS[kb + 6], KEYS[kb + 7], FINE_TTL, category, group, sender)
  countFailure(KEYS[kb + 8], KEYS[kb + 9], KEYS[kb + 10], COUNTER_TTL, category, group, sender)

  local out = {}
  local inhibited = 0
  local details
  local function fire(template, c, suppressed, first, top)
    local alert = cjson.decode(template)
    details = details or cjson.decode(ARGV[ab + 6])
    if alert.kind == 'alert' then alert.id = alert.id .. '-' .. details.id end
    if alert.errorCode and details.errorInfo then alert.errorInfo = details.errorInfo end
    alert.sample = details.sample
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
    redis.call('XADD', KEYS[kb + 2], 'MAXLEN', '~', STREAM_MAXLEN, '*', 'id', alert.id, 'rule', alert.rule, 'alert', json)
    out[#out + 1] = json
  end

  for _, r in ipairs(rules) do
    local state, ttl, limit, repeatMs, topKey, cooldownKey = r.state, r.ttl, r.limit, r.repeatMs, r.topKey, r.cooldownKey
    if r.kind == 'a' then
      local s = redis.call('HMGET', state, 'until', 'suppressed')
      local expireMs = r.ttlArg
      if s[1] and et < tonumber(s[1]) then
        -- Suppressed repeats are kept as long as the counters, so the next alert can still report
        -- them. Set by the first repeat after an alert: the later ones come within its cooldown, a
        -- moment against the counters' retention, and save a PEXPIRE each.
        local first = redis.call('HINCRBY', state, 'suppressed', '1') == 1
        expireMs = first and ttl + tonumber(COUNTER_TTL) or nil
      elseif isInhibited(r.checkFirst, r.checks, et) then
        inhibited = inhibited + 1
      else
        redis.call('HSET', state, 'until', et + limit, 'suppressed', '0')
        fire(r.template, 1, tonumber(s[2] or '0'), et, nil)
        mark(r.markFirst, r.marks, et + limit, ttl)
      end
      if expireMs then redis.call('PEXPIRE', state, expireMs) end
    else
      -- The window was read above and only this rule writes it: a new one is made in one HSET.
      local c = r.count + 1
      if c == 1 then redis.call('HSET', state, 'count', '1', 'first', ARGV[ab + 2]) else redis.call('HINCRBY', state, 'count', '1') end
      if topKey then redis.call('ZINCRBY', topKey, '1', sender) end
      if c == 1 then
        -- A window's top senders set is made with its state, and expires with it.
        redis.call('PEXPIRE', state, r.ttlArg)
        if topKey then redis.call('PEXPIRE', topKey, r.ttlArg) end
      end
      if c >= limit and not r.fired then
        local cd
        if cooldownKey then cd = redis.call('HMGET', cooldownKey, 'until', 'suppressed') end
        if isInhibited(r.checkFirst, r.checks, et) then
          inhibited = inhibited + 1
        elseif cd and cd[1] and et < tonumber(cd[1]) then
          -- A window of a key that alerted recently: held back, reported by the next alert.
          redis.call('HSET', state, 'fired', '0')
          redis.call('HINCRBY', cooldownKey, 'suppressed', '1')
          redis.call('PEXPIRE', cooldownKey, repeatMs + ttl + tonumber(COUNTER_TTL))
        else
          redis.call('HSET', state, 'fired', ARGV[ab + 2])
          local top
          if topKey then top = redis.call('ZREVRANGE', topKey, '0', r.topN - 1, 'WITHSCORES') end
          local suppressed = 0
          if cd then
            suppressed = tonumber(cd[2] or '0')
            redis.call('HSET', cooldownKey, 'until', et + repeatMs, 'suppressed', '0')
            redis.call('PEXPIRE', cooldownKey, repeatMs + ttl)
          end
          fire(r.template, c, suppressed, tonumber(r.first or et), top)
          mark(r.markFirst, r.marks, r.winEnd, ttl)
        end
      end
    end
  end

  if #out == 0 then return 1, '', inhibited end
  local list = '[' .. table.concat(out, ',') .. ']'
  redis.call('SET', guard, list, 'KEEPTTL')
  return 1, list, inhibited
end

-- Each callback on its own (pcall): one that fails (a key of the wrong type, say) does not stop
-- the others. What it wrote before the error stays, as it would in a script of its own.
local reply = {}
local kb, ab = 0, 1
for _ = 1, tonumber(ARGV[1]) do
  local nk, na = tonumber(ARGV[ab + 1]), tonumber(ARGV[ab + 2])
  local ok, fresh, alerts, inhibited = pcall(applyOne, kb, ab + 2, na)
  local n = #reply
  if ok then
    reply[n + 1], reply[n + 2], reply[n + 3] = fresh, alerts, inhibited
  else
    reply[n + 1], reply[n + 2], reply[n + 3] = -1, type(fresh) == 'table' and fresh.err or tostring(fresh), 0
  end
  kb, ab = kb + nk, ab + 2 + na
end
return reply
`;

/**
 * One rule's constants as the values the script's ruleConstants(i) returns, in its order: kind,
 * state TTL (number, and as an argument string), cooldown or threshold, top senders, marks,
 * checks, threshold cooldown. All whole numbers from the parsed config.
 */
function ruleValues(rule: CompiledRule): string {
  const { config } = rule;
  const alert = config.kind === 'alert';
  const numbers = [
    rule.stateTtlMs,
    alert ? config.cooldownMs : config.threshold,
    config.topSenders,
    rule.marks.length,
    rule.checks.length,
    alert ? 0 : config.cooldownMs,
  ];
  for (const n of numbers) wholeNumber(`rule ${config.name}`, n);
  const [ttl, ...rest] = numbers;
  return [alert ? "'a'" : "'t'", ttl, `'${ttl}'`, ...rest].join(', ');
}

/** A whole number from the parsed config, as Lua source; anything else is refused. */
function wholeNumber(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what}: not a whole number: ${n}`);
  return n;
}

/**
 * How the apply script makes a groups or senders hash a hashtable: with its first member it sets
 * this field, whose value is longer than Redis's `hash-max-listpack-value` (64 bytes), and deletes
 * it at once; Redis never converts a hash back to a listpack, so no marker stays. HINCRBY on a
 * listpack of a few hundred members scans it (+27% Redis work per callback, measured), on a
 * hashtable it is a lookup. The field is the byte 0xFF, which no UTF-8 text (every group id and
 * sender is one) contains, so it is never a member. After a restart Redis loads small hashes as
 * listpacks again: only slower, never wrong.
 */
export const HASHTABLE_MARKER = {
  /** The field's one byte, as a Lua escape. */
  luaField: '\\255',
  value: 'imwatch: a field this long makes the hash a hashtable; deleted again at once (docs/rules.md)',
} as const;

/** The settings written into the script. */
export type ScriptSettings = Pick<
  PlanSettings,
  'guardTtlMs' | 'streamMaxLen' | 'counterTtlMs' | 'fineCounterTtlMs'
>;

/**
 * The apply script for these rules and settings, each rule found by its `index` (the number the
 * plan passes). Rule constants are returned by an if-chain rather than kept in a table: Redis runs
 * the whole script body on every call, and a table constructor there would be built again each time.
 */
export function applyScript(rules: readonly CompiledRule[], settings: ScriptSettings): string {
  const branches = rules.map((rule) => `  if i == ${rule.index} then return ${ruleValues(rule)} end`);
  const constant = (name: string, what: keyof ScriptSettings) =>
    `local ${name} = '${wholeNumber(what, settings[what])}'`;
  return [
    constant('GUARD_TTL', 'guardTtlMs'),
    constant('STREAM_MAXLEN', 'streamMaxLen'),
    constant('COUNTER_TTL', 'counterTtlMs'),
    constant('FINE_TTL', 'fineCounterTtlMs'),
    `local MARKER_FIELD = '${HASHTABLE_MARKER.luaField}'`,
    `local MARKER_VALUE = '${HASHTABLE_MARKER.value}'`,
    'local function ruleConstants(i)',
    ...branches,
    'end',
    APPLY_BODY,
  ].join('\n');
}
