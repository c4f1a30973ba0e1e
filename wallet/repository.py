"""The ``licences`` collection: one document per issued licence, its URI as ``_id``.

Stored in clear: the URI (its document id part is a keyed hash), the type, the holder
(a citizen's opaque account id or an enterprise's public USCC), the issuing department,
the dates, the status and the seal. The document number and the typed fields (names,
ID numbers, addresses…) are one AES-GCM ciphertext bound to the URI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from wallet.errors import LicenceAlreadyIssued
from wallet.models import Holder, HolderKind, LicenceStatus, LicenceType, Seal, StoredLicence

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
    )


class LicenceRepository:
    """Stores and reads licences."""

    def __init__(self, database: Database) -> None:
        self._licences = database["licences"]

    async def ensure_indexes(self) -> None:
        """A holder's wallet by type, a department's licences by type, upcoming expiry."""
        await self._licences.create_index(
            [("holder.kind", ASCENDING), ("holder.id", ASCENDING), ("type", ASCENDING)],
            name="holder_type",
        )
        await self._licences.create_index(
            [("issuer", ASCENDING), ("type", ASCENDING)], name="issuer_type"
        )
        await self._licences.create_index(
            [("expiresOn", ASCENDING), ("status", ASCENDING)], name="expiry_status"
        )

    async def insert(self, licence: StoredLicence) -> None:
        """Store a new licence; :class:`LicenceAlreadyIssued` when its URI exists."""
        try:
            await self._licences.insert_one(_to_document(licence, datetime.now(UTC)))
        except DuplicateKeyError:
            raise LicenceAlreadyIssued() from None

    async def get(self, uri: str) -> StoredLicence | None:
        """The licence with ``uri``, or ``None``."""
        doc = await self._licences.find_one({"_id": uri})
        return _to_model(doc) if doc else None

    async def of_holder(self, holder: Holder) -> list[StoredLicence]:
        """Every licence of ``holder``, by type then URI (one query)."""
        cursor = self._licences.find(
            {"holder.kind": holder.kind.value, "holder.id": holder.id}
        ).sort([("type", ASCENDING), ("_id", ASCENDING)])
        return [_to_model(doc) async for doc in cursor]
