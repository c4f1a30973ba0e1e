"""The ``notifications`` collection (inbox entries) and ``notification_inbox_state``.

A personal entry is one document per recipient; an announcement is ONE document with
``account_id`` :data:`~notifications.models.BROADCAST` that every inbox shows, and its
read state lives in the reader's ``notification_inbox_state`` (read-all time and the
broadcast ids read since), so an announcement to everyone writes one row, not one per
citizen. Parameters (ids, case references) rest encrypted, bound to the entry's id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import DESCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from infra.crypto import FieldCipher
from notifications.models import BROADCAST, Category, Notification
from notifications.repositories import Database, Document


class InboxRepository:
    """Inbox entries and each reader's read state."""

    def __init__(self, database: Database, cipher: FieldCipher) -> None:
        self._entries = database["notifications"]
        self._state = database["notification_inbox_state"]
        self._cipher = cipher

    async def ensure_indexes(self) -> None:
        """The inbox (newest first) and its unread count."""
        await self._entries.create_index(
            [("account_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)], name="inbox"
        )
        await self._entries.create_index(
            [("account_id", 1), ("read_at", 1)],
            name="unread",
            partialFilterExpression={"read_at": None},
        )

    def _doc(self, entry: Notification) -> Document:
        params = self._cipher.encrypt(json.dumps(entry.params, sort_keys=True), context=entry.id)
        return {
            "_id": entry.id,
            "account_id": entry.account_id,
            "event_id": entry.event_id,
            "kind": entry.kind,
            "category": entry.category.value,
            "urgent": entry.urgent,
            "params": params,
            "created_at": entry.created_at,
            "read_at": None,
        }

    def _entry(self, doc: Document) -> Notification:
        params: dict[str, Any] = json.loads(self._cipher.decrypt(doc["params"], context=doc["_id"]))
        return Notification(
            id=doc["_id"],
            account_id=doc["account_id"],
            event_id=doc["event_id"],
            kind=doc["kind"],
            category=Category(doc["category"]),
            urgent=doc["urgent"],
            params=params,
            created_at=doc["created_at"],
            read_at=doc.get("read_at"),
        )

    async def add_all(self, entries: Sequence[Notification]) -> list[str]:
        """Insert entries not there yet (same id: the same event again); returns the new ids."""
        if not entries:
            return []
        ops = [
            UpdateOne({"_id": e.id}, {"$setOnInsert": self._doc(e)}, upsert=True) for e in entries
        ]
        try:
            result = await self._entries.bulk_write(ops, ordered=False)
        except BulkWriteError as error:  # a concurrent insert of the same entry
            upserted = {u["index"] for u in error.details.get("upserted", [])}
            return [entries[i].id for i in sorted(upserted)]
        return [entries[i].id for i in sorted(result.upserted_ids or {})]

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Notification]:
        """Entries by id (missing ones absent)."""
        found = self._entries.find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: self._entry(doc) async for doc in found}

    async def newest_of(
        self,
        account_id: str,
        *,
        since: datetime,
        limit: int,
        after: tuple[datetime, str] | None = None,
    ) -> list[Notification]:
        """The account's entries and the announcements since ``since``, newest first."""
        query: Document = {
            "$or": [
                {"account_id": account_id},
                {"account_id": BROADCAST, "created_at": {"$gte": since}},
            ]
        }
        if after is not None:
            at, entry_id = after
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"created_at": {"$lt": at}},
                            {"created_at": at, "_id": {"$lt": entry_id}},
                        ]
                    },
                ]
            }
        cursor = self._entries.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return [self._entry(doc) async for doc in cursor.limit(limit)]

    async def read_state(self, account_id: str) -> tuple[datetime | None, set[str]]:
        """When the reader last marked all read, and the announcements read since."""
        doc = await self._state.find_one({"_id": account_id})
        if doc is None:
            return None, set()
        return doc.get("read_all_at"), set(doc.get("broadcasts_read", []))

    async def unread_count(self, account_id: str, *, since: datetime) -> int:
        """Unread personal entries plus unread announcements since ``since``."""
        personal = await self._entries.count_documents({"account_id": account_id, "read_at": None})
        read_all_at, read = await self.read_state(account_id)
        start = max(since, read_all_at) if read_all_at else since
        broadcast_ids = await self._entries.distinct(
            "_id", {"account_id": BROADCAST, "created_at": {"$gte": start}}
        )
        return personal + len(set(broadcast_ids) - read)

    async def mark_read(self, account_id: str, ids: Sequence[str], *, now: datetime) -> int:
        """Mark the reader's own entries (and announcements) read; others' ids change nothing."""
        result = await self._entries.update_many(
            {"_id": {"$in": list(ids)}, "account_id": account_id, "read_at": None},
            {"$set": {"read_at": now}},
        )
        broadcasts = await self._entries.distinct(
            "_id", {"_id": {"$in": list(ids)}, "account_id": BROADCAST}
        )
        if broadcasts:
            await self._state.update_one(
                {"_id": account_id},
                {"$addToSet": {"broadcasts_read": {"$each": broadcasts}}},
                upsert=True,
            )
        return result.modified_count + len(broadcasts)

    async def mark_all_read(self, account_id: str, *, now: datetime) -> int:
        """Mark every entry of the reader read (announcements by a read-all time)."""
        result = await self._entries.update_many(
            {"account_id": account_id, "read_at": None}, {"$set": {"read_at": now}}
        )
        await self._state.update_one(
            {"_id": account_id},
            {"$set": {"read_all_at": now, "broadcasts_read": []}},
            upsert=True,
        )
        return result.modified_count
