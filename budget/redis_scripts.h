#ifndef LLMGW_BUDGET_REDIS_SCRIPTS_H_
#define LLMGW_BUDGET_REDIS_SCRIPTS_H_

// The Lua scripts of the Redis ledger (EVALSHA, one round trip each, atomic).
//
// Reservation ids are chosen by the gateway (random 63-bit), so a script
// whose reply was lost can be reconciled by id. Settling an id leaves a
// tombstone P:done:<id> ("c" committed, "r" released) for `ttl` seconds:
//  - a Commit seen twice (the original, delayed, plus its replay from the
//    local journal) is counted once;
//  - a Reserve that runs after its id was released (its reply had timed
//    out and the gateway released the orphan) holds nothing.

namespace llmgw::redis_scripts {

// Shared by every script: releasing one reservation, and every expired one.
inline constexpr char kPrelude[] = R"lua(
local P = ARGV[1]
local function drop(id)
  local holds = redis.call('HGETALL', P .. ':res:' .. id)
  for i = 1, #holds, 2 do
    redis.call('DECRBY', P .. ':reserved:' .. holds[i], holds[i + 1])
    redis.call('DECR', P .. ':open:' .. holds[i])
  end
  redis.call('DEL', P .. ':res:' .. id)
  redis.call('ZREM', P .. ':exp', id)
  return #holds > 0
end
local function expire(now)
  local ids = redis.call('ZRANGEBYSCORE', P .. ':exp', '-inf', now)
  for _, id in ipairs(ids) do drop(id) end
  return #ids
end
)lua";

// ARGV: P, now_ms, window, expires_ms, hard_cap, id, then (scope, amount,
// effective_limit) triples. Returns {ok, scope, spent, reserved, expired,
// why}; ok 0 = refused by `scope` (why: limit, cap) or id already settled
// (why: settled).
inline constexpr char kReserve[] = R"lua(
local now, w, exp, cap, id = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local expired = expire(now)
if redis.call('EXISTS', P .. ':done:' .. id) == 1 then
  return {0, '', '', '', expired, 'settled'}
end
if redis.call('EXISTS', P .. ':res:' .. id) == 1 then
  return {1, '', '', '', expired, ''}
end
local n = (#ARGV - 6) / 3
for i = 0, n - 1 do
  local scope = ARGV[7 + 3 * i]
  local amount = tonumber(ARGV[8 + 3 * i])
  local limit = tonumber(ARGV[9 + 3 * i])
  local spent = redis.call('GET', P .. ':spent:' .. w .. ':' .. scope) or '0'
  local reserved = redis.call('GET', P .. ':reserved:' .. scope) or '0'
  if limit > 0 and tonumber(spent) + tonumber(reserved) + amount > limit then
    return {0, scope, spent, reserved, expired, 'limit'}
  end
  if scope == 'global' and cap > 0 then
    local life = redis.call('GET', P .. ':life:global') or '0'
    if tonumber(life) + tonumber(reserved) + amount > cap then
      return {0, scope, life, reserved, expired, 'cap'}
    end
  end
end
for i = 0, n - 1 do
  local scope = ARGV[7 + 3 * i]
  local amount = ARGV[8 + 3 * i]
  redis.call('HSET', P .. ':res:' .. id, scope, amount)
  redis.call('INCRBY', P .. ':reserved:' .. scope, amount)
  redis.call('INCR', P .. ':open:' .. scope)
end
redis.call('ZADD', P .. ':exp', exp, id)
return {1, '', '', '', expired, ''}
)lua";

// ARGV: P, now_ms, window, id, actual, provider, model, ttl_s, scopes...
// Returns {state, held_global, expired}: state 1 = settled its
// reservation, 0 = the reservation had expired (or never reached Redis),
// 2 = this id was already committed (a replay): nothing counted again.
inline constexpr char kCommit[] = R"lua(
local now, w, id, actual = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local line, ttl = ARGV[6] .. '\n' .. ARGV[7], ARGV[8]
local expired = expire(now)
local done = P .. ':done:' .. id
if redis.call('GET', done) == 'c' then return {2, '0', expired} end
redis.call('SET', done, 'c', 'EX', ttl)
local held = redis.call('HGET', P .. ':res:' .. id, 'global') or '0'
local existed = drop(id)
for i = 9, #ARGV do
  local scope = ARGV[i]
  local spent = P .. ':spent:' .. w .. ':' .. scope
  redis.call('INCRBY', spent, actual)
  redis.call('EXPIRE', spent, ttl)
  redis.call('INCRBY', P .. ':life:' .. scope, actual)
  local bd = P .. ':bd:' .. w .. ':' .. scope
  redis.call('HINCRBY', bd, line, actual)
  redis.call('EXPIRE', bd, ttl)
  local calls = P .. ':calls:' .. w .. ':' .. scope
  redis.call('HINCRBY', calls, line, 1)
  redis.call('EXPIRE', calls, ttl)
end
return {existed and 1 or 0, held, expired}
)lua";

// ARGV: P, id, ttl_s. Returns the amount held on "global", or false.
inline constexpr char kRelease[] = R"lua(
local done = P .. ':done:' .. ARGV[2]
if redis.call('EXISTS', done) == 0 then
  redis.call('SET', done, 'r', 'EX', ARGV[3])
end
local held = redis.call('HGET', P .. ':res:' .. ARGV[2], 'global')
drop(ARGV[2])
return held
)lua";

// ARGV: P, now_ms, window, scope. Returns {spent, reserved, lifetime, open,
// breakdown (line, spent, ...), calls (line, n, ...), expired}.
inline constexpr char kSnapshot[] = R"lua(
local now, w, scope = ARGV[2], ARGV[3], ARGV[4]
local expired = expire(now)
return {redis.call('GET', P .. ':spent:' .. w .. ':' .. scope) or '0',
        redis.call('GET', P .. ':reserved:' .. scope) or '0',
        redis.call('GET', P .. ':life:' .. scope) or '0',
        redis.call('GET', P .. ':open:' .. scope) or '0',
        redis.call('HGETALL', P .. ':bd:' .. w .. ':' .. scope),
        redis.call('HGETALL', P .. ':calls:' .. w .. ':' .. scope),
        expired}
)lua";

}  // namespace llmgw::redis_scripts

#endif  // LLMGW_BUDGET_REDIS_SCRIPTS_H_
