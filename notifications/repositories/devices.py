"""The ``notification_devices`` collection: push targets, one document per device.

Tokens rest encrypted (bound to the device id); a keyed hash of the token finds a
device again (re-registration, provider answers) without storing it in clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from infra.crypto import FieldCipher, KeyedHash
from notifications.models import Device, new_device_id
from notifications.repositories import Database, Document


class DeviceRepository:
    """Devices by account, by token hash and in id order (for announcements)."""

    def __init__(self, database: Database, cipher: FieldCipher, lookup: KeyedHash) -> None:
        self._devices = database["notification_devices"]
        self._cipher = cipher
        self._lookup = lookup

    async def ensure_indexes(self) -> None:
        """One device per token; an account's devices; stale ones by last use."""
        await self._devices.create_index("token_hash", unique=True, name="token")
        await self._devices.create_index("account_id", name="account")
        await self._devices.create_index("last_seen_at", name="last_seen")

    def _device(self, doc: Document) -> Device:
        return Device(
            id=doc["_id"],
            account_id=doc["account_id"],
            platform=doc["platform"],
            token=self._cipher.decrypt(doc["token"], context=doc["_id"]),
            app_version=doc["app_version"],
            locale=doc["locale"],
            created_at=doc["created_at"],
            last_seen_at=doc["last_seen_at"],
        )

    async def register(
        self,
        account_id: str,
        *,
        token: str,
        platform: str,
        app_version: str,
        locale: str,
        now: datetime,
    ) -> Device:
        """Add the device, or refresh it (a token moves to the account that registers it)."""
        device_id = new_device_id()
        doc = await self._devices.find_one_and_update(
            {"token_hash": self._lookup.digest(token)},
            {
                "$set": {
                    "account_id": account_id,
                    "platform": platform,
                    "app_version": app_version,
                    "locale": locale,
                    "last_seen_at": now,
                },
                "$setOnInsert": {
                    "_id": device_id,
                    "token": self._cipher.encrypt(token, context=device_id),
                    "created_at": now,
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        return self._device(doc)

    async def unregister(self, account_id: str, token: str) -> bool:
        """Remove the caller's device with ``token``; ``False`` when it has none."""
        result = await self._devices.delete_one(
            {"token_hash": self._lookup.digest(token), "account_id": account_id}
        )
        return result.deleted_count == 1

    async def of_accounts(self, account_ids: Sequence[str]) -> list[Device]:
        """Every device of these accounts."""
        found = self._devices.find({"account_id": {"$in": list(account_ids)}})
        return [self._device(doc) async for doc in found]

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Device]:
        """Devices by id (removed ones absent)."""
        found = self._devices.find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: self._device(doc) async for doc in found}

    async def page(self, *, after: str | None, limit: int) -> list[Device]:
        """Devices in id order after ``after`` (announcements walk them all in pages)."""
        query: Document = {} if after is None else {"_id": {"$gt": after}}
        found = self._devices.find(query).sort("_id", ASCENDING).limit(limit)
        return [self._device(doc) async for doc in found]

    async def remove(self, device_ids: Sequence[str]) -> int:
        """Remove devices (their provider says the token is gone)."""
        result = await self._devices.delete_many({"_id": {"$in": list(device_ids)}})
        return result.deleted_count

    async def prune(self, *, unseen_since: datetime) -> int:
        """Remove devices not seen since ``unseen_since``."""
        result = await self._devices.delete_many({"last_seen_at": {"$lt": unseen_since}})
        return result.deleted_count
