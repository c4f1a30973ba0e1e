"""The ``accounts`` collection: citizens' accounts, personal attributes encrypted."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError, OperationFailure

from identity.models import Account, RealName, birth_date_of, gender_of, new_id
from identity.repositories import Database, Document
from identity.repositories.sign_in_marks import SignInMarks
from infra.crypto import FieldCipher, KeyedHash

logger = logging.getLogger("identity.repository")

_PHONE_HASH_INDEX = "phone_hash_unique"
# The unique index of releases that stored phone numbers in clear.
_CLEAR_PHONE_INDEX = "phone_unique"
_INDEX_NOT_FOUND = 27
_MIGRATION_BATCH = 500


class AccountRepository:
    """Accounts; personal attributes are stored encrypted, with keyed hashes for lookup.

    The phone number is stored as ``phone_cipher`` (AES-GCM, bound to the account id)
    and found by ``phone_hash`` (HMAC-SHA256 under ``hasher``), as the ID number is.
    """

    def __init__(
        self, database: Database, cipher: FieldCipher, hasher: KeyedHash, *, marks: SignInMarks
    ) -> None:
        self._database = database
        self._accounts = database["accounts"]
        self._cipher = cipher
        self._hasher = hasher
        self.marks = marks
        """Replaced after every write to an account (``identity.repositories.sign_in_marks``)."""

    async def ping(self) -> None:
        """Ask the database server to answer (raises while it cannot be reached)."""
        await self._database.command("ping")

    async def ensure_indexes(self) -> None:
        """Phone numbers and bound ID numbers are unique across accounts.

        Also moves accounts stored by earlier releases, whose phone is in clear, to the
        encrypted form (see :meth:`_encrypt_clear_phones`); safe to run on every start.
        """
        indexes = {index["name"] async for index in await self._accounts.list_indexes()}
        if _PHONE_HASH_INDEX not in indexes:
            # Built only once every phone is encrypted: until then (a new database, or
            # one of a release that kept phones in clear, or a migration interrupted),
            # look for clear phones.
            await self._encrypt_clear_phones(drop_clear_index=_CLEAR_PHONE_INDEX in indexes)
        await self._accounts.create_index("phone_hash", unique=True, name=_PHONE_HASH_INDEX)
        await self._accounts.create_index(
            "real_name.id_hash",
            unique=True,
            name="id_hash_unique",
            partialFilterExpression={"real_name.id_hash": {"$type": "string"}},
        )

    async def _encrypt_clear_phones(self, *, drop_clear_index: bool) -> int:
        """Encrypt and hash every phone still stored in clear; returns how many.

        The unique index on the clear ``phone`` goes first: once two accounts have
        lost their clear phone, both would index as ``null`` and collide. Each update
        is guarded by the clear value it replaces, so instances starting together (or a
        start interrupted half-way) repeat nothing and lose nothing.
        """
        if drop_clear_index:
            try:
                await self._accounts.drop_index(_CLEAR_PHONE_INDEX)
            except OperationFailure as error:
                if error.code != _INDEX_NOT_FOUND:  # else: another instance dropped it
                    raise
        moved = 0
        batch: list[UpdateOne] = []
        async for doc in self._accounts.find(
            {"phone": {"$type": "string"}}, {"_id": 1, "phone": 1}
        ):
            batch.append(
                UpdateOne(
                    {"_id": doc["_id"], "phone": doc["phone"]},
                    {
                        "$set": self._phone_fields(doc["_id"], doc["phone"]),
                        "$unset": {"phone": ""},
                    },
                )
            )
            if len(batch) == _MIGRATION_BATCH:
                moved += (await self._accounts.bulk_write(batch, ordered=False)).modified_count
                batch = []
        if batch:
            moved += (await self._accounts.bulk_write(batch, ordered=False)).modified_count
        if moved:
            logger.info("identity.accounts.phones_encrypted count=%d", moved)
        return moved

    def _phone_fields(self, account_id: str, phone: str) -> Document:
        """The stored form of a phone number: its keyed hash and its ciphertext."""
        return {
            "phone_hash": self._hasher.digest(phone),
            "phone_cipher": self._cipher.encrypt(phone, context=account_id),
        }

    def _to_model(self, doc: Document) -> Account:
        real_name = None
        if (rn := doc.get("real_name")) is not None:
            id_number = self._cipher.decrypt(rn["id_cipher"], context=doc["_id"])
            # Birth date and gender are read from the (encrypted) number, not stored.
            real_name = RealName(
                name=self._cipher.decrypt(rn["name_cipher"], context=doc["_id"]),
                id_number=id_number,
                birth_date=birth_date_of(id_number),
                gender=gender_of(id_number),
                verified_at=rn["verified_at"],
            )
        return Account(
            id=doc["_id"],
            phone=self._cipher.decrypt(doc["phone_cipher"], context=doc["_id"]),
            created_at=doc["created_at"],
            real_name=real_name,
        )

    async def get(self, account_id: str) -> Account | None:
        """The account with this id."""
        doc = await self._accounts.find_one({"_id": account_id})
        return self._to_model(doc) if doc is not None else None

    async def real_name_hash(self, account_id: str) -> str | None:
        """The keyed hash of the account's verified ID number; ``None`` when not verified.

        Reads only the hash: nothing is decrypted.
        """
        doc = await self._accounts.find_one({"_id": account_id}, {"real_name.id_hash": 1})
        real_name = (doc or {}).get("real_name") or {}
        id_hash = real_name.get("id_hash")
        return id_hash if isinstance(id_hash, str) else None

    async def verified_account_id_by_phone(self, phone: str) -> str | None:
        """The id of the account signed in with ``phone`` (E.164), if it is real-name verified.

        Reads only the id: nothing is decrypted.
        """
        doc = await self._accounts.find_one(
            {"phone_hash": self._hasher.digest(phone), "real_name.id_hash": {"$type": "string"}},
            {"_id": 1},
        )
        return None if doc is None else str(doc["_id"])

    async def get_or_create_by_phone(self, phone: str, now: datetime) -> Account:
        """The account of ``phone``, created on first sign-in (safe under races).

        Found by the phone's keyed hash; a new account stores the phone encrypted.
        """
        phone_hash = self._hasher.digest(phone)
        for _ in range(2):
            account_id = new_id("acc")
            try:
                doc = await self._accounts.find_one_and_update(
                    {"phone_hash": phone_hash},
                    {
                        "$setOnInsert": {
                            "_id": account_id,
                            **self._phone_fields(account_id, phone),
                            "created_at": now,
                        }
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # a concurrent first sign-in created it: read it on the next pass
            if doc is not None:
                return self._to_model(doc)
        doc = await self._accounts.find_one({"phone_hash": phone_hash})
        assert doc is not None
        return self._to_model(doc)

    def document_fields_for_real_name(
        self, account_id: str, real_name: RealName, id_hash: str
    ) -> Document:
        """The stored form of verified attributes (encrypted, bound to the account)."""
        return {
            "name_cipher": self._cipher.encrypt(real_name.name, context=account_id),
            "id_cipher": self._cipher.encrypt(real_name.id_number, context=account_id),
            "id_hash": id_hash,
            "verified_at": real_name.verified_at,
        }

    async def id_hash_owner(self, id_hash: str) -> str | None:
        """The id of the account whose verified ID number has this keyed hash, if any."""
        doc = await self._accounts.find_one({"real_name.id_hash": id_hash}, {"_id": 1})
        return None if doc is None else str(doc["_id"])

    async def bind_real_name(
        self, account_id: str, real_name: RealName, id_hash: str
    ) -> RealNameBinding:
        """Bind verified attributes to an account that has none yet (one guarded update).

        The unique index on ``real_name.id_hash`` settles a race of two accounts
        binding the same ID number: the loser gets ``ID_TAKEN``.
        """
        try:
            result = await self._accounts.update_one(
                {"_id": account_id, "real_name": None},
                {
                    "$set": {
                        "real_name": self.document_fields_for_real_name(
                            account_id, real_name, id_hash
                        )
                    }
                },
            )
        except DuplicateKeyError:
            return RealNameBinding.ID_TAKEN
        finally:
            await self.marks.accounts_changed([account_id])
        return RealNameBinding.BOUND if result.modified_count == 1 else RealNameBinding.NOT_BOUND


class RealNameBinding(StrEnum):
    """Outcome of :meth:`AccountRepository.bind_real_name`."""

    BOUND = "bound"
    """The attributes are now bound to the account."""
    NOT_BOUND = "not_bound"
    """The account already had verified attributes (or does not exist): nothing changed."""
    ID_TAKEN = "id_taken"
    """Another account holds this ID number: nothing changed."""
