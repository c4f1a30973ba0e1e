"""The ``licence_shares`` collection: a holder's consented shares of licences.

The link's secret is never stored: only its keyed hash (``tokenHash``, unique), by which
an opened link finds its share. Party and purpose are encrypted (they may name people).
Shares are kept 90 days past their expiry for the holder's records, then go (TTL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from wallet.models import Holder, HolderKind, LicenceType, Share

Document = dict[str, Any]
KEPT_AFTER_EXPIRY_SECONDS = 90 * 24 * 3600


class ShareRepository:
    """Stores shares; finds one by its link's hash; revokes; pages a holder's shares."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._shares = database["licence_shares"]

    async def ensure_indexes(self) -> None:
        """Link look-up, a holder's shares newest first, removal after expiry."""
        await self._shares.create_index("tokenHash", name="token_hash", unique=True)
        await self._shares.create_index(
            [("holder.kind", ASCENDING), ("holder.id", ASCENDING), ("createdAt", DESCENDING)],
            name="holder_created",
        )
        await self._shares.create_index(
            "expiresAt", name="expired_ttl", expireAfterSeconds=KEPT_AFTER_EXPIRY_SECONDS
        )

    async def add(
        self, share: Share, *, token_hash: str, sealed_party: str, sealed_purpose: str
    ) -> None:
        """Store a new share."""
        await self._shares.insert_one(
            {
                "_id": share.id,
                "tokenHash": token_hash,
                "holder": {"kind": share.holder.kind.value, "id": share.holder.id},
                "uri": share.uri,
                "type": share.type.value,
                "fields": list(share.fields),
                "party": sealed_party,
                "purpose": sealed_purpose,
                "createdAt": share.created_at,
                "expiresAt": share.expires_at,
                "revokedAt": None,
            }
        )

    async def by_token_hash(self, token_hash: str) -> tuple[Share, str, str] | None:
        """The share whose link hashes to ``token_hash``, with its sealed party and purpose."""
        doc = await self._shares.find_one({"tokenHash": token_hash})
        return None if doc is None else _opened(doc)

    async def revoke(
        self, share_id: str, holders: list[Holder], now: datetime
    ) -> tuple[Share, str, str] | None:
        """Revoke a live share of one of ``holders``; ``None`` when there is none."""
        doc = await self._shares.find_one_and_update(
            {
                "_id": share_id,
                "$or": [{"holder.kind": h.kind.value, "holder.id": h.id} for h in holders],
                "revokedAt": None,
            },
            {"$set": {"revokedAt": now}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _opened(doc)

    async def page_of(
        self, holder: Holder, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[Share, str, str]]:
        """Up to ``limit`` shares of ``holder`` made before ``before``, newest first."""
        query: Document = {"holder.kind": holder.kind.value, "holder.id": holder.id}
        if before is not None:
            at, share_id = before
            query["$or"] = [{"createdAt": {"$lt": at}}, {"createdAt": at, "_id": {"$lt": share_id}}]
        cursor = (
            self._shares.find(query)
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_opened(doc) async for doc in cursor]


def _opened(doc: Document) -> tuple[Share, str, str]:
    share = Share(
        id=doc["_id"],
        holder=Holder(HolderKind(doc["holder"]["kind"]), doc["holder"]["id"]),
        uri=doc["uri"],
        type=LicenceType(doc["type"]),
        fields=tuple(doc["fields"]),
        party="",
        purpose="",
        created_at=doc["createdAt"],
        expires_at=doc["expiresAt"],
        revoked_at=doc.get("revokedAt"),
    )
    return share, doc["party"], doc["purpose"]
