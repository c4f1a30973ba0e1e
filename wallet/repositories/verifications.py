"""The ``licence_verifications`` collection: every check of a licence, for its holder.

Stored in clear: the holder (an opaque account id or a public USCC), the licence URI
(a keyed hash as document id), channel, outcome and time; the verifier's self-declared
name is encrypted (it may name a person).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from wallet.models import Holder, HolderKind, LicenceType, VerificationChannel, VerificationEntry

Document = dict[str, Any]


class VerificationRepository:
    """Appends checks and pages them per holder, newest first."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._log = database["licence_verifications"]

    async def ensure_indexes(self) -> None:
        """A holder's log, newest first."""
        await self._log.create_index(
            [("holder.kind", 1), ("holder.id", 1), ("at", DESCENDING), ("_id", DESCENDING)],
            name="holder_at",
        )

    async def add(self, entry: VerificationEntry, sealed_verifier: str | None) -> None:
        """Record one check (``sealed_verifier``: the encrypted name, or ``None``)."""
        await self._log.insert_one(
            {
                "_id": entry.id,
                "holder": {"kind": entry.holder.kind.value, "id": entry.holder.id},
                "uri": entry.uri,
                "type": entry.type.value,
                "channel": entry.channel.value,
                "outcome": entry.outcome,
                "at": entry.at,
                "verifier": sealed_verifier,
            }
        )

    async def page_of(
        self, holder: Holder, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[VerificationEntry, str | None]]:
        """Up to ``limit`` checks of ``holder``'s licences older than ``before``, newest first.

        Each comes with its encrypted verifier name, for the service to open.
        """
        query: Document = {"holder.kind": holder.kind.value, "holder.id": holder.id}
        if before is not None:
            at, entry_id = before
            query["$or"] = [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": entry_id}}]
        cursor = self._log.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [(_entry(doc), doc.get("verifier")) async for doc in cursor]


def _entry(doc: Document) -> VerificationEntry:
    return VerificationEntry(
        id=doc["_id"],
        holder=Holder(HolderKind(doc["holder"]["kind"]), doc["holder"]["id"]),
        uri=doc["uri"],
        type=LicenceType(doc["type"]),
        channel=VerificationChannel(doc["channel"]),
        outcome=doc["outcome"],
        at=doc["at"],
        verifier=None,
    )
