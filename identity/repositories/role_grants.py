"""The ``role_grants`` collection and its audit trail, ``role_audit``.

A grant is a document of its own (never an element of an account's array), so it can
be revoked, expire and be listed by department with indexes. Every grant and
revocation writes an audit record in the same transaction: who, whom, what, when, why.
Only account ids and masked phones are stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from identity.models import OfficerRole, RoleGrant, new_id
from identity.repositories import Database, Document

AUDIT_RETENTION = timedelta(days=5 * 365)
REPLACED = "replaced by a new grant"


def _grant(doc: Document) -> RoleGrant:
    return RoleGrant(
        id=doc["_id"],
        account_id=doc["account_id"],
        phone_masked=doc["phone_masked"],
        department_code=doc.get("department_code"),
        role=OfficerRole(doc["role"]),
        expires_at=doc.get("expires_at"),
        granted_by=doc["granted_by"],
        granted_at=doc["granted_at"],
        revoked_at=doc.get("revoked_at"),
        revoked_by=doc.get("revoked_by"),
        revoke_reason=doc.get("revoke_reason"),
    )


def _live(now: datetime) -> Document:
    return {"revoked_at": None, "$or": [{"expires_at": None}, {"expires_at": {"$gt": now}}]}


class RoleGrantRepository:
    """Role grants and their audit records.

    At most one unrevoked grant exists per account, department and role (a unique
    partial index); a new one replaces it in the same transaction.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._grants = database["role_grants"]
        self._audit = database["role_audit"]

    async def ensure_indexes(self) -> None:
        """Look-ups by account and by department (newest first); one live grant per role."""
        await self._grants.create_index(
            [("account_id", ASCENDING), ("revoked_at", ASCENDING)], name="account_unrevoked"
        )
        await self._grants.create_index(
            [
                ("department_code", ASCENDING),
                ("revoked_at", ASCENDING),
                ("granted_at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="department_recent",
        )
        await self._grants.create_index(
            [("account_id", ASCENDING), ("department_code", ASCENDING), ("role", ASCENDING)],
            unique=True,
            name="one_unrevoked_grant",
            partialFilterExpression={"revoked_at": {"$type": "null"}},
        )
        await self._audit.create_index([("account_id", ASCENDING), ("at", DESCENDING)], name="whom")
        await self._audit.create_index(
            "at", expireAfterSeconds=int(AUDIT_RETENTION.total_seconds()), name="at_ttl"
        )

    async def add(self, grant: RoleGrant) -> None:
        """Store ``grant`` and its audit record, replacing an unrevoked grant of the same role."""
        doc = {
            "_id": grant.id,
            "account_id": grant.account_id,
            "phone_masked": grant.phone_masked,
            "department_code": grant.department_code,
            "role": grant.role.value,
            "expires_at": grant.expires_at,
            "granted_by": grant.granted_by,
            "granted_at": grant.granted_at,
            "revoked_at": None,
        }
        same_role = {
            "account_id": grant.account_id,
            "department_code": grant.department_code,
            "role": grant.role.value,
            "revoked_at": None,
        }

        async def write(session: AsyncClientSession) -> None:
            replaced = await self._grants.find_one_and_update(
                same_role,
                {
                    "$set": {
                        "revoked_at": grant.granted_at,
                        "revoked_by": grant.granted_by,
                        "revoke_reason": REPLACED,
                    }
                },
                session=session,
            )
            if replaced is not None:
                await self._record(
                    "role.revoked",
                    _grant(replaced),
                    grant.granted_by,
                    grant.granted_at,
                    REPLACED,
                    session,
                )
            await self._grants.insert_one(doc, session=session)
            await self._record(
                "role.granted", grant, grant.granted_by, grant.granted_at, None, session
            )

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)

    async def revoke(
        self, grant_id: str, *, by: str, reason: str, now: datetime
    ) -> RoleGrant | None:
        """Revoke an unrevoked grant and audit it; ``None`` when there is none (or lost a race)."""
        revoked: list[RoleGrant] = []

        async def write(session: AsyncClientSession) -> None:
            revoked.clear()
            doc = await self._grants.find_one_and_update(
                {"_id": grant_id, "revoked_at": None},
                {"$set": {"revoked_at": now, "revoked_by": by, "revoke_reason": reason}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is None:
                return
            revoked.append(_grant(doc))
            await self._record("role.revoked", revoked[0], by, now, reason, session)

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)
        return revoked[0] if revoked else None

    async def get(self, grant_id: str) -> RoleGrant | None:
        """The grant with this id (revoked or not)."""
        doc = await self._grants.find_one({"_id": grant_id})
        return None if doc is None else _grant(doc)

    async def live_of_account(
        self, account_id: str, now: datetime, *, limit: int
    ) -> list[RoleGrant]:
        """The account's live grants, administrator first, then by department code."""
        cursor = self._grants.find({"account_id": account_id, **_live(now)}).limit(limit)
        grants = [_grant(doc) async for doc in cursor]
        return sorted(grants, key=lambda g: (g.department_code or "", g.role.value))

    async def live_page(
        self,
        department_code: str | None,
        now: datetime,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[RoleGrant]:
        """Live grants of a department (or every live grant), newest first, after a cursor."""
        query: dict[str, Any] = _live(now)
        if department_code is not None:
            query["department_code"] = department_code
        if after is not None:
            at, last_id = after
            query["$and"] = [
                {"$or": [{"granted_at": {"$lt": at}}, {"granted_at": at, "_id": {"$lt": last_id}}]}
            ]
        cursor = (
            self._grants.find(query)
            .sort([("granted_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_grant(doc) async for doc in cursor]

    async def audit_of(self, account_id: str, *, limit: int = 50) -> list[Document]:
        """The audit records about an account, newest first (operators and tests)."""
        cursor = self._audit.find({"account_id": account_id}).sort("at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def _record(
        self,
        event: str,
        grant: RoleGrant,
        actor: str,
        at: datetime,
        reason: str | None,
        session: AsyncClientSession,
    ) -> None:
        await self._audit.insert_one(
            {
                "_id": new_id("rau"),
                "event": event,
                "grant_id": grant.id,
                "account_id": grant.account_id,
                "actor": actor,
                "department_code": grant.department_code,
                "role": grant.role.value,
                "expires_at": grant.expires_at,
                "reason": reason,
                "at": at,
            },
            session=session,
        )
