import { createHash } from 'node:crypto';

/** A Lua script, sent by its SHA1 and loaded on the first NOSCRIPT (a restarted Redis forgets its scripts). */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * The next fencing token of a counter key: one more than the last, and at
 * least the Redis server's clock in microseconds. The clock floor keeps
 * tokens growing when Redis lost the counter (a restart without
 * persistence, a failover to a replica that had not seen the last write):
 * no two scripts run within the same microsecond, so a token is never
 * ahead of the clock by more than a few, and the first token after the loss
 * is still greater than every token before it — unless the server's clock
 * went back. Lua numbers are doubles, exact up to 2^53 (year 2255 in µs).
 * Redis before 5 needs replicate_commands() to write after TIME.
 */
const NEXT_TOKEN = `
if redis.replicate_commands then redis.replicate_commands() end
local function clock_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function next_token(key, now_us)
  local token = math.max(tonumber(redis.call('GET', key) or '0') + 1, now_us)
  redis.call('SET', key, string.format('%d', token))
  return token
end
`;

/** KEYS: lease, term. ARGV: owner, ttl ms. → the new term, or nil when another owner holds the lease. */
export const ACQUIRE = script(`${NEXT_TOKEN}
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return next_token(KEYS[2], clock_us())
`);

/** Compare-and-extend. KEYS: lease. ARGV: owner, ttl ms. → 1 when extended, 0 when the owner lost it. */
export const RENEW = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Compare-and-delete, then tell the waiting candidates. KEYS: lease. ARGV: owner, released channel. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  return 1
end
return 0
`);

/**
 * Claims one fire. KEYS: fire key, fence counter, claims hash, fired hash.
 * ARGV: instance, ttl ms, task, fire time. → the token, or nil when the
 * fire is claimed already or is not later than the last fire claimed (the
 * watermark: an instance whose clock lags more than the claim TTL still
 * cannot run an old fire again).
 */
export const CLAIM = script(`${NEXT_TOKEN}
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '-1') >= tonumber(ARGV[4]) then return false end
local now = clock_us()
local token = next_token(KEYS[2], now)
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. string.format('%d', token), 'PX', ARGV[2])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[3], string.format('%d|%s|%d|', token, ARGV[4], math.floor(now / 1000)) .. ARGV[1])
return token
`);

/** A run outside the schedule. KEYS: fence counter, claims hash. ARGV: instance, task. → the token. */
export const CLAIM_RUN = script(`${NEXT_TOKEN}
local now = clock_us()
local token = next_token(KEYS[1], now)
redis.call('HSET', KEYS[2], ARGV[2], string.format('%d|-|%d|', token, math.floor(now / 1000)) .. ARGV[1])
return token
`);

/** KEYS: instance key, instances set. ARGV: record JSON, ttl ms, id, set ttl ms. */
export const PUT_INSTANCE = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`);

/** KEYS: instance key, instances set. ARGV: id. */
export const REMOVE_INSTANCE = script(`
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/**
 * KEYS: instances set. ARGV: the instance key prefix. → the live records;
 * members whose record expired are dropped from the set on the way.
 */
export const LIST_INSTANCES = script(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local record = redis.call('GET', ARGV[1] .. id)
  if record then table.insert(out, record) else redis.call('SREM', KEYS[1], id) end
end
return out
`);
