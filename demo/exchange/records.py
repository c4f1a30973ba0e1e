"""The departments' data sets on the exchange: one ``exchange_<kind>`` collection per kind.

Each department publishes its data about a resident as one document keyed by the
resident ID number (``_id``), holding the data in its JSON form (``payload``) and when
the department last updated it (``as_of``). A lookup is one ``find`` on ``_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from demo.exchange.models import DepartmentRecord

Document = dict[str, Any]

RECORD_KINDS: frozenset[str] = frozenset(
    {
        "household",
        "social_insurance",
        "medical_insurance",
        "provident_fund",
        "properties",
        "utilities",
        "income",
    }
)
"""The kinds of data set the exchange carries (the life record's sections but licences,
which are the licence wallet's)."""


class UnknownRecordKind(ValueError):
    """A data set kind the exchange does not carry (refused: it would name a collection)."""


def collection_name(kind: str) -> str:
    """The collection holding data sets of ``kind``."""
    if kind not in RECORD_KINDS:
        raise UnknownRecordKind(kind)
    return f"exchange_{kind}"


def _record(doc: Document) -> DepartmentRecord:
    return DepartmentRecord(
        id_number=doc["_id"], payload=doc.get("payload"), as_of=doc.get("as_of")
    )


class DepartmentRecordRepository:
    """Reads and writes the departments' data sets, by kind and resident ID number."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._collections: dict[str, AsyncCollection[Document]] = {
            kind: database[collection_name(kind)] for kind in RECORD_KINDS
        }

    def _collection(self, kind: str) -> AsyncCollection[Document]:
        try:
            return self._collections[kind]
        except KeyError:
            raise UnknownRecordKind(kind) from None

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries below rely on (idempotent).

        Every lookup is by ``_id``, which MongoDB always indexes: nothing to create
        yet. Kept so the composition root treats every repository alike.
        """

    async def upsert(self, kind: str, records: Iterable[DepartmentRecord]) -> int:
        """Insert or replace data sets of ``kind`` by ID number; returns how many changed."""
        collection = self._collection(kind)
        operations = [
            UpdateOne(
                {"_id": record.id_number},
                {"$set": {"payload": record.payload, "as_of": record.as_of}},
                upsert=True,
            )
            for record in records
        ]
        if not operations:
            return 0
        result = await collection.bulk_write(operations, ordered=False)
        return result.upserted_count + result.modified_count

    async def get(self, kind: str, id_number: str) -> DepartmentRecord | None:
        """The data set of ``kind`` about this resident, or ``None`` (one ``find``)."""
        doc = await self._collection(kind).find_one({"_id": id_number})
        return None if doc is None else _record(doc)

    async def replace_payload(self, kind: str, id_number: str, payload: dict[str, Any]) -> None:
        """Replace one resident's data set of ``kind`` (a department's correction)."""
        await self._collection(kind).update_one({"_id": id_number}, {"$set": {"payload": payload}})
