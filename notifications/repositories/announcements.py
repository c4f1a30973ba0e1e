"""The ``announcements`` collection: system announcements' texts (zh and en)."""

from __future__ import annotations

from collections.abc import Sequence

from kit.text import Localized
from notifications.models import Announcement
from notifications.repositories import Database, Document


def _announcement(doc: Document) -> Announcement:
    return Announcement(
        id=doc["_id"],
        title=Localized(**doc["title"]),
        body=Localized(**doc["body"]),
        created_at=doc["created_at"],
    )


class AnnouncementRepository:
    """Announcements, by id."""

    def __init__(self, database: Database) -> None:
        self._announcements = database["announcements"]

    async def ensure_indexes(self) -> None:
        """Looked up by id only."""

    async def add(self, announcement: Announcement) -> None:
        """Store an announcement."""
        await self._announcements.insert_one(
            {
                "_id": announcement.id,
                "title": {"zh": announcement.title.zh, "en": announcement.title.en},
                "body": {"zh": announcement.body.zh, "en": announcement.body.en},
                "created_at": announcement.created_at,
            }
        )

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Announcement]:
        """Announcements by id."""
        found = self._announcements.find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: _announcement(doc) async for doc in found}
