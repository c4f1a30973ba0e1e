"""Publishes to the live subscriptions through Redis pub/sub, so every API instance
(each subscribed to the channels of its own WebSockets) hears it.

Channels: ``{prefix}live:account:{account_id}``, ``{prefix}live:case:{case_id}`` and
``{prefix}live:broadcast``; each message is one JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis.asyncio as redis_async


def account_channel(prefix: str, account_id: str) -> str:
    """The pub/sub channel of one account's notifications."""
    return f"{prefix}live:account:{account_id}"


def case_channel(prefix: str, case_id: str) -> str:
    """The pub/sub channel of one case's progress."""
    return f"{prefix}live:case:{case_id}"


def broadcast_channel(prefix: str) -> str:
    """The pub/sub channel of announcements to everyone."""
    return f"{prefix}live:broadcast"


def _encode(message: Mapping[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)


class RedisLivePublisher:
    """:class:`notifications.ports.LivePublisher` over Redis ``PUBLISH``."""

    def __init__(self, redis: redis_async.Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def to_accounts(self, messages: Mapping[str, Mapping[str, Any]]) -> None:
        """One ``PUBLISH`` per account, pipelined."""
        if not messages:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for account_id, message in messages.items():
                pipe.publish(account_channel(self._prefix, account_id), _encode(message))
            await pipe.execute()

    async def to_case(self, case_id: str, message: Mapping[str, Any]) -> None:
        """Publish a case's progress."""
        await self._redis.publish(case_channel(self._prefix, case_id), _encode(message))

    async def to_everyone(self, message: Mapping[str, Any]) -> None:
        """Publish an announcement."""
        await self._redis.publish(broadcast_channel(self._prefix), _encode(message))
