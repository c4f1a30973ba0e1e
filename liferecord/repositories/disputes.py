"""The ``record_disputes`` collection: citizens' correction requests, one document each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from liferecord.models import Dispute, DisputeEvent, DisputeStatus, Section

Document = dict[str, Any]


def _event(doc: Document) -> DisputeEvent:
    return DisputeEvent(status=DisputeStatus(doc["status"]), at=doc["at"], note=doc.get("note"))


def _dispute(doc: Document) -> Dispute:
    return Dispute(
        id=str(doc["_id"]),
        account_id=doc["account_id"],
        section=Section(doc["section"]),
        field=doc["field"],
        reason=doc["reason"],
        department_code=doc["department_code"],
        status=DisputeStatus(doc["status"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        history=tuple(_event(event) for event in doc.get("history", [])),
    )


def _object_id(text: str) -> ObjectId | None:
    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        return None


class DisputeRepository:
    """Stores disputes; a status change is one guarded update of one document."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._disputes = database["record_disputes"]

    async def ensure_indexes(self) -> None:
        """The citizen's list (newest first) and each department's open work."""
        await self._disputes.create_index(
            [("account_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)],
            name="account_newest",
        )
        await self._disputes.create_index(
            [("department_code", 1), ("status", 1), ("created_at", 1)],
            name="department_status",
        )
        await self._disputes.create_index(
            [("desk_pending", 1), ("created_at", 1)], name="desk_pending", sparse=True
        )

    async def add(
        self,
        *,
        account_id: str,
        section: Section,
        field: str,
        reason: str,
        department_code: str,
        now: datetime,
        desk_pending: bool = False,
    ) -> Dispute:
        """Insert an open dispute and return it (``desk_pending``: not yet in a queue)."""
        doc: Document = {
            "_id": ObjectId(),
            "account_id": account_id,
            "section": section.value,
            "field": field,
            "reason": reason,
            "department_code": department_code,
            "status": DisputeStatus.OPEN.value,
            "created_at": now,
            "updated_at": now,
            "history": [{"status": DisputeStatus.OPEN.value, "at": now, "note": None}],
        }
        if desk_pending:
            doc["desk_pending"] = True
        await self._disputes.insert_one(doc)
        return _dispute(doc)

    async def desk_done(self, dispute_id: str) -> None:
        """The dispute is in its department's queue: clear its pending mark."""
        object_id = _object_id(dispute_id)
        if object_id is not None:
            await self._disputes.update_one({"_id": object_id}, {"$unset": {"desk_pending": ""}})

    async def desk_pending(self, created_before: datetime, *, limit: int) -> list[Dispute]:
        """Disputes stored before the instant whose queueing never completed."""
        cursor = self._disputes.find(
            {"desk_pending": True, "created_at": {"$lt": created_before}}
        ).sort([("created_at", 1), ("_id", 1)])
        return [_dispute(doc) async for doc in cursor.limit(limit)]

    async def get(self, dispute_id: str) -> Dispute | None:
        """The dispute with this id, or ``None``."""
        object_id = _object_id(dispute_id)
        if object_id is None:
            return None
        doc = await self._disputes.find_one({"_id": object_id})
        return None if doc is None else _dispute(doc)

    async def newest_of(
        self, account_id: str, *, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Dispute]:
        """The citizen's disputes, newest first, after a ``(created_at, id)`` cursor."""
        query: Document = {"account_id": account_id}
        if after is not None:
            created_at, dispute_id = after
            oid = _object_id(dispute_id)
            if oid is None:
                return []
            query["$or"] = [
                {"created_at": {"$lt": created_at}},
                {"created_at": created_at, "_id": {"$lt": oid}},
            ]
        cursor = (
            self._disputes.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        ).limit(limit)
        return [_dispute(doc) async for doc in cursor]

    async def change_status(
        self,
        dispute_id: str,
        *,
        department_code: str,
        from_statuses: Sequence[DisputeStatus],
        to: DisputeStatus,
        note: str | None,
        now: datetime,
    ) -> Dispute | None:
        """Move a dispute of ``department_code`` from one of ``from_statuses`` to ``to``.

        ``None`` when there is no such dispute for that department, or it is no longer
        in a status the change may start from (a concurrent change won).
        """
        oid = _object_id(dispute_id)
        if oid is None or not from_statuses:
            return None
        doc = await self._disputes.find_one_and_update(
            {
                "_id": oid,
                "department_code": department_code,
                "status": {"$in": [status.value for status in from_statuses]},
            },
            {
                "$set": {"status": to.value, "updated_at": now},
                "$push": {"history": {"status": to.value, "at": now, "note": note}},
            },
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _dispute(doc)
