"""The small protocols the notifications services depend on; adapters implement them.

- :class:`LivePublisher` hands a notification (and case progress) to the live GraphQL
  subscriptions of every API instance (Redis pub/sub, ``adapters/redis_live.py``; the
  subscribing side is ``notifications/live.py``).
- :class:`PushChannel` is one push provider (FCM, WeChat subscription messages, and
  later vendor push: Huawei, Honor, Xiaomi, OPPO, vivo).
- :class:`PushQueue` carries batches of delivery ids to the workers (Redis Streams
  consumer group, ``adapters/push_queue.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from notifications.models import Channel, PushMessage, PushResult


class LivePublisher(Protocol):
    """Publishes to the live subscriptions (JSON messages, at least once)."""

    async def to_accounts(self, messages: Mapping[str, Mapping[str, Any]]) -> None:
        """One message per account id (``{prefix}live:account:{account_id}``)."""

    async def to_case(self, case_id: str, message: Mapping[str, Any]) -> None:
        """Progress of one case (``{prefix}live:case:{case_id}``)."""

    async def to_everyone(self, message: Mapping[str, Any]) -> None:
        """An announcement (``{prefix}live:broadcast``)."""


class PushChannel(Protocol):
    """One push provider. ``send`` answers one result per message, in any order, and
    never raises for a provider failure (it answers ``retry`` instead)."""

    channel: Channel
    platforms: frozenset[str]
    """Device platforms it serves (``android``, ``ios``, ``wechat_mini_program`` …)."""

    async def send(self, messages: Sequence[PushMessage]) -> list[PushResult]:
        """Send every message (batched as the provider allows)."""


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    """A batch of delivery ids handed to one worker; ``deliveries`` counts hand-outs."""

    entry_id: str
    delivery_ids: tuple[str, ...]
    deliveries: int


class PushQueue(Protocol):
    """Batches of deliveries for the workers: each batch to one worker at a time, taken
    again after a backoff when it is not acknowledged (failure, or a worker killed)."""

    async def start(self) -> None:
        """Create what the queue needs (idempotent)."""

    async def enqueue(self, delivery_ids: Sequence[str]) -> None:
        """Queue one batch."""

    async def next_batches(self, consumer: str, *, wait_ms: int) -> list[QueuedBatch]:
        """Batches due for a retry, else new batches (waiting up to ``wait_ms``)."""

    async def ack(self, batch: QueuedBatch) -> None:
        """The batch is done with (delivered, failed for good or dead-lettered)."""
