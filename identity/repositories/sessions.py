"""The ``sessions`` collection: signed-in devices and their rotating refresh tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from identity.models import Device, DevicePlatform, Session
from identity.repositories import Database, Document
from identity.repositories.sign_in_marks import SignInMarks
from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository
from kit.text import Localized

# Sessions stay readable (for the session list and audits) this long after expiry.
SESSION_RETENTION = timedelta(days=30)
# How many rotated refresh-token hashes a session remembers to detect reuse.
USED_HASHES_KEPT = 50


def _session(doc: Document) -> Session:
    return Session(
        id=doc["_id"],
        account_id=doc["account_id"],
        device=Device(
            name=doc["device"]["name"], platform=DevicePlatform(doc["device"]["platform"])
        ),
        created_at=doc["created_at"],
        last_used_at=doc["last_used_at"],
        expires_at=doc["expires_at"],
        ip_masked=doc["ip_masked"],
        ip_region=Localized(doc["ip_region"]["zh"], doc["ip_region"]["en"]),
        methods=tuple(doc["methods"]),
        revoked_at=doc.get("revoked_at"),
        revoke_reason=doc.get("revoke_reason"),
        real_person_at=doc.get("real_person_at"),
    )


class SessionRepository:
    """Signed-in sessions and the hash of each one's current refresh token.

    Every write that changes a stored session replaces its sign-in mark afterwards
    (``marks``, see :mod:`identity.repositories.sign_in_marks`), so no instance goes on
    using what it remembered of it.
    """

    def __init__(
        self, database: Database, *, marks: SignInMarks, outbox: OutboxRepository | None = None
    ) -> None:
        self._sessions = database["sessions"]
        self._marks = marks
        self._outbox = outbox

    async def ensure_indexes(self) -> None:
        """List by account; purge a month after expiry."""
        await self._sessions.create_index(
            [("account_id", ASCENDING), ("last_used_at", DESCENDING)], name="account_recent"
        )
        await self._sessions.create_index(
            "expires_at",
            expireAfterSeconds=int(SESSION_RETENTION.total_seconds()),
            name="expires_ttl",
        )

    async def create(self, session: Session, refresh_hash: str) -> None:
        """Store a new session with its first refresh-token hash.

        A sign-in on a device (name and platform) the account never used, by an account
        signed in before, also appends ``identity.session.new_device`` to the outbox, in
        the same transaction (the notifications worker alerts the citizen).
        """
        doc: Document = {
            "_id": session.id,
            "account_id": session.account_id,
            "device": {"name": session.device.name, "platform": session.device.platform.value},
            "created_at": session.created_at,
            "last_used_at": session.last_used_at,
            "expires_at": session.expires_at,
            "ip_masked": session.ip_masked,
            "ip_region": {"zh": session.ip_region.zh, "en": session.ip_region.en},
            "methods": list(session.methods),
            "refresh_hash": refresh_hash,
            "used_hashes": [],
            "revoked_at": None,
            "real_person_at": None,
        }
        if self._outbox is None:
            await self._sessions.insert_one(doc)
            return
        outbox = self._outbox
        event = OutboxEvent(
            kind="identity.session.new_device",
            subject=session.id,
            audience=(session.account_id,),
            payload={"session_id": session.id, "platform": session.device.platform.value},
            occurred_at=session.created_at,
        )

        async def write(transaction: AsyncClientSession) -> None:
            account = {"account_id": session.account_id}
            before = await self._sessions.find_one(account, {"_id": 1}, session=transaction)
            same_device = await self._sessions.find_one(
                account
                | {
                    "device.name": session.device.name,
                    "device.platform": session.device.platform.value,
                },
                {"_id": 1},
                session=transaction,
            )
            await self._sessions.insert_one(doc, session=transaction)
            if before is not None and same_device is None:
                await outbox.append(event, session=transaction)

        async with self._sessions.database.client.start_session() as transaction:
            await transaction.with_transaction(write)

    async def get(self, session_id: str) -> Session | None:
        """The session with this id."""
        doc = await self._sessions.find_one({"_id": session_id})
        return _session(doc) if doc is not None else None

    async def rotate(
        self,
        session_id: str,
        presented_hash: str,
        new_hash: str,
        *,
        now: datetime,
        ip_masked: str,
        ip_region: Localized,
    ) -> Session | None:
        """Swap the refresh token if ``presented_hash`` is the current one (atomic).

        ``None`` when it is not current, the session is revoked, or it has expired.
        """
        query: Document = {
            "_id": session_id,
            "refresh_hash": presented_hash,
            "revoked_at": None,
            "expires_at": {"$gt": now},
        }
        update: Document = {
            "$set": {
                "refresh_hash": new_hash,
                "last_used_at": now,
                "ip_masked": ip_masked,
                "ip_region": {"zh": ip_region.zh, "en": ip_region.en},
            },
            "$push": {"used_hashes": {"$each": [presented_hash], "$slice": -USED_HASHES_KEPT}},
        }
        try:
            doc = await self._sessions.find_one_and_update(
                query, update, return_document=ReturnDocument.AFTER
            )
        finally:
            await self._marks.session_changed(session_id)
        return _session(doc) if doc is not None else None

    async def record_real_person(self, session_id: str, account_id: str, at: datetime) -> bool:
        """Record that this active session passed a liveness check at ``at``.

        Only the session that passed is raised; ``face`` joins its authentication methods.
        """
        try:
            result = await self._sessions.update_one(
                {"_id": session_id, "account_id": account_id, "revoked_at": None},
                {"$set": {"real_person_at": at}, "$addToSet": {"methods": "face"}},
            )
        finally:
            await self._marks.session_changed(session_id)
        return result.matched_count == 1

    async def was_rotated_away(self, session_id: str, presented_hash: str) -> bool:
        """True when ``presented_hash`` belonged to this session but was already used."""
        return (
            await self._sessions.count_documents(
                {"_id": session_id, "used_hashes": presented_hash}, limit=1
            )
            > 0
        )

    async def revoke(
        self, session_id: str, *, account_id: str | None, reason: str, now: datetime
    ) -> bool:
        """Revoke one session (only the owner's, when ``account_id`` is given)."""
        query: Document = {"_id": session_id, "revoked_at": None}
        if account_id is not None:
            query["account_id"] = account_id
        try:
            result = await self._sessions.update_one(
                query, {"$set": {"revoked_at": now, "revoke_reason": reason}}
            )
        finally:
            await self._marks.session_changed(session_id)
        return result.modified_count == 1

    async def revoke_all(self, account_id: str, *, reason: str, now: datetime) -> int:
        """Revoke every active session of an account; returns how many."""
        try:
            result = await self._sessions.update_many(
                {"account_id": account_id, "revoked_at": None},
                {"$set": {"revoked_at": now, "revoke_reason": reason}},
            )
        finally:
            # The account's mark covers every one of its sessions.
            await self._marks.accounts_changed([account_id])
        return result.modified_count

    async def active_of(self, account_id: str, *, now: datetime, limit: int) -> list[Session]:
        """The account's unrevoked, unexpired sessions, most recently used first."""
        cursor = (
            self._sessions.find(
                {"account_id": account_id, "revoked_at": None, "expires_at": {"$gt": now}}
            )
            .sort("last_used_at", DESCENDING)
            .limit(limit)
        )
        return [_session(doc) async for doc in cursor]

    async def active_ids(self, session_ids: list[str]) -> set[str]:
        """The ids among ``session_ids`` of sessions not revoked (one read, for live checks)."""
        cursor = self._sessions.find(
            {"_id": {"$in": session_ids}, "revoked_at": None}, projection={"_id": 1}
        )
        return {doc["_id"] async for doc in cursor}
