"""Started liveness checks in Redis: ticket → who started it and why, usable once."""

from __future__ import annotations

import hashlib
import json
from enum import IntEnum

from identity.models import IdentityClaim, LivenessPurpose, Principal, StartedCheck
from identity.repositories import Redis
from infra.crypto import FieldCipher

# Redeem a ticket only for the account and session that started it: {1, purpose, claim}
# done; {0} unknown (expired or already used); {-1} another's (left for its owner).
_REDEEM = """
local owner = redis.call('HMGET', KEYS[1], 'account', 'session')
if not owner[1] then return {0} end
if owner[1] ~= ARGV[1] or owner[2] ~= ARGV[2] then return {-1} end
local fields = redis.call('HMGET', KEYS[1], 'purpose', 'claim')
redis.call('DEL', KEYS[1])
return {1, fields[1] or '', fields[2] or ''}
"""


class TicketRefused(IntEnum):
    """Why a ticket could not be redeemed."""

    UNKNOWN = 0
    """Never started, expired or already used."""
    FOREIGN = -1
    """Started by another account or session (left untouched for its owner)."""


class LivenessTickets:
    """Started checks in Redis: ticket → who, expiring, usable once.

    A binding ticket carries the claimed name and ID number, encrypted and bound to
    the ticket: nothing personal rests in Redis in clear.
    """

    def __init__(self, redis: Redis, cipher: FieldCipher, *, prefix: str) -> None:
        self._redis = redis
        self._cipher = cipher
        self._prefix = prefix
        self._redeem = redis.register_script(_REDEEM)

    def key(self, ticket: str) -> str:
        """The Redis key of ``ticket``'s record.

        Only a hash of the ticket is stored: Redis and its append-only file hold no
        usable ticket (it has 192 random bits, so a plain SHA-256 cannot be reversed).
        """
        return f"{self._prefix}liveness:{hashlib.sha256(ticket.encode()).hexdigest()[:40]}"

    async def remember(self, ticket: str, started: StartedCheck, ttl_seconds: int) -> None:
        """Record who started ``ticket`` and why, for ``ttl_seconds``."""
        claim = ""
        if started.claim is not None:
            plain = json.dumps([started.claim.name, started.claim.id_number], ensure_ascii=False)
            claim = self._cipher.encrypt(plain, context=f"liveness:{ticket}")
        key = self.key(ticket)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "account": started.account_id,
                    "session": started.session_id,
                    "purpose": started.purpose.value,
                    "claim": claim,
                },
            )
            pipe.expire(key, ttl_seconds)
            await pipe.execute()

    async def refusal(self, ticket: str, principal: Principal) -> TicketRefused | None:
        """Why the caller could not redeem ``ticket`` now, or ``None`` (nothing is used up).

        Lets a verdict fetched from the vendor be asked for only on the caller's own
        live ticket; :meth:`redeem` still decides, atomically.
        """
        owner = await self._redis.hmget(self.key(ticket), ["account", "session"])
        if owner[0] is None:
            return TicketRefused.UNKNOWN
        if [_text(part or "") for part in owner] != [principal.account_id, principal.session_id]:
            return TicketRefused.FOREIGN
        return None

    async def redeem(self, ticket: str, principal: Principal) -> StartedCheck | TicketRefused:
        """Use up the ticket if the caller's session started it; else why not."""
        answer = await self._redeem(
            keys=[self.key(ticket)], args=[principal.account_id, principal.session_id]
        )
        status = int(answer[0])
        if status != 1:
            return TicketRefused(status)
        purpose, sealed = (_text(part) for part in answer[1:3])
        claim = None
        if sealed:
            name, id_number = json.loads(self._cipher.decrypt(sealed, context=f"liveness:{ticket}"))
            claim = IdentityClaim(name=name, id_number=id_number)
        return StartedCheck(
            principal.account_id, principal.session_id, LivenessPurpose(purpose), claim
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
