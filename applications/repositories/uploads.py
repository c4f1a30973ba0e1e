"""The ``application_uploads`` collection: one document per upload, the upload id as ``_id``.

The file name is personal data (``刘建军身份证.jpg``) and rests encrypted, bound to the
upload's id; the file itself never enters the database. State changes are guarded
updates on the state, so two confirmations of one upload cannot both decide it.
A rejected upload's record carries ``forget_at``, which a TTL index removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from applications.repositories import Database, Document
from applications.uploads_models import Rejection, Upload, UploadState
from infra.crypto import FieldCipher


class UploadRepository:
    """Reads and writes uploads; file names are sealed with ``cipher``."""

    def __init__(self, database: Database, cipher: FieldCipher) -> None:
        self._uploads = database["application_uploads"]
        self._cipher = cipher

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries below rely on (idempotent)."""
        # An account's pending slots are counted before a new one is handed out.
        await self._uploads.create_index(
            [("account_id", ASCENDING), ("state", ASCENDING)], name="account_state"
        )
        # The purge finds abandoned pending uploads by age.
        await self._uploads.create_index(
            [("state", ASCENDING), ("created_at", ASCENDING)], name="state_created"
        )
        await self._uploads.create_index("forget_at", name="forget_at", expireAfterSeconds=0)
        # Decided uploads whose slot may still have taken a post after the decision.
        await self._uploads.create_index(
            [("incoming_open", ASCENDING), ("slot_expires_at", ASCENDING)],
            name="incoming_open",
            partialFilterExpression={"incoming_open": True},
        )

    def _context(self, upload_id: str) -> str:
        return f"application-upload:{upload_id}"

    def _document(self, upload: Upload) -> Document:
        return {
            "_id": upload.id,
            "account_id": upload.account_id,
            "item_code": upload.item_code,
            "material_code": upload.material_code,
            "file_name": self._cipher.encrypt(upload.file_name, context=self._context(upload.id)),
            "content_type": upload.content_type,
            "size": upload.size,
            "state": upload.state.value,
            "created_at": upload.created_at,
            "slot_expires_at": upload.slot_expires_at,
            "sha256": upload.sha256,
            "verified_at": upload.verified_at,
            "rejection": upload.rejection.value if upload.rejection is not None else None,
            # Until its slot has expired and been swept, a post can land under incoming/.
            "incoming_open": True,
        }

    def _model(self, doc: Document) -> Upload:
        return Upload(
            id=doc["_id"],
            account_id=doc["account_id"],
            item_code=doc["item_code"],
            material_code=doc["material_code"],
            file_name=self._cipher.decrypt(doc["file_name"], context=self._context(doc["_id"])),
            content_type=doc["content_type"],
            size=doc["size"],
            state=UploadState(doc["state"]),
            created_at=doc["created_at"],
            slot_expires_at=doc["slot_expires_at"],
            sha256=doc.get("sha256"),
            verified_at=doc.get("verified_at"),
            rejection=Rejection(doc["rejection"]) if doc.get("rejection") else None,
        )

    async def insert(self, upload: Upload) -> None:
        """Store a new upload."""
        await self._uploads.insert_one(self._document(upload))

    async def get(self, upload_id: str) -> Upload | None:
        """The upload with this id, or ``None``."""
        doc = await self._uploads.find_one({"_id": upload_id})
        return self._model(doc) if doc is not None else None

    async def by_ids(self, upload_ids: Sequence[str]) -> dict[str, Upload]:
        """The uploads with these ids, in one query."""
        cursor = self._uploads.find({"_id": {"$in": list(set(upload_ids))}})
        return {doc["_id"]: self._model(doc) async for doc in cursor}

    async def count_pending(self, account_id: str) -> int:
        """How many of the account's uploads wait for confirmation."""
        return await self._uploads.count_documents(
            {"account_id": account_id, "state": UploadState.PENDING.value}
        )

    async def mark_verified(
        self, upload_id: str, *, size: int, sha256: str, at: datetime
    ) -> Upload | None:
        """Move a pending upload to ``VERIFIED``; ``None`` when it was not pending."""
        doc = await self._uploads.find_one_and_update(
            {"_id": upload_id, "state": UploadState.PENDING.value},
            {
                "$set": {
                    "state": UploadState.VERIFIED.value,
                    "size": size,
                    "sha256": sha256,
                    "verified_at": at,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return self._model(doc) if doc is not None else None

    async def mark_rejected(
        self, upload_id: str, *, rejection: Rejection, forget_at: datetime
    ) -> Upload | None:
        """Move a pending upload to ``REJECTED``; ``None`` when it was not pending."""
        doc = await self._uploads.find_one_and_update(
            {"_id": upload_id, "state": UploadState.PENDING.value},
            {
                "$set": {
                    "state": UploadState.REJECTED.value,
                    "rejection": rejection.value,
                    "forget_at": forget_at,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return self._model(doc) if doc is not None else None

    async def abandoned(self, created_before: datetime, limit: int) -> list[str]:
        """Ids of pending uploads created before ``created_before``, oldest first."""
        cursor = (
            self._uploads.find(
                {"state": UploadState.PENDING.value, "created_at": {"$lt": created_before}},
                {"_id": 1},
            )
            .sort("created_at", ASCENDING)
            .limit(limit)
        )
        return [doc["_id"] async for doc in cursor]

    async def unswept(self, slot_expired_before: datetime, limit: int) -> list[str]:
        """Ids of decided uploads whose slot expired before the time and was not swept."""
        cursor = self._uploads.find(
            {
                "incoming_open": True,
                "slot_expires_at": {"$lt": slot_expired_before},
                "state": {"$ne": UploadState.PENDING.value},
            },
            {"_id": 1},
        ).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def mark_swept(self, upload_ids: Sequence[str]) -> None:
        """Record that nothing can land under these uploads' incoming keys any more."""
        if upload_ids:
            await self._uploads.update_many(
                {"_id": {"$in": list(upload_ids)}}, {"$unset": {"incoming_open": ""}}
            )

    async def delete_pending(self, upload_id: str) -> bool:
        """Delete the upload when it is still pending; whether it was."""
        result = await self._uploads.delete_one(
            {"_id": upload_id, "state": UploadState.PENDING.value}
        )
        return result.deleted_count == 1
