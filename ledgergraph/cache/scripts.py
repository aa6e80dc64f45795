"""Lua scripts of the Redis store.

Each script touches exactly one key, passed as ``KEYS[1]``, so all of them run unchanged on
Redis Cluster. Arguments that may be absent are passed as ``''``.
"""

from __future__ import annotations

__all__ = [
    "COMPARE_AND_DELETE",
    "COMPARE_AND_SET",
    "INCR",
    "LOCK_EXTEND",
    "LOCK_RELEASE",
    "STREAM_APPEND",
    "STREAM_LAST_ID",
    "STREAM_READ",
]

# ARGV: amount, ttl ms
INCR = """
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""

# A versioned record is a hash: v = version, d = value.
# ARGV: value, expected version ('' = must be absent), ttl ms. Returns the new version or nil.
COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[2] == '' then
  if current then return false end
elseif current ~= ARGV[2] then
  return false
end
-- Versions come from the server clock, in microseconds, so they keep growing across deletion
-- and expiry of the record; the +1 covers two writes within one microsecond.
local now = redis.call('TIME')
local version = tonumber(now[1]) * 1000000 + tonumber(now[2])
if current and tonumber(current) >= version then
  version = tonumber(current) + 1
end
redis.call('HSET', KEYS[1], 'v', string.format('%d', version), 'd', ARGV[1])
if ARGV[3] == '' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return version
"""

# ARGV: expected version
COMPARE_AND_DELETE = """
if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# ARGV: owner token
LOCK_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# ARGV: owner token, ttl ms
LOCK_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Entries are stored as a single field, p = payload.
# ARGV: payload, max length, max age ms. Returns the new entry's id.
STREAM_APPEND = """
local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[1])
local trimmed = false
if ARGV[2] ~= '' then
  local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
  if excess > 0 then
    local gone = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
    trimmed = gone[#gone][1]
    redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])
  end
end
if ARGV[3] ~= '' then
  local cut = tonumber(string.match(id, '^%d+')) - tonumber(ARGV[3])
  if cut > 0 then
    local minid = string.format('%d', cut) .. '-0'
    local gone = redis.call('XREVRANGE', KEYS[1], '(' .. minid, '-', 'COUNT', 1)
    if #gone > 0 then
      trimmed = gone[1][1]
      redis.call('XTRIM', KEYS[1], 'MINID', minid)
    end
  end
end
if trimmed then
  -- Redis records the greatest removed id only for XDEL, not for trimming; readers rely on
  -- it to tell an expired cursor (see streamids.py), so record it here.
  redis.call('XSETID', KEYS[1], id, 'MAXDELETEDID', trimmed)
end
return id
"""

# {exists (0/1), last generated id, greatest trimmed id, first retained id or ''}
_STREAM_STATE = """
local function stream_state(key)
  if redis.call('EXISTS', key) == 0 then
    return {0, '0-0', '0-0', ''}
  end
  local info = redis.call('XINFO', 'STREAM', key)
  local field = {}
  for i = 1, #info, 2 do
    field[info[i]] = info[i + 1]
  end
  if not field['max-deleted-entry-id'] then
    error('LedgerGraph streams need Redis 7.0 or later')
  end
  local first = ''
  if field['first-entry'] then
    first = field['first-entry'][1]
  end
  return {1, field['last-generated-id'], field['max-deleted-entry-id'], first}
end
"""

# ARGV: cursor ('' = from the oldest retained entry), count.
# Returns the stream state followed by the entries, read atomically together.
STREAM_READ = (
    _STREAM_STATE
    + """
local state = stream_state(KEYS[1])
if state[1] == 1 then
  local start = '-'
  if ARGV[1] ~= '' then
    start = '(' .. ARGV[1]
  end
  state[5] = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', ARGV[2])
else
  state[5] = {}
end
return state
"""
)

STREAM_LAST_ID = (
    _STREAM_STATE
    + """
return stream_state(KEYS[1])[2]
"""
)
