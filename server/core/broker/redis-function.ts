/**
 * The Redis Functions every durable event goes through. Each call validates
 * what Lua can check, remembers an optional idempotency key and appends the
 * events to the dashboard's log, all in one atomic step.
 *
 * Collectors that speak Redis publish durably with the same call
 * (README, "Publishing events"):
 *   FCALL pulseboard_publish 1 dashboard:log metrics '{"cpu":12,...}' [idempotency-key]
 *
 * Retention, the event size bound and the key TTL come from the hash
 * `<base>:config`, which the instances write on connect; callers cannot
 * change them. Keys are derived from the log key (`<base>:log`, on Redis
 * Cluster `{<prefix>}:log`): see `redis-keys.ts`, which must agree.
 *
 * Refusals answer an error whose first word says why: `INVALID` (the event),
 * `TOOLARGE` (over the size bound), `CONFLICT` (key reused with another body).
 */
import { MAX_COUNT, MAX_TIMESTAMP_MS } from '../../../shared/events'

export const FUNCTION_LIBRARY = 'pulseboard'
export const PUBLISH_FUNCTION = 'pulseboard_publish'
export const PUBLISH_BATCH_FUNCTION = 'pulseboard_publish_batch'

/** Fields of the `<base>:config` hash. */
export const CONFIG_FIELDS = {
  maxEvents: 'maxEvents',
  maxAgeMs: 'maxAgeMs',
  maxBytes: 'maxBytes',
  idempotencyTtlS: 'idempotencyTtlS',
} as const

const LUA = String.raw`
local channels = { metrics = true, alerts = true, logs = true, health = true }
local levels = {
  alerts = { info = true, warning = true, critical = true },
  logs = { debug = true, info = true, warn = true, error = true },
}
local statuses = { ok = true, degraded = true, down = true }
-- The schemas' bounds (shared/events.ts): an event past them would be
-- appended, answered with an id and then dropped by every reader.
local MAX_TIMESTAMP_MS = ${MAX_TIMESTAMP_MS}
local MAX_COUNT = ${MAX_COUNT}

local function base_of(log_key)
  if string.sub(log_key, -4) ~= ':log' then return nil end
  return string.sub(log_key, 1, -5)
end

local function settings(base)
  local v = redis.call('HMGET', base .. ':config', 'maxEvents', 'maxAgeMs', 'maxBytes', 'idempotencyTtlS')
  return {
    max_events = tonumber(v[1]) or 100000,
    max_age_ms = tonumber(v[2]) or 1800000,
    max_bytes = tonumber(v[3]) or 16384,
    ttl_s = tonumber(v[4]) or 86400,
  }
end

local function is_number(x) return type(x) == 'number' and x == x and x ~= math.huge and x ~= -math.huge end
-- Length in UTF-16 code units, as the schemas count: one per character,
-- two for a character of four UTF-8 bytes (lead byte 0xF0-0xF7).
local function utf16_length(x)
  local _, chars = string.gsub(x, '[^\128-\191]', '')
  local _, astral = string.gsub(x, '[\240-\247]', '')
  return chars + astral
end

local function text(e, name, min, max, optional)
  local x = e[name]
  if optional and x == nil then return nil end
  if type(x) ~= 'string' or #x < min or utf16_length(x) > max then
    return name .. ' must be a string of ' .. min .. ' to ' .. max .. ' characters'
  end
end

local function percent(e, name)
  local x = e[name]
  if not is_number(x) or x < 0 or x > 100 then return name .. ' must be a number from 0 to 100' end
end

local function count(e, name, optional)
  local x = e[name]
  if optional and x == nil then return nil end
  if not is_number(x) or x < 0 or x > MAX_COUNT then return name .. ' must be a number from 0 to ' .. MAX_COUNT end
end

local function timestamp(x)
  if x == nil then return nil end
  if type(x) == 'number' then
    if is_number(x) and x >= 0 and x <= MAX_TIMESTAMP_MS and math.floor(x) == x then return nil end
    return 'timestamp must be epoch milliseconds within the valid date range'
  end
  if type(x) == 'string' and string.find(x, '^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d') then return nil end
  return 'timestamp must be an ISO 8601 date-time or epoch milliseconds'
end

-- What Lua can check of the event schema; instances validate fully on read.
local function check(channel, json, limits)
  if #json > limits.max_bytes then
    return 'TOOLARGE event larger than ' .. limits.max_bytes .. ' bytes'
  end
  local ok, e = pcall(cjson.decode, json)
  if not ok or type(e) ~= 'table' or e[1] ~= nil then
    return 'INVALID payload is not a JSON object'
  end
  local why = text(e, 'source', 1, 128, true)
  why = why or timestamp(e.timestamp)
  if channel == 'metrics' then
    why = why or text(e, 'host', 1, 128, true)
    why = why or percent(e, 'cpu') or percent(e, 'memory') or percent(e, 'errorRate')
      or count(e, 'rps') or count(e, 'activeConnections')
  elseif channel == 'alerts' or channel == 'logs' then
    if not levels[channel][e.level] then why = why or 'level is not one of the ' .. channel .. ' levels' end
    why = why or text(e, 'message', 1, channel == 'logs' and 8000 or 2000)
    -- cjson decodes an array to a table too; a non-empty one has e.fields[1].
    if channel == 'logs' and e.fields ~= nil and (type(e.fields) ~= 'table' or e.fields[1] ~= nil) then why = why or 'fields must be an object' end
  else
    why = why or text(e, 'check', 1, 128)
    if not statuses[e.status] then why = why or 'status must be ok, degraded or down' end
    why = why or count(e, 'latencyMs', true) or text(e, 'detail', 0, 2000, true)
  end
  if why then return 'INVALID ' .. why end
  return nil
end

-- Appends after validating every event; answers { replayed, id... }.
local function append(log_key, channel, jsons, key, fingerprint, ttl_s)
  if not channels[channel] then return redis.error_reply('INVALID unknown channel') end
  local base = base_of(log_key)
  if not base then return redis.error_reply('ERR the log key must end with :log') end
  if #jsons == 0 then return redis.error_reply('INVALID no events') end
  local limits = settings(base)
  local idem_key
  if key and key ~= '' then
    if #key > 200 or string.find(key, '[^\32-\126]') then
      return redis.error_reply('INVALID idempotency key must be 1-200 printable ASCII characters')
    end
    idem_key = base .. ':idem:' .. key
    if not fingerprint or fingerprint == '' then
      fingerprint = redis.sha1hex(channel .. '\n' .. table.concat(jsons, '\n'))
    end
    -- Remembered as '<id> <id>...\n<fingerprint>' (ids never hold a space or a newline).
    local seen = redis.call('GET', idem_key)
    if seen then
      local newline = string.find(seen, '\n', 1, true)
      if not newline or string.sub(seen, newline + 1) ~= fingerprint then
        return redis.error_reply('CONFLICT idempotency key already used with a different body')
      end
      local out = { 1 }
      for id in string.gmatch(string.sub(seen, 1, newline - 1), '%S+') do out[#out + 1] = id end
      return out
    end
  end
  for i = 1, #jsons do
    local why = check(channel, jsons[i], limits)
    if why then
      if #jsons > 1 then
        local code, rest = string.match(why, '^(%S+) (.*)$')
        why = code .. ' event ' .. (i - 1) .. ': ' .. rest
      end
      return redis.error_reply(why)
    end
  end
  local out = { 0 }
  for i = 1, #jsons do
    out[#out + 1] = redis.call('XADD', log_key, '*', 'c', channel, 'd', jsons[i])
  end
  local now = redis.call('TIME')
  -- The log's identity: created with the log, so a log that was lost and
  -- begun again has another one (server/core/broker/log-identity.ts).
  redis.call('SET', base .. ':epoch', now[1] .. '.' .. now[2] .. '/' .. out[2], 'NX')
  redis.call('XTRIM', log_key, 'MAXLEN', '=', limits.max_events)
  local min_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - limits.max_age_ms
  redis.call('XTRIM', log_key, 'MINID', '=', string.format('%d', min_ms))
  if idem_key then
    local ttl = math.min(tonumber(ttl_s) or limits.ttl_s, limits.ttl_s)
    redis.call('SET', idem_key, table.concat(out, ' ', 2) .. '\n' .. fingerprint, 'EX', math.max(1, ttl))
  end
  -- Wakes instances of earlier versions (they waited on Pub/Sub) during a rolling upgrade.
  -- A hash-tagged key means Redis Cluster, which had no earlier version: sharded
  -- Pub/Sub keeps the message on the log's shard instead of broadcasting it.
  if string.sub(log_key, 1, 1) == '{' then
    redis.call('SPUBLISH', log_key, out[#out])
  else
    redis.call('PUBLISH', log_key, out[#out])
  end
  return out
end

-- FCALL pulseboard_publish 1 <base>:log <channel> <json> [idempotency-key]: the id.
local function publish(keys, args)
  if #args > 3 then
    return redis.error_reply('ERR arguments: channel json [idempotency-key]; retention comes from the dashboard configuration')
  end
  local reply = append(keys[1], args[1], { args[2] }, args[3])
  if reply.err then return reply end
  return reply[2]
end

-- FCALL pulseboard_publish_batch 1 <base>:log <channel> <key|''> <fingerprint|''> <ttl-s|''> <json>...
-- All events or none; answers { replayed (0/1), id... }.
local function publish_batch(keys, args)
  local jsons = {}
  for i = 5, #args do jsons[#jsons + 1] = args[i] end
  return append(keys[1], args[1], jsons, args[2], args[3], args[4])
end
`

export const FUNCTION_SOURCE = `#!lua name=${FUNCTION_LIBRARY}
${LUA}
redis.register_function(${JSON.stringify(PUBLISH_FUNCTION)}, publish)
redis.register_function(${JSON.stringify(PUBLISH_BATCH_FUNCTION)}, publish_batch)
`
