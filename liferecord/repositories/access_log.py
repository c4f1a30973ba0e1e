"""The ``record_access_log`` collection: who read whose life record, and why."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from liferecord.models import AccessEntry, Citizen, Reader, Section

Document = dict[str, Any]

# Citizens can see who read their data for three years (then the entries expire).
RETENTION = timedelta(days=3 * 365)


class AccessLogRepository:
    """Append-only log, read back by the citizen (cf. Estonia's Data Tracker)."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._entries = database["record_access_log"]

    async def ensure_indexes(self) -> None:
        """Newest first per citizen; expire after the retention period."""
        await self._entries.create_index(
            [("account_id", 1), ("at", DESCENDING)], name="account_recent"
        )
        await self._entries.create_index(
            "at", expireAfterSeconds=int(RETENTION.total_seconds()), name="retention"
        )

    async def record(
        self, citizen: Citizen, reader: Reader, sections: Iterable[Section], at: datetime
    ) -> None:
        """Append one entry (a failure here fails the read: no unlogged reads)."""
        await self._entries.insert_one(
            {
                "account_id": citizen.account_id,
                "reader": {"kind": reader.kind, "id": reader.id, "name": reader.display_name},
                "purpose": reader.purpose,
                "sections": [s.value for s in sections],
                "at": at,
            }
        )

    async def record_read(self, account_id: str, reader: Reader, at: datetime) -> None:
        """Append one entry for a read of data outside the record's sections (an
        officer reading an application the citizen filed)."""
        await self._entries.insert_one(
            {
                "account_id": account_id,
                "reader": {"kind": reader.kind, "id": reader.id, "name": reader.display_name},
                "purpose": reader.purpose,
                "sections": [],
                "at": at,
            }
        )

    async def recent(
        self,
        account_id: str,
        *,
        limit: int,
        before: datetime | None = None,
        before_id: str | None = None,
    ) -> list[AccessEntry]:
        """The citizen's entries, newest first, optionally before a time (paging).

        With ``before_id`` (the id of the last entry of the previous page) entries at
        exactly ``before`` that sort after it are kept, so reads logged in the same
        millisecond are neither lost nor repeated between pages.
        """
        query: Document = {"account_id": account_id}
        if before is not None and before_id is not None and ObjectId.is_valid(before_id):
            query["$or"] = [
                {"at": {"$lt": before}},
                {"at": before, "_id": {"$lt": ObjectId(before_id)}},
            ]
        elif before is not None:
            query["at"] = {"$lt": before}
        cursor = (
            self._entries.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        )
        return [
            AccessEntry(
                id=str(doc["_id"]),
                reader_kind=doc["reader"]["kind"],
                reader_id=doc["reader"]["id"],
                reader_name=doc["reader"]["name"],
                purpose=doc["purpose"],
                sections=tuple(Section(s) for s in doc["sections"]),
                at=doc["at"],
            )
            async for doc in cursor
        ]
