"""The demo exchange's own records of who called: seen nonces and the access log.

Both live in the exchange's database, never the API's. The access log names the client,
the route, the outcome and when; whose data it was is kept only as a keyed hash (the
key is the exchange's own, made on first start) and a masked form for people.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from identity.masking import mask_id_number
from infra.exchange_signing import MAX_SKEW_SECONDS

Document = dict[str, Any]

NONCE_RETENTION = timedelta(seconds=2 * MAX_SKEW_SECONDS + 60)
"""A nonce is kept past the skew window on both sides, so a replay is always seen."""
LOG_KEY_ID = "access_log_key"


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One request to the exchange, as its access log keeps it."""

    client_id: str | None
    route: str
    subject_kind: str | None
    subject: str | None
    status: int
    refusal: str | None
    at: datetime


class AccessRecords:
    """The exchange's nonces (replay refusal) and access log, in its own database."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._nonces = database["exchange_nonces"]
        self._log = database["exchange_access_log"]
        self._meta = database["exchange_meta"]
        self._log_key = b""

    async def start(self) -> None:
        """Create the indexes and load (or make, once) the key that hashes subjects."""
        await self._nonces.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
        await self._log.create_index([("at", DESCENDING)])
        await self._log.create_index([("subject", ASCENDING), ("at", DESCENDING)])
        await self._meta.update_one(
            {"_id": LOG_KEY_ID},
            {"$setOnInsert": {"key": secrets.token_hex(32)}},
            upsert=True,
        )
        found = await self._meta.find_one({"_id": LOG_KEY_ID})
        assert found is not None
        self._log_key = bytes.fromhex(found["key"])

    async def first_use(self, client_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; ``False`` when this client already used it (a replay)."""
        try:
            await self._nonces.insert_one(
                {"_id": f"{client_id}:{nonce}", "expires_at": now + NONCE_RETENTION}
            )
        except DuplicateKeyError:
            return False
        return True

    def subject_hash(self, subject: str) -> str:
        """The keyed hash the log keeps instead of an ID number or code."""
        return hmac.new(self._log_key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    async def record(
        self,
        *,
        client_id: str | None,
        route: str,
        subject_kind: str | None,
        subject: str | None,
        status: int,
        refusal: str | None,
        at: datetime | None = None,
    ) -> None:
        """Append one entry (the subject hashed, and masked when it is a person)."""
        entry: Document = {
            "client_id": client_id,
            "route": route,
            "subject_kind": subject_kind,
            "subject": None if subject is None else self.subject_hash(subject),
            "subject_masked": (
                mask_id_number(subject)
                if subject is not None and subject_kind == "resident"
                else None
            ),
            "status": status,
            "refusal": refusal,
            "at": at or datetime.now(UTC),
        }
        await self._log.insert_one(entry)

    async def latest(self, limit: int = 50) -> list[AccessEntry]:
        """The newest entries first."""
        cursor = self._log.find({}).sort("at", DESCENDING).limit(limit)
        return [
            AccessEntry(
                client_id=doc.get("client_id"),
                route=doc["route"],
                subject_kind=doc.get("subject_kind"),
                subject=doc.get("subject"),
                status=doc["status"],
                refusal=doc.get("refusal"),
                at=doc["at"],
            )
            async for doc in cursor
        ]
