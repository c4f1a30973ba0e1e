"""The ``notification_preferences`` collection: one document per account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from notifications.models import Category, Preferences, QuietHours
from notifications.repositories import Database, Document


def _preferences(doc: Document) -> Preferences:
    quiet = doc.get("quiet_hours")
    return Preferences(
        muted=frozenset(Category(c) for c in doc.get("muted", [])),
        quiet_hours=None
        if quiet is None
        else QuietHours(
            start=time.fromisoformat(quiet["start"]), end=time.fromisoformat(quiet["end"])
        ),
    )


class PreferenceRepository:
    """Each account's muted categories and quiet hours (defaults when it has none)."""

    def __init__(self, database: Database) -> None:
        self._preferences = database["notification_preferences"]

    async def ensure_indexes(self) -> None:
        """Keyed by account id."""

    async def of(self, account_ids: Sequence[str]) -> dict[str, Preferences]:
        """Preferences by account id; accounts without a document get the defaults."""
        found = {
            doc["_id"]: _preferences(doc)
            async for doc in self._preferences.find({"_id": {"$in": list(set(account_ids))}})
        }
        return {account: found.get(account, Preferences()) for account in account_ids}

    async def save(self, account_id: str, preferences: Preferences) -> None:
        """Replace the account's preferences."""
        quiet = preferences.quiet_hours
        await self._preferences.replace_one(
            {"_id": account_id},
            {
                "muted": sorted(c.value for c in preferences.muted),
                "quiet_hours": None
                if quiet is None
                else {
                    "start": quiet.start.isoformat("minutes"),
                    "end": quiet.end.isoformat("minutes"),
                },
            },
            upsert=True,
        )
