"""One-time sign-in codes in Redis: hashed, single use, short-lived, few tries."""

from __future__ import annotations

import secrets

from identity.repositories import Redis
from infra.crypto import KeyedHash
from infra.outages import translates_outages

# Atomically: accept and delete on a match; otherwise count the try and void the code
# after too many. Returns 1 on success, 0 otherwise (unknown, expired or wrong).
_VERIFY = """
local stored = redis.call('HGET', KEYS[1], 'h')
if not stored then return 0 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
local tries = redis.call('HINCRBY', KEYS[1], 'n', 1)
if tries >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return 0
"""


class OneTimeCodes:
    """Six-digit codes per phone; only the latest code issued for a phone is valid.

    Every method raises :class:`infra.outages.Unavailable` while Redis is down.
    """

    def __init__(
        self,
        redis: Redis,
        hasher: KeyedHash,
        *,
        prefix: str,
        ttl_seconds: int = 300,
        max_attempts: int = 5,
    ) -> None:
        self._redis = redis
        self._hasher = hasher
        self._prefix = prefix
        self.ttl_seconds = ttl_seconds
        self.max_attempts = max_attempts
        self._verify = redis.register_script(_VERIFY)

    def _key(self, phone: str) -> str:
        return f"{self._prefix}otp:{self._hasher.digest(phone)[:40]}"

    def _code_hash(self, phone: str, code: str) -> str:
        return self._hasher.digest(f"{phone}:{code}")

    @translates_outages
    async def issue(self, phone: str) -> str:
        """A fresh code for ``phone``, replacing any earlier one."""
        code = f"{secrets.randbelow(1_000_000):06d}"
        key = self._key(phone)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"h": self._code_hash(phone, code), "n": 0})
            pipe.expire(key, self.ttl_seconds)
            await pipe.execute()
        return code

    @translates_outages
    async def withdraw(self, phone: str) -> None:
        """Void the current code (e.g. when the SMS could not be sent)."""
        await self._redis.delete(self._key(phone))

    @translates_outages
    async def redeem(self, phone: str, code: str) -> bool:
        """True once for the right code; wrong tries count towards voiding it."""
        if len(code) != 6 or not code.isdigit():
            # Still counts as a try, so malformed guesses cannot probe for free.
            code = "x"
        result = await self._verify(
            keys=[self._key(phone)], args=[self._code_hash(phone, code), self.max_attempts]
        )
        return int(result) == 1
