"""The ``licences`` collection: one document per issued licence, its URI as ``_id``.

Stored in clear: the URI (its document id part is a keyed hash), the type, the holder
(a citizen's opaque account id or an enterprise's public USCC), the issuing department,
the dates, the status and the seal. The document number and the typed fields (names,
ID numbers, addresses…) are one AES-GCM ciphertext bound to the URI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository
from wallet.errors import LicenceAlreadyIssued
from wallet.models import (
    Holder,
    HolderKind,
    LicenceStatus,
    LicenceType,
    Seal,
    StatusChange,
    StoredLicence,
)

Document = dict[str, Any]
Database = AsyncDatabase[Document]
"""The open database the wallet's collections live in."""


def _to_document(licence: StoredLicence, now: datetime) -> Document:
    return {
        "_id": licence.uri,
        "type": licence.type.value,
        "holder": {"kind": licence.holder.kind.value, "id": licence.holder.id},
        "issuer": licence.issuer,
        "issuedOn": licence.issued_on.isoformat(),
        "expiresOn": licence.expires_on.isoformat() if licence.expires_on else None,
        "content": licence.sealed_content,
        "seal": {"alg": licence.seal.alg, "kid": licence.seal.kid, "sig": licence.seal.signature},
        "status": licence.status.value,
        "version": licence.version,
        "statusIndex": licence.status_index,
        "createdAt": now,
    }


def _to_model(doc: Document) -> StoredLicence:
    seal = doc["seal"]
    expires = doc.get("expiresOn")
    return StoredLicence(
        uri=doc["_id"],
        type=LicenceType(doc["type"]),
        holder=Holder(HolderKind(doc["holder"]["kind"]), doc["holder"]["id"]),
        issuer=doc["issuer"],
        issued_on=date.fromisoformat(doc["issuedOn"]),
        expires_on=date.fromisoformat(expires) if expires else None,
        sealed_content=doc["content"],
        seal=Seal(alg=seal["alg"], kid=seal["kid"], signature=seal["sig"]),
        status=LicenceStatus(doc["status"]),
        version=doc["version"],
        sealed_reason=doc.get("statusReason"),
        status_index=doc.get("statusIndex"),
    )


class LicenceRepository:
    """Stores and reads licences; every change is written with its outbox event."""

    def __init__(self, database: Database, outbox: OutboxRepository) -> None:
        self._database = database
        self._licences = database["licences"]
        self._counters = database["licence_status_counters"]
        self._outbox = outbox

    async def ensure_indexes(self) -> None:
        """A holder's wallet in URI order, a department's licences, upcoming expiry, slots."""
        await self._licences.create_index(
            [("holder.kind", ASCENDING), ("holder.id", ASCENDING), ("_id", ASCENDING)],
            name="holder_uri",
        )
        await self._licences.create_index(
            [("issuer", ASCENDING), ("type", ASCENDING)], name="issuer_type"
        )
        await self._licences.create_index(
            [("expiresOn", ASCENDING), ("status", ASCENDING)], name="expiry_status"
        )
        await self._licences.create_index(
            [("issuer", ASCENDING), ("statusIndex", ASCENDING)],
            name="issuer_status_index",
            unique=True,
            partialFilterExpression={"statusIndex": {"$type": "int"}},
        )

    async def insert(
        self, licence: StoredLicence, event: Callable[[StoredLicence], OutboxEvent]
    ) -> StoredLicence:
        """Store a new licence with the next slot of its issuer's status list, and its event.

        One transaction: the slot counter, the licence and ``event(stored)`` in the
        outbox. :class:`LicenceAlreadyIssued` when its URI exists (nothing is written).
        """
        stored: list[StoredLicence] = []

        async def write(session: AsyncClientSession) -> None:
            stored.clear()
            counter = await self._counters.find_one_and_update(
                {"_id": licence.issuer},
                {"$inc": {"next": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            assert counter is not None
            slotted = dataclasses.replace(licence, status_index=int(counter["next"]) - 1)
            await self._licences.insert_one(
                _to_document(slotted, datetime.now(UTC)), session=session
            )
            await self._outbox.append(event(slotted), session=session)
            stored.append(slotted)

        try:
            async with self._database.client.start_session() as session:
                await session.with_transaction(write)
        except DuplicateKeyError:
            raise LicenceAlreadyIssued() from None
        return stored[0]

    async def get(self, uri: str) -> StoredLicence | None:
        """The licence with ``uri``, or ``None``."""
        doc = await self._licences.find_one({"_id": uri})
        return _to_model(doc) if doc else None

    async def of_holder(self, holder: Holder) -> list[StoredLicence]:
        """Every licence of ``holder``, in URI order (one query)."""
        cursor = self._licences.find(
            {"holder.kind": holder.kind.value, "holder.id": holder.id}
        ).sort([("_id", ASCENDING)])
        return [_to_model(doc) async for doc in cursor]

    async def page_of_holder(
        self, holder: Holder, *, after: str | None, limit: int
    ) -> list[StoredLicence]:
        """Up to ``limit`` licences of ``holder`` in URI order, after URI ``after`` (one query)."""
        query: Document = {"holder.kind": holder.kind.value, "holder.id": holder.id}
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self._licences.find(query).sort([("_id", ASCENDING)]).limit(limit)
        return [_to_model(doc) async for doc in cursor]

    async def change_status(
        self,
        uri: str,
        change: StatusChange,
        *,
        sealed_reason: str,
        by: str,
        now: datetime,
        event: Callable[[StoredLicence], OutboxEvent],
    ) -> StoredLicence | None:
        """Apply ``change`` if the stored status allows it, with its event, in one transaction.

        ``None`` when the licence is not in a status the change applies to (or is gone).
        """
        changed: list[StoredLicence] = []

        async def write(session: AsyncClientSession) -> None:
            changed.clear()
            doc = await self._licences.find_one_and_update(
                {"_id": uri, "status": {"$in": sorted(s.value for s in change.allowed_from)}},
                {
                    "$set": {
                        "status": change.to.value,
                        "statusReason": sealed_reason,
                        "statusChangedAt": now,
                        "statusChangedBy": by,
                    },
                    "$inc": {"version": 1},
                },
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is None:
                return
            licence = _to_model(doc)
            await self._outbox.append(event(licence), session=session)
            changed.append(licence)

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)
        return changed[0] if changed else None

    async def expiring_on_or_before(self, last_day: date, *, today: date) -> list[StoredLicence]:
        """Licences not revoked that expire between ``today`` and ``last_day`` (inclusive)."""
        cursor = self._licences.find(
            {
                "expiresOn": {"$gte": today.isoformat(), "$lte": last_day.isoformat()},
                "status": {"$ne": LicenceStatus.REVOKED.value},
            }
        ).sort([("expiresOn", ASCENDING), ("_id", ASCENDING)])
        return [_to_model(doc) async for doc in cursor]

    async def note_expiry_notice(
        self, licence: StoredLicence, days: int, event: OutboxEvent
    ) -> bool:
        """Record that the ``days``-before-expiry notice went out, with its event, once.

        ``False`` when it had been recorded before (the scan ran already): no event then.
        """
        noted: list[bool] = []

        async def write(session: AsyncClientSession) -> None:
            noted.clear()
            result = await self._licences.update_one(
                {
                    "_id": licence.uri,
                    "expiresOn": (licence.expires_on.isoformat() if licence.expires_on else None),
                    "expiryNotices": {"$ne": days},
                },
                {"$addToSet": {"expiryNotices": days}},
                session=session,
            )
            if result.modified_count == 1:
                await self._outbox.append(event, session=session)
                noted.append(True)

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)
        return bool(noted)

    async def statuses_of_issuer(self, issuer: str) -> tuple[int, dict[int, LicenceStatus]]:
        """The size of ``issuer``'s status list and the slots that are not valid."""
        counter = await self._counters.find_one({"_id": issuer})
        size = int(counter["next"]) if counter else 0
        cursor = self._licences.find(
            {"issuer": issuer, "status": {"$ne": LicenceStatus.VALID.value}},
            projection={"statusIndex": 1, "status": 1},
        )
        found = {
            int(doc["statusIndex"]): LicenceStatus(doc["status"])
            async for doc in cursor
            if doc.get("statusIndex") is not None
        }
        return size, found
