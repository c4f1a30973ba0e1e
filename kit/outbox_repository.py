"""The ``outbox`` collection: append in the writer's transaction, claim with a lease."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from kit.outbox import ClaimedEvent, OutboxEvent

Document = dict[str, Any]

PENDING = "pending"
CLAIMED = "claimed"
DONE = "done"
DEAD = "dead"
# Delivered events stay this long for audits and replays, then go.
DONE_RETENTION = timedelta(days=30)


def _event(doc: Document) -> OutboxEvent:
    return OutboxEvent(
        id=doc["_id"],
        kind=doc["kind"],
        subject=doc["subject"],
        payload=doc["payload"],
        audience=tuple(doc["audience"]),
        occurred_at=doc["occurred_at"],
    )


class OutboxRepository:
    """Events waiting for their consumer, and what became of each."""

    def __init__(self, database: AsyncDatabase[Document], *, max_attempts: int = 10) -> None:
        self._outbox = database["outbox"]
        self._max_attempts = max_attempts

    async def ensure_indexes(self) -> None:
        """Claim the oldest available first; purge delivered events after a while."""
        await self._outbox.create_index(
            [("status", ASCENDING), ("available_at", ASCENDING)], name="claimable"
        )
        await self._outbox.create_index(
            "done_at",
            expireAfterSeconds=int(DONE_RETENTION.total_seconds()),
            name="done_ttl",
            partialFilterExpression={"status": DONE},
        )

    async def append(self, event: OutboxEvent, *, session: AsyncClientSession | None) -> None:
        """Record ``event`` inside ``session``'s transaction (the change it reports).

        ``session=None`` is only for events that report no stored change (e.g. a system
        announcement); everything else passes the session of its own write.
        """
        await self._outbox.insert_one(
            {
                "_id": event.id,
                "kind": event.kind,
                "subject": event.subject,
                "payload": event.payload,
                "audience": list(event.audience),
                "occurred_at": event.occurred_at,
                "status": PENDING,
                "available_at": event.occurred_at,
                "attempts": 0,
                "claimed_by": None,
                "lease_until": None,
            },
            session=session,
        )

    async def appended(self) -> AsyncIterator[None]:
        """Yields once per event appended, as soon as its transaction commits.

        A change stream on the outbox: the database shows an insert only once it is
        committed, so a consumer woken by it finds the event (a nudge sent by the writer
        could not know when the writer's caller commits). Consumers still poll as well:
        a stream that breaks (the database restarting) loses no event, only speed.
        """
        pipeline: list[dict[str, Any]] = [
            {"$match": {"operationType": "insert"}},
            {"$project": {"_id": 1}},
        ]
        async with await self._outbox.watch(pipeline, max_await_time_ms=1000) as stream:
            async for _ in stream:
                yield None

    async def claim(self, worker: str, *, now: datetime, lease: timedelta) -> ClaimedEvent | None:
        """Lease the oldest available event to ``worker`` (one winner under races)."""
        doc = await self._outbox.find_one_and_update(
            {
                "$or": [
                    {"status": PENDING, "available_at": {"$lte": now}},
                    {"status": CLAIMED, "lease_until": {"$lt": now}},
                ]
            },
            {
                "$set": {"status": CLAIMED, "claimed_by": worker, "lease_until": now + lease},
                "$inc": {"attempts": 1},
            },
            sort=[("available_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        return ClaimedEvent(
            event=_event(doc), attempts=doc["attempts"], lease_until=doc["lease_until"]
        )

    async def renew(self, event_id: str, worker: str, *, until: datetime) -> bool:
        """Extend ``worker``'s lease (a long event, e.g. an announcement's fan-out);
        ``False`` when the lease was lost meanwhile."""
        result = await self._outbox.update_one(
            {"_id": event_id, "status": CLAIMED, "claimed_by": worker},
            {"$set": {"lease_until": until}},
        )
        return result.modified_count == 1

    async def complete(self, event_id: str, worker: str, *, now: datetime) -> bool:
        """Mark a claimed event delivered; ``False`` when the lease was lost meanwhile."""
        result = await self._outbox.update_one(
            {"_id": event_id, "status": CLAIMED, "claimed_by": worker},
            {"$set": {"status": DONE, "done_at": now, "lease_until": None}},
        )
        return result.modified_count == 1

    async def retry_later(
        self, event_id: str, worker: str, *, at: datetime, error: str
    ) -> str | None:
        """Give a failed event back for another try at ``at`` (or give up after the maximum).

        Returns the new status (``pending`` or ``dead``), ``None`` when the lease was lost.
        """
        doc = await self._outbox.find_one_and_update(
            {"_id": event_id, "status": CLAIMED, "claimed_by": worker},
            [
                {
                    "$set": {
                        "status": {
                            "$cond": [{"$gte": ["$attempts", self._max_attempts]}, DEAD, PENDING]
                        },
                        "available_at": at,
                        "lease_until": None,
                        "last_error": error[:500],
                    }
                }
            ],
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else str(doc["status"])
