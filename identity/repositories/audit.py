"""The ``identity_audit`` collection: why identity operations were refused or done.

Callers get one uniform answer to a refused binding (no oracle for which name and ID
pairs exist or are bound); the precise reason is written here for the operators and
for the citizen's complaints. Only account ids and keyed hashes are stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from identity.models import new_id
from identity.repositories import Database, Document

AUDIT_RETENTION = timedelta(days=365)


class IdentityAudit:
    """Append-only audit records of real-name binding and identity moves."""

    def __init__(self, database: Database) -> None:
        self._audit = database["identity_audit"]

    async def ensure_indexes(self) -> None:
        """Read by account, newest first; purged after a year."""
        await self._audit.create_index([("account_id", 1), ("at", -1)], name="account_recent")
        await self._audit.create_index(
            "at", expireAfterSeconds=int(AUDIT_RETENTION.total_seconds()), name="at_ttl"
        )

    async def record(
        self,
        event: str,
        *,
        account_id: str,
        at: datetime,
        reason: str | None = None,
        id_hash: str | None = None,
        other_account_id: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Append one record (inside ``session``'s transaction when given)."""
        await self._audit.insert_one(
            {
                "_id": new_id("aud"),
                "event": event,
                "account_id": account_id,
                "at": at,
                "reason": reason,
                "id_hash": id_hash,
                "other_account_id": other_account_id,
            },
            session=session,
        )

    async def of_account(self, account_id: str, *, limit: int = 50) -> list[Document]:
        """The account's records, newest first (operators and tests)."""
        cursor = self._audit.find({"account_id": account_id}).sort("at", -1).limit(limit)
        return [doc async for doc in cursor]
