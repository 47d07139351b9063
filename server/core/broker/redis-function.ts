/**
 * A Redis Function that validates a durable event's envelope, appends it to
 * the dashboard's log (trimmed by count and age) and announces the new id on
 * the log's Pub/Sub channel. Instances read the event from the log itself;
 * the announcement only wakes them up.
 *
 * Collectors that speak Redis publish durably with the same call:
 *   FCALL pulseboard_publish 1 dashboard:log metrics '{"cpu":12,...}'
 * Optional 3rd/4th arguments: max events and max age (ms) kept in the log.
 */
export const FUNCTION_LIBRARY = 'pulseboard'
export const PUBLISH_FUNCTION = 'pulseboard_publish'

export const FUNCTION_SOURCE = `#!lua name=${FUNCTION_LIBRARY}
local channels = { metrics = true, alerts = true, logs = true, health = true }

local function publish(keys, args)
  local channel, json = args[1], args[2]
  if not channels[channel] then
    return redis.error_reply('ERR unknown channel')
  end
  local ok, decoded = pcall(cjson.decode, json)
  if not ok or type(decoded) ~= 'table' then
    return redis.error_reply('ERR payload is not a JSON object')
  end
  local maxEvents = tonumber(args[3]) or 100000
  local maxAgeMs = tonumber(args[4]) or 1800000
  local id = redis.call('XADD', keys[1], 'MAXLEN', '=', maxEvents, '*', 'c', channel, 'd', json)
  local now = redis.call('TIME')
  local minMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - maxAgeMs
  redis.call('XTRIM', keys[1], 'MINID', '=', string.format('%d', minMs))
  redis.call('PUBLISH', keys[1], id)
  return id
end

redis.register_function(${JSON.stringify(PUBLISH_FUNCTION)}, publish)
`
