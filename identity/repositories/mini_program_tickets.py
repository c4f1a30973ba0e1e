"""Mini-program link tickets in Redis: a mini-program user waiting to be linked by SMS."""

from __future__ import annotations

import json

from identity.repositories import Redis
from infra.crypto import KeyedHash

LINK_TICKET_SECONDS = 600
"""How long a mini-program user has to finish the SMS sign-in that links them."""


class MiniProgramLinkTickets:
    """Ticket → the link id (``platform:keyed-hash-of-openid``) it will link, usable once.

    Only keyed hashes of tickets are keys, and the openid itself is never stored.
    """

    def __init__(
        self,
        redis: Redis,
        hasher: KeyedHash,
        *,
        prefix: str,
        ttl_seconds: int = LINK_TICKET_SECONDS,
    ) -> None:
        self._redis = redis
        self._hasher = hasher
        self._prefix = prefix
        self.ttl_seconds = ttl_seconds

    def key(self, ticket: str) -> str:
        """The Redis key of ``ticket`` (a keyed hash of it, under the prefix)."""
        return f"{self._prefix}mp-link:{self._hasher.digest(ticket)[:40]}"

    async def issue(self, ticket: str, link_id: str) -> None:
        """Remember that ``ticket`` links ``link_id``, for :attr:`ttl_seconds`."""
        await self._redis.set(
            self.key(ticket), json.dumps({"link_id": link_id}), ex=self.ttl_seconds
        )

    async def exists(self, ticket: str) -> bool:
        """True while ``ticket`` is unused and unexpired (it is not used up)."""
        return bool(await self._redis.exists(self.key(ticket)))

    async def redeem(self, ticket: str) -> str | None:
        """Use ``ticket`` up: the link id it carried, or ``None`` when already gone."""
        raw = await self._redis.getdel(self.key(ticket))
        if raw is None:
            return None
        link_id: str = json.loads(raw)["link_id"]
        return link_id
