"""Fixed-window rate limits in Redis, shared by every API instance."""

from __future__ import annotations

import redis.asyncio as redis_async

from infra.outages import translates_outages

# INCR, start the window on the first hit, and report the wait when over the limit.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
  return ttl
end
return -1
"""


class RateLimiter:
    """Counts events per key in fixed windows.

    Without Redis nothing can be counted, so nothing is let through unbounded:
    both methods raise :class:`infra.outages.Unavailable` while it is down.
    """

    def __init__(self, redis: redis_async.Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._hit = redis.register_script(_HIT)

    @translates_outages
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one event: ``None`` when within ``limit``, else seconds until allowed."""
        wait = int(await self._hit(keys=[f"{self._prefix}rl:{key}"], args=[limit, window_seconds]))
        return None if wait < 0 else max(wait, 1)

    @translates_outages
    async def undo(self, key: str) -> None:
        """Take back one counted event (when the action it guarded did not happen)."""
        await self._redis.decr(f"{self._prefix}rl:{key}")
