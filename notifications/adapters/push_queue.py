"""The push queue: a Redis Stream read by one consumer group of all workers.

Why Redis Streams consumer groups (and not a job library): the work items are already
durable in MongoDB (deliveries with idempotency keys), so the queue only has to hand
each batch to exactly one worker and take it back when that worker fails or dies.
A consumer group does exactly that with Redis alone, which every instance already
uses: ``XREADGROUP`` gives each entry to one consumer, the pending entries list keeps it
until ``XACK``, and its idle time and delivery counter (``XPENDING``) drive retries:
an unacknowledged entry is taken again with ``XCLAIM`` once it has been idle for the
exponential backoff (with jitter) of its delivery count, whoever held it, a worker
killed with ``kill -9`` included. No job library's own scheduler, no new dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import redis.asyncio as redis_async
from redis.exceptions import ResponseError

from notifications.models import backoff
from notifications.ports import QueuedBatch

GROUP = "push-workers"
FIELD = b"ids"


class RedisPushQueue:
    """:class:`notifications.ports.PushQueue` over a Redis Stream and consumer group."""

    def __init__(
        self,
        redis: redis_async.Redis,
        *,
        prefix: str,
        retry_base: timedelta,
        retry_cap: timedelta,
    ) -> None:
        self._redis = redis
        self.stream = f"{prefix}notifications:push"
        self._base = retry_base.total_seconds()
        self._cap = retry_cap.total_seconds()

    async def start(self) -> None:
        """Create the stream and the group (kept when they exist)."""
        try:
            await self._redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def enqueue(self, delivery_ids: Sequence[str]) -> None:
        """Append one entry holding the batch's delivery ids."""
        if delivery_ids:
            await self._redis.xadd(self.stream, {FIELD: "\n".join(delivery_ids)})

    def _delay_ms(self, entry_id: str, deliveries: int) -> int:
        return int(
            backoff(deliveries, entry_id, base=self._base, cap=self._cap)
            / timedelta(milliseconds=1)
        )

    async def _due_retries(self, consumer: str) -> list[QueuedBatch]:
        pending: list[dict[str, Any]] = await self._redis.xpending_range(
            self.stream, GROUP, min="-", max="+", count=20, idle=int(self._base * 500)
        )
        batches: list[QueuedBatch] = []
        for entry in pending:
            entry_id = entry["message_id"].decode()
            delivered = int(entry["times_delivered"])
            wait = self._delay_ms(entry_id, delivered)
            if int(entry["time_since_delivered"]) < wait:
                continue
            # XCLAIM re-checks the idle time: of two workers racing, one wins.
            claimed: list[Any] = await self._redis.xclaim(
                self.stream, GROUP, consumer, wait, [entry_id]
            )
            batches += [_batch(eid, fields, delivered + 1) for eid, fields in claimed if fields]
        return batches

    async def next_batches(self, consumer: str, *, wait_ms: int) -> list[QueuedBatch]:
        """Due retries first; otherwise up to 4 new entries, waiting up to ``wait_ms``.

        A Redis that lost the group (restarted without its data) gets it created again.
        """
        try:
            return await self._next_batches(consumer, wait_ms=wait_ms)
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            await self.start()  # from id 0: entries queued before are read too
            return await self._next_batches(consumer, wait_ms=wait_ms)

    async def _next_batches(self, consumer: str, *, wait_ms: int) -> list[QueuedBatch]:
        retries = await self._due_retries(consumer)
        if retries:
            return retries
        answer: Any = await self._redis.xreadgroup(
            GROUP, consumer, {self.stream: ">"}, count=4, block=wait_ms or None
        )
        return [_batch(eid, fields, 1) for _, entries in answer or [] for eid, fields in entries]

    async def ack(self, batch: QueuedBatch) -> None:
        """Remove the entry from the pending list and the stream."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, batch.entry_id)
            pipe.xdel(self.stream, batch.entry_id)
            await pipe.execute()


def _batch(entry_id: bytes | str, fields: dict[bytes, bytes], deliveries: int) -> QueuedBatch:
    ids = tuple(fields[FIELD].decode().split("\n")) if fields.get(FIELD) else ()
    key = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return QueuedBatch(entry_id=key, delivery_ids=ids, deliveries=deliveries)
